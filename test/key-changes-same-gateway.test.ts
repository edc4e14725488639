import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseKeyChange } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * SQLite, the default storage, has no channel for key changes. A change made through
 * this gateway's own admin API must still bite on this gateway's very next request,
 * not once its 1 s lookup cache has expired: a leaked key revoked, or rotated with no
 * grace, is refused at once where it was revoked.
 */
describe('key changes made through a gateway bite on its own next request (SQLite, no channel)', () => {
  let gateway: TestGateway;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-key-changes-'));
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

  /** `200`, or the status and error code of a chat call with `secret`. */
  const ask = async (secret: string, model = 'mock/echo'): Promise<string> => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await response.json()) as { error?: { code?: string } };
    return response.ok ? '200' : `${response.status} ${body.error?.code}`;
  };

  it.each([
    ['revoke', '401 key_revoked'],
    ['disable', '401 key_disabled'],
    ['rotate with no grace', '401 invalid_api_key'],
    ['scope to other models', '403 model_not_allowed'],
  ] as const)('%s: the next request is refused (%s)', async (change, expected) => {
    const { key, secret } = await admin<{ key: { id: string }; secret: string }>('POST', '/keys', { name: change });
    expect(await ask(secret)).toBe('200'); // its lookup is cached now
    if (change === 'revoke') await admin('POST', `/keys/${key.id}/revoke`, {});
    if (change === 'disable') await admin('PATCH', `/keys/${key.id}`, { disabled: true });
    if (change === 'rotate with no grace') await admin('POST', `/keys/${key.id}/rotate`, {});
    if (change === 'scope to other models') await admin('PATCH', `/keys/${key.id}`, { scope: { models: ['openai/*'] } });
    expect(await ask(secret)).toBe(expected);
  });

  it('a change notice naming a key the SQLite store made is read as that key, not as "drop everything"', async () => {
    // SQLite's ids are base64url (`key_Ow9x-F_yc3JeRBHu`): four in ten hold a - or _, and their every notice
    // (Redis, with several SQLite gateways) dropped every cached lookup on every instance.
    const ids = await Promise.all(Array.from({ length: 30 }, (_, n) => admin<{ key: { id: string } }>('POST', '/keys', { name: `id ${n}` }).then(({ key }) => key.id)));
    expect(ids.some((id) => /[-_]/.test(id.slice(4)))).toBe(true);
    for (const id of ids) expect(parseKeyChange(id)).toEqual({ keyId: id });
  });
});
