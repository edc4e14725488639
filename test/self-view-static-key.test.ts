import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * `GET /v1/me` for a key written in the config (`auth.keys`): the gateway serves that key,
 * but the self view answered it 401 `invalid_api_key`, "The API key is not valid.", the
 * answer of a revoked or mistyped key. A client told its working key is invalid drops it.
 * It is told, as the master key is, that this view is a virtual key's.
 */
const staticKey = 'sk-static-self-view-0123456789abcdef';
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-self-static-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    providers: { mock: {} },
    chain: [{ auth: { keys: [{ name: 'ci-runner', key: staticKey, team: 'ops' }] } }, 'key-scope', 'rate-limit', 'route', 'adapter'],
  });
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function call(route: string, key: string, body?: unknown) {
  const response = await fetch(`${gateway.origin}${route}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as { error?: { code?: string; message?: string } } };
}

it('a key from the config is told the self view is for virtual keys (403), not that it is invalid', async () => {
  const served = await call('/v1/chat/completions', staticKey, { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
  expect(served.status).toBe(200);
  const answer = await call('/v1/me', staticKey);
  expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: 403, code: 'endpoint_not_allowed' });
  expect(answer.body.error?.message).toMatch(/virtual key/);
  expect(answer.body.error?.message).not.toContain(staticKey);
});

it('an unknown key still gets 401 invalid_api_key', async () => {
  const answer = await call('/v1/me', 'sk-nobody-0123456789abcdef');
  expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: 401, code: 'invalid_api_key' });
});
