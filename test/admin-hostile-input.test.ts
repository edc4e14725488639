import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Hostile values on the admin API, against a real gateway on each key store and
 * ledger. PostgreSQL is the strict one: it has no year 0, reads a six-digit year as a
 * zone offset, keeps no NUL in text and no number past 2^63 - 1 in a bigint; each of
 * those reached it and came back as a 500 `internal_error`.
 */
const postgres = await findPostgres();
const schema = freshSchemaName();

const stores = [
  ['sqlite', () => ({ use: 'sqlite' })],
  ...(postgres.available ? [['postgres', () => ({ use: 'postgres', url: postgres.url, schema })] as const] : []),
] as const;

const base64url = (text: string) => Buffer.from(text).toString('base64url');

interface Answer {
  status: number;
  body: { error?: { code?: string; param?: string | null; message?: string } } & Record<string, unknown>;
}

describe.each(stores)('admin API on %s: hostile values are 400s, never 500s', (_store, storage) => {
  let gateway: TestGateway;

  beforeAll(async () => {
    // A data directory of its own: the default one (./.switchyard) may hold another run's usage, which `data: []` below would see.
    const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-admin-hostile-'));
    gateway = await startTestGateway({ server: { data_dir: dataDir }, providers: { mock: {} }, storage: storage() });
  });

  afterAll(async () => {
    await gateway?.close();
  });

  async function admin(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${gateway.origin}/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  }

  function expectRefused(answer: Answer, status: number, code: string, param: string | null) {
    expect({ status: answer.status, code: answer.body.error?.code, param: answer.body.error?.param }).toEqual({ status, code, param });
  }

  it.each([
    ['/usage?from=0000-01-01', 'from'],
    ['/usage?from=0000-12-31T23:00:00Z&to=0001-01-02', 'from'],
    ['/usage?from=0001-01-01T00:00:00%2B01:00&to=0001-01-02', 'from'],
    ['/usage?from=9999-12-01&to=9999-12-31T23:00:00-14:00', 'to'],
    ['/requests?from=0000-01-01', 'from'],
  ])('a time outside years 1 to 9999 UTC: %s → 400 naming %s', async (path, param) => {
    expectRefused(await admin('GET', path), 400, 'invalid_request', param);
  });

  it('a window ending early in year 1 starts at year 1, not 30 days before it', async () => {
    const answer = await admin('GET', '/usage?to=0001-01-02');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ from: '0001-01-01T00:00:00.000Z', to: '0001-01-02T00:00:00.000Z' });
    expect((await admin('GET', '/requests?to=0001-01-01T00:00:01Z')).status).toBe(200);
  });

  it('the first and last instants of years 1 to 9999 are accepted', async () => {
    const answer = await admin('GET', '/usage?from=0001-01-01&to=9999-12-31T23:59:59.999Z');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ from: '0001-01-01T00:00:00.000Z', to: '9999-12-31T23:59:59.999Z', data: [] });
  });

  it('an expiry in year 10000 once its offset is applied → 400 naming scope.expires_at', async () => {
    expectRefused(await admin('POST', '/keys', { name: 'k', scope: { expires_at: '9999-12-31T23:00:00-14:00' } }), 400, 'invalid_request', 'scope.expires_at');
  });

  it.each([
    ['a time past what a Date holds', '[9007199254740991,"x"]'],
    ['a time in year 10000', '[253402300800000,"x"]'],
    ['an id with a NUL, which PostgreSQL keeps in no text', '[1000,"a\\u0000b"]'],
  ])('a forged /requests cursor holding %s → 400 naming cursor', async (_what, json) => {
    expectRefused(await admin('GET', `/requests?cursor=${base64url(json)}`), 400, 'invalid_request', 'cursor');
  });

  it('a forged /keys cursor holding a position past 2^63 - 1 → 400 naming cursor', async () => {
    expectRefused(await admin('GET', `/keys?cursor=${base64url('k:9999999999999999999')}`), 400, 'invalid_request', 'cursor');
  });

  it.each([
    ['name', { name: 'a\u0000b' }],
    ['team', { name: 'k', team: 't\r\nx' }],
    ['name', { name: 'k\u001b[2J\u001b[31m' }],
    ['tags[0]', { name: 'k', tags: ['a\u0000'] }],
    ['scope.models[0]', { name: 'k', scope: { models: ['mock/\u0000'] } }],
    ['user', { name: 'k', user: 'u\u0085' }],
  ])('a control character in a created key\'s %s → 400 naming it', async (param, body) => {
    expectRefused(await admin('POST', '/keys', body), 400, 'invalid_request', param);
  });

  it('a control character in an update → 400, and the key is unchanged', async () => {
    const created = await admin('POST', '/keys', { name: 'plain' });
    const id = (created.body['key'] as { id: string }).id;
    expectRefused(await admin('PATCH', `/keys/${id}`, { name: 'two\nlines' }), 400, 'invalid_request', 'name');
    expect(((await admin('GET', `/keys/${id}`)).body['key'] as { name: string }).name).toBe('plain');
  });

  it.each(['/keys?team=a%00b', '/keys?tag=a%00b', '/requests?model=a%00b', '/requests?key_id=a%00b', '/usage?key_id=a%00b'])(
    'a NUL in a filter: %s → 400',
    async (path) => {
      const answer = await admin('GET', path);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_request');
    },
  );

  it.each([
    ['GET', '/keys/a%00b'],
    ['GET', '/keys/a%00b/audit'],
    ['PATCH', '/keys/a%00b'],
    ['POST', '/keys/a%00b/revoke'],
    ['POST', '/keys/a%00b/rotate'],
  ])('a NUL in a key id: %s %s → 404 key_not_found', async (method, path) => {
    expectRefused(await admin(method, path, method === 'GET' ? undefined : method === 'PATCH' ? { name: 'x' } : {}), 404, 'key_not_found', 'id');
  });

  it('ten rounds of two updates at once, one setting rpm and one tpm: every round keeps both', async () => {
    const created = await admin('POST', '/keys', { name: 'raced' });
    const id = (created.body['key'] as { id: string }).id;
    for (let round = 1; round <= 10; round++) {
      const answers = await Promise.all([admin('PATCH', `/keys/${id}`, { scope: { rpm: round } }), admin('PATCH', `/keys/${id}`, { scope: { tpm: round * 1000 } })]);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      expect(((await admin('GET', `/keys/${id}`)).body['key'] as { scope: unknown }).scope).toEqual({ rpm: round, tpm: round * 1000 });
    }
  });

  it('wrote no error log line for any of it', () => {
    expect(gateway.logLines.filter((line) => JSON.parse(line).level >= 50)).toEqual([]);
  });
});

afterAll(async () => {
  if (!postgres.available) return;
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});
