import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSwitchyard, type SpawnedSwitchyard } from '../../../test/support/spawn-switchyard.js';

const exampleDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.resolve(exampleDir, '../../packages/cli/dist/bin.js');
const masterKey = 'sy-master-standalone-test-0123456789abcdef';
let dataDir: string;
let gateway: SpawnedSwitchyard;

interface Answer {
  status: number;
  headers: Headers;
  body: { choices?: Array<{ message: { content: string } }>; error?: { code: string; type: string; message: string; param: string | null } };
}

async function chat(key: string | undefined, model: string, content: string): Promise<Answer> {
  const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

async function admin<T>(method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${gateway.origin}/admin${route}`, {
    method,
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as T;
}

const createKey = async (name: string, scope: Record<string, unknown>) =>
  (await admin<{ secret: string }>('POST', '/keys', { name, scope })).secret;

// The example exactly as a user runs it: `switchyard start` with its YAML, as a child
// process. Only the port (0: a free one) and the data folder (a temp folder) differ.
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-standalone-'));
  gateway = await spawnSwitchyard(process.execPath, [cli, 'start', '--config', path.join(exampleDir, 'switchyard.config.yaml'), '--port', '0'], {
    cwd: exampleDir,
    env: { SWITCHYARD_MASTER_KEY: masterKey, SWITCHYARD_DATA_DIR: dataDir },
  });
});
afterAll(async () => {
  expect(await gateway?.stop()).toBe(0);
  await rm(dataDir, { recursive: true, force: true });
});

describe('examples/standalone: every step of the chain, once', () => {
  it('auth: no key is a 401 missing_api_key, a wrong key a 401 invalid_api_key, in OpenAI shape', async () => {
    const missing = await chat(undefined, 'assistant', 'hi');
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ code: 'missing_api_key', type: 'authentication_error' });
    const wrong = await chat('sy-not-a-key-of-this-gateway-0000000000', 'assistant', 'hi');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe('invalid_api_key');
  });

  it("key-scope: a virtual key may use only its models; another is a 403 that does not list the key's allowlist", async () => {
    const key = await createKey('scoped', { models: ['assistant'] });
    expect((await chat(key, 'assistant', 'allowed')).status).toBe(200);
    const refused = await chat(key, 'mock/echo', 'not allowed');
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('model_not_allowed');
  });

  it('rate-limit: a key created with rpm 1 gets a 429 on its second request', async () => {
    const key = await createKey('one-a-minute', { rpm: 1 });
    expect((await chat(key, 'assistant', 'first')).status).toBe(200);
    const second = await chat(key, 'assistant', 'second');
    expect(second.status).toBe(429);
    expect(second.body.error?.code).toBe('rate_limit_exceeded');
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('route + adapter: an alias is served by its deployment, the answer in OpenAI shape with the routing headers', async () => {
    const answer = await chat(masterKey, 'assistant', 'Hello, Switchyard');
    expect(answer.status).toBe(200);
    expect(answer.body.choices?.[0]?.message.content).toBe('Hello, Switchyard');
    expect(answer.headers.get('x-switchyard-model')).toBe('mock/echo');
    expect(answer.headers.get('x-switchyard-provider')).toBe('mock');
  });

  it('cache: the same request twice is a MISS, then a HIT with the same answer', async () => {
    const first = await chat(masterKey, 'assistant', 'cache me');
    const second = await chat(masterKey, 'assistant', 'cache me');
    expect(first.headers.get('x-switchyard-cache')).toBe('MISS');
    expect(second.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(second.body.choices).toEqual(first.body.choices);
  });

  it('circuit-breaker: a failing deployment opens its breaker (shown on /health), is then refused at once, and the group falls back to mock', async () => {
    const breakerOf = async () =>
      ((await (await fetch(`${gateway.origin}/health`)).json()) as { checks: { circuit_breakers: { breakers: Record<string, { state: string; rejects: number }> } } })
        .checks.circuit_breakers.breakers['flaky/echo'];
    // The route step retries, so one failing request already makes enough failed attempts.
    const failed = await chat(masterKey, 'flaky/echo', 'one');
    expect(failed.status).toBeGreaterThanOrEqual(502);
    const tripped = await breakerOf();
    expect(tripped?.state).toBe('open');

    const refused = await chat(masterKey, 'flaky/echo', 'two');
    expect(refused.status).toBe(503);
    expect(refused.body.error?.code).toBe('upstream_overloaded');
    expect((await breakerOf())!.rejects).toBeGreaterThan(tripped!.rejects);

    const rescued = await chat(masterKey, 'resilient', 'still here');
    expect(rescued.status).toBe(200);
    expect(rescued.headers.get('x-switchyard-provider')).toBe('mock');
  });

  it('storage: every request lands in the SQLite ledger, readable on /admin/usage', async () => {
    // Written in batches off the request path (every second): wait for the rows.
    await expect
      .poll(async () => (await admin<{ data: Array<{ requests: number }> }>('GET', '/usage?group_by=provider')).data.reduce((sum, row) => sum + row.requests, 0), {
        timeout: 10_000,
        interval: 200,
      })
      .toBeGreaterThanOrEqual(7);
  });
});
