import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { keyCacheTtlMs } from '@switchyard/policy-keys';
import { findPostgres, freshSchemaName, startTcpRelay, type TcpRelay } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/run-cli.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const postgres = await findPostgres();

const retryAfterSeconds = 3;
const poolSize = 4;

interface Call {
  name: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * Every route that needs the database, walked while PostgreSQL has stopped answering
 * mid-session (its open connections frozen, new ones accepted and never answered): each
 * must end, and with the documented answer, 503 `store_unavailable` in OpenAI's shape
 * with `Retry-After`. No timing is asserted: the test's own timeout is the bound.
 */
describe.skipIf(!postgres.available)('PostgreSQL that stops answering mid-session: every route that needs it', () => {
  const url = postgres.available ? postgres.url : '';
  const schema = freshSchemaName();
  let relay: TcpRelay;
  let gateway: TestGateway;
  let keyId = '';
  let secret = '';
  let responseId = '';
  let adminCookie = '';
  let selfCookie = '';

  beforeAll(async () => {
    const target = new URL(url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    gateway = await startTestGateway({
      providers: { mock: {} },
      storage: {
        use: 'postgres',
        url: relay.urlFor(url),
        schema,
        pool_size: poolSize,
        connect_timeout_ms: 300,
        query_timeout_ms: 600,
        statement_timeout_ms: 500,
        retry_after_seconds: retryAfterSeconds,
      },
      usage: { flush_interval_ms: 50 },
      chain: ['auth', 'key-scope', 'route', 'adapter'],
    });
    const admin = { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' };
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'walker', scope: { budget: { limit_usd: 100, period: 'total' } } }),
    });
    expect(created.status).toBe(201);
    ({ key: { id: keyId }, secret } = (await created.json()) as { key: { id: string }; secret: string });
    const stored = await fetch(`${gateway.origin}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', input: 'remember this' }),
    });
    expect(stored.status).toBe(200);
    responseId = ((await stored.json()) as { id: string }).id;
    const login = async (key: string) => {
      const response = await fetch(`${gateway.origin}/dashboard/api/session`, {
        method: 'POST',
        headers: { 'x-switchyard-dashboard': '1', 'content-type': 'application/json' },
        body: JSON.stringify({ key }),
      });
      expect(response.status).toBe(200);
      return response.headers.get('set-cookie')!.split(';')[0]!;
    };
    adminCookie = await login(masterKey);
    selfCookie = await login(secret);
  });

  afterAll(async () => {
    await relay?.setMode('pass');
    await gateway?.close().catch(() => {}); // records the outage held may meet a connection the relay reset
    await relay?.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it('admin API, dashboard API, /v1/me, stored responses, a budgeted call and the CLI: each ends with 503 store_unavailable and Retry-After; /health says degraded', async () => {
    // Calls at once until the pool holds all its connections: the first calls below meet those,
    // frozen mid-session, the later ones new connections that are accepted and never answered.
    const master0 = { authorization: `Bearer ${masterKey}` };
    await Promise.all(Array.from({ length: poolSize * 2 }, () => fetch(`${gateway.origin}/admin/usage`, { headers: master0 }).then((answer) => answer.arrayBuffer())));
    await relay.setMode('blackhole');
    await sleep(keyCacheTtlMs + 100); // past the fresh-lookup cache, so the key is looked up in the database
    const master = { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' };
    const key = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
    const dashboard = (cookie: string) => ({ 'x-switchyard-dashboard': '1', 'content-type': 'application/json', cookie });
    const calls: Call[] = [
      { name: 'admin: create a key', method: 'POST', path: '/admin/keys', headers: master, body: { name: 'during' } },
      { name: 'admin: list keys', method: 'GET', path: '/admin/keys', headers: master },
      { name: 'admin: show a key', method: 'GET', path: `/admin/keys/${keyId}`, headers: master },
      { name: 'admin: update a key', method: 'PATCH', path: `/admin/keys/${keyId}`, headers: master, body: { name: 'renamed' } },
      { name: 'admin: rotate a key', method: 'POST', path: `/admin/keys/${keyId}/rotate`, headers: master, body: {} },
      { name: 'admin: revoke a key', method: 'POST', path: `/admin/keys/${keyId}/revoke`, headers: master },
      { name: 'admin: audit log', method: 'GET', path: `/admin/keys/${keyId}/audit`, headers: master },
      { name: 'admin: usage', method: 'GET', path: '/admin/usage', headers: master },
      { name: 'admin: usage as CSV', method: 'GET', path: '/admin/usage?format=csv', headers: master },
      { name: 'admin: requests', method: 'GET', path: '/admin/requests', headers: master },
      { name: 'dashboard: login with a virtual key', method: 'POST', path: '/dashboard/api/session', headers: dashboard(''), body: { key: secret } },
      { name: 'dashboard: a virtual key session', method: 'GET', path: '/dashboard/api/session', headers: dashboard(selfCookie) },
      { name: 'dashboard: its own view', method: 'GET', path: '/dashboard/api/me', headers: dashboard(selfCookie) },
      { name: 'dashboard: admin key list', method: 'GET', path: '/dashboard/api/admin/keys', headers: dashboard(adminCookie) },
      { name: 'dashboard: admin usage', method: 'GET', path: '/dashboard/api/admin/usage', headers: dashboard(adminCookie) },
      { name: '/v1/me', method: 'GET', path: '/v1/me', headers: key },
      { name: 'a budgeted chat call (key lookup, then its hold)', method: 'POST', path: '/v1/chat/completions', headers: key, body: { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] } },
      { name: 'a stored response', method: 'GET', path: `/v1/responses/${responseId}`, headers: master },
      { name: 'its input items', method: 'GET', path: `/v1/responses/${responseId}/input_items`, headers: master },
      { name: 'a continuation of it', method: 'POST', path: '/v1/responses', headers: master, body: { model: 'mock/echo', input: 'and then?', previous_response_id: responseId } },
      { name: 'deleting it', method: 'DELETE', path: `/v1/responses/${responseId}`, headers: master },
    ];
    const answers: Array<{ name: string; status: number; retryAfter: string | null; error: unknown }> = [];
    for (const call of calls) {
      const response = await fetch(`${gateway.origin}${call.path}`, {
        method: call.method,
        headers: call.headers,
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
      });
      const body = (await response.json()) as { error?: unknown };
      answers.push({ name: call.name, status: response.status, retryAfter: response.headers.get('retry-after'), error: body.error });
    }
    const expected = calls.map(({ name }) => ({
      name,
      status: 503,
      retryAfter: String(retryAfterSeconds),
      error: { type: 'server_error', code: 'store_unavailable', param: null, message: expect.stringContaining('database') },
    }));
    expect(answers).toEqual(expected);

    const health = await fetch(`${gateway.origin}/health`);
    expect(health.status).toBe(503);
    expect(((await health.json()) as { checks: { storage: unknown } }).checks.storage).toMatchObject({ healthy: false, backend: 'postgres' });

    // The CLI says what the gateway said, exit 1, within its own 30 s bound on an answer.
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-blackholed-'));
    const env = { SWITCHYARD_URL: gateway.origin, SWITCHYARD_MASTER_KEY: masterKey };
    for (const args of [['keys', 'list'], ['keys', 'show', keyId], ['usage']]) {
      const result = await runCli(args, { cwd, env });
      expect({ args, code: result.code, stderr: result.stderr.trim() }).toEqual({
        args,
        code: 1,
        stderr: expect.stringMatching(/cannot reach its database.*\[503 store_unavailable\]$/),
      });
    }
  });
});
