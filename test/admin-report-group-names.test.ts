import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCaller } from './support/admin-call.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * `(none)` and `(other)` are the rows `/usage` gives requests of keys without a team or
 * project and the groups past its limit. A key put in team `(none)` was taken (201), and
 * its spend was summed with every teamless key's into one `(none)` row: a chargeback by
 * team billed one for the other.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-report-group-names-'));
  gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'sqlite' }, server: { data_dir: dataDir }, usage: { flush_interval_ms: 50 } });
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const admin = adminCaller(() => gateway.origin, masterKey);

const chat = (secret: string) =>
  fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
  });

describe('team and project names that are rows of the usage report', () => {
  it.each([
    ['team', '(none)'],
    ['team', '(other)'],
    ['project', '(none)'],
    ['project', '(other)'],
  ])('a created key in %s %s → 400 naming the field, and no key made', async (field, name) => {
    const before = (await admin('GET', '/keys?limit=100')).body['data'].length as number;
    const answer = await admin('POST', '/keys', { name: 'k', [field]: name });
    expect(answer).toMatchObject({ status: 400, body: { error: { type: 'invalid_request_error', code: 'invalid_request', param: field } } });
    expect(answer.body['error'].message).toContain(`without a ${field}`);
    expect((await admin('GET', '/keys?limit=100')).body['data']).toHaveLength(before);
  });

  it('an update into team (none) → 400; the key keeps its team, and the (none) row holds only teamless keys', async () => {
    const teamless = await admin('POST', '/keys', { name: 'no team' });
    const inTeam = await admin('POST', '/keys', { name: 'in blue', team: 'blue' });
    const id = inTeam.body['key'].id as string;
    const answer = await admin('PATCH', `/keys/${id}`, { team: '(none)' });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', param: 'team' } } });
    expect((await admin('GET', `/keys/${id}`)).body['key'].team).toBe('blue');

    expect((await chat(teamless.body['secret'] as string)).status).toBe(200);
    expect((await chat(inTeam.body['secret'] as string)).status).toBe(200);
    await expect
      .poll(async () => {
        const rows = (await admin('GET', '/usage?group_by=team')).body['data'] as Array<{ group: string; requests: number }>;
        return Object.fromEntries(rows.map((row) => [row.group, row.requests]));
      })
      .toEqual({ '(none)': 1, blue: 1 });
  });

  it('names that only hold the words are teams like any other', async () => {
    const created = await admin('POST', '/keys', { name: 'k', team: 'none', project: '(none) of these' });
    expect(created.status).toBe(201);
    expect(created.body['key']).toMatchObject({ team: 'none', project: '(none) of these' });
  });
});
