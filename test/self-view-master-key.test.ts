import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * `GET /v1/me` is a virtual key's own view. The standalone server's master key called it
 * and read 401 "The API key is not valid." about the key that runs the gateway; it now
 * reads 403 naming where its spend view is.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-self-master-'));
  gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'sqlite' }, server: { data_dir: dataDir } });
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('answers the master key on /v1/me with 403 pointing to /admin/usage, and a virtual key with its view', async () => {
  const master = await fetch(`${gateway.origin}/v1/me`, { headers: { authorization: `Bearer ${masterKey}` } });
  expect(master.status).toBe(403);
  const refusal = (await master.json()) as { error: { code: string; type: string; message: string } };
  expect(refusal.error).toMatchObject({ code: 'endpoint_not_allowed', type: 'permission_error' });
  expect(refusal.error.message).toContain('GET /admin/usage');

  const created = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'own-view' }),
  });
  const { secret } = (await created.json()) as { secret: string };
  const own = await fetch(`${gateway.origin}/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  expect(own.status).toBe(200);
  expect(((await own.json()) as { key: { name: string } }).key.name).toBe('own-view');
});
