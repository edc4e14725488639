import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A key's rpm changed through the admin API applies on its next request, counted in
 * requests: what the key used before the change still counts, against the new limit.
 */
describe("a key's rpm changed through the admin API", () => {
  let gateway: TestGateway;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-rpm-change-'));
    gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'sqlite' }, server: { data_dir: dataDir } });
  });

  afterAll(async () => {
    await gateway?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const admin = async <T>(method: string, route: string, body: unknown): Promise<T> => {
    const response = await fetch(`${gateway.origin}/admin${route}`, {
      method,
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return (await response.json()) as T;
  };

  /** `count` requests at once; the statuses and the last admitted one's remaining-requests header. */
  const burst = async (secret: string, count: number) => {
    const responses = await Promise.all(
      Array.from({ length: count }, () =>
        fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
        }),
      ),
    );
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    return {
      admitted: responses.filter((response) => response.status === 200).length,
      refused: responses.filter((response) => response.status === 429).length,
      limits: new Set(responses.map((response) => response.headers.get('x-ratelimit-limit-requests'))),
    };
  };

  it('raised: the key gets the new limit less what it used, at once (it stayed throttled for the rest of the minute)', async () => {
    const { key, secret } = await admin<{ key: { id: string }; secret: string }>('POST', '/keys', { name: 'raised', scope: { rpm: 2 } });
    expect(await burst(secret, 4)).toMatchObject({ admitted: 2, refused: 2 });
    await admin('PATCH', `/keys/${key.id}`, { scope: { rpm: 10 } });
    expect(await burst(secret, 12)).toEqual({ admitted: 8, refused: 4, limits: new Set(['10']) });
  });

  it('lowered: what the key used counts against the new limit, so no fresh burst', async () => {
    const { key, secret } = await admin<{ key: { id: string }; secret: string }>('POST', '/keys', { name: 'lowered', scope: { rpm: 10 } });
    expect(await burst(secret, 6)).toMatchObject({ admitted: 6, refused: 0 });
    await admin('PATCH', `/keys/${key.id}`, { scope: { rpm: 8 } });
    expect(await burst(secret, 4)).toEqual({ admitted: 2, refused: 2, limits: new Set(['8']) });
    await admin('PATCH', `/keys/${key.id}`, { scope: { rpm: 3 } });
    expect(await burst(secret, 3)).toEqual({ admitted: 0, refused: 3, limits: new Set(['3']) });
  });
});
