import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCaller } from './support/admin-call.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Admin names that begin or end with a blank: a key in team `red ` reads as team `red`
 * in the CLI, the dashboard and the logs, but is another team, outside `red`'s rate
 * limits and budget. It was taken (201) and the key was served past the team's rpm.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-padded-names-'));
  gateway = await startTestGateway({
    providers: { mock: {} },
    storage: { use: 'sqlite' },
    server: { data_dir: dataDir },
    chain: ['auth', 'key-scope', { 'rate-limit': { limits: { teams: { red: { rpm: 1 } } } } }, 'route', 'adapter'],
  });
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

const padded = [
  ['a trailing space', 'red '],
  ['a leading space', ' red'],
  ['a trailing no-break space', 'red\u00a0'],
  ['a leading ideographic space', '\u3000red'],
] as const;

describe('admin names that begin or end with a blank', () => {
  it.each(padded)('%s in a created key’s team, project, user, name or tag → 400 naming the field', async (_what, text) => {
    for (const [param, body] of [
      ['team', { name: 'k', team: text }],
      ['project', { name: 'k', project: text }],
      ['user', { name: 'k', user: text }],
      ['name', { name: text }],
      ['tags[0]', { name: 'k', tags: [text] }],
    ] as const) {
      const answer = await admin('POST', '/keys', body);
      expect(answer.status).toBe(400);
      expect(answer.body['error']).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
      expect(answer.body['error'].message).toContain('must not begin or end with a blank');
    }
  });

  it("in an update → 400, and the key stays in its team, under the team's rpm", async () => {
    const created = await admin('POST', '/keys', { name: 'in red', team: 'red' });
    const { id } = created.body['key'] as { id: string };
    const answer = await admin('PATCH', `/keys/${id}`, { team: 'red ' });
    expect(answer).toMatchObject({ status: 400, body: { error: { code: 'invalid_request', param: 'team' } } });
    expect((await admin('GET', `/keys/${id}`)).body['key'].team).toBe('red');
    const secret = created.body['secret'] as string;
    expect((await chat(secret)).status).toBe(200);
    expect((await chat(secret)).status).toBe(429);
  });

  it('blanks inside a name are kept', async () => {
    const created = await admin('POST', '/keys', { name: 'ci bot', team: 'red team', project: 'q3 launch' });
    expect(created.status).toBe(201);
    expect(created.body['key']).toMatchObject({ name: 'ci bot', team: 'red team', project: 'q3 launch' });
  });

  it('a key stored with a padded team before stays readable, findable by it, and editable', async () => {
    const stored = await gateway.gateway.runtime.storage!.keys.create({ name: 'old', team: 'red ', tags: [] }, { hash: 'b'.repeat(64), prefix: 'sy-old' });
    const listed = await admin('GET', `/keys?team=${encodeURIComponent('red ')}`);
    expect(listed.status).toBe(200);
    expect((listed.body['data'] as Array<{ id: string }>).map((key) => key.id)).toEqual([stored.id]);
    const moved = await admin('PATCH', `/keys/${stored.id}`, { team: 'red' });
    expect(moved).toMatchObject({ status: 200, body: { key: { team: 'red' } } });
  });
});
