import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCaller } from './support/admin-call.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The route step's smart name (`auto`) is called as any model is, but `/v1/models` did not
 * list it and retrieving it was 404 "does not exist": a key scoped to `auto` alone listed
 * nothing, and a tool that checks the list before calling refused the one model it may use.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-smart-listed-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    providers: { mock: { models: ['echo', 'other'] } },
    chain: ['auth', 'rate-limit', 'key-scope', { route: { smart: { rules: [{ use: 'mock/echo' }] } } }, 'adapter'],
  });
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const admin = adminCaller(() => gateway.origin, masterKey);

async function get(route: string, key: string) {
  const response = await fetch(`${gateway.origin}${route}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe("the route step's smart name in /v1/models", () => {
  it('is listed and retrieved for the master key, beside the providers’ models', async () => {
    const listed = await get('/v1/models', masterKey);
    expect(listed.body['data'].map((model: { id: string }) => model.id)).toEqual(['auto', 'mock/echo', 'mock/other']);
    const retrieved = await get('/v1/models/auto', masterKey);
    expect(retrieved.status).toBe(200);
    expect(retrieved.body).toMatchObject({ id: 'auto', object: 'model', owned_by: 'switchyard' });
  });

  it('is the whole list of a key scoped to it, which may call it', async () => {
    const created = await admin('POST', '/keys', { name: 'auto-only', scope: { models: ['auto'] } });
    const secret = created.body['secret'] as string;
    expect((await get('/v1/models', secret)).body['data'].map((model: { id: string }) => model.id)).toEqual(['auto']);
    expect((await get('/v1/models/auto', secret)).status).toBe(200);
    expect((await get('/v1/models/mock/echo', secret)).status).toBe(404);
  });
});
