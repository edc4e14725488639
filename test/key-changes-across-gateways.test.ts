import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const target = await findPostgres();

/** What one call ended with: 200, or the error's status and code. */
async function outcome(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return '200';
  } catch (error) {
    if (error instanceof OpenAI.APIError) return `${error.status} ${error.code}`;
    throw error;
  }
}

describe.skipIf(!target.available)('key changes reach another gateway on the same PostgreSQL at once (LISTEN/NOTIFY, the default)', () => {
  const url = target.available ? target.url : '';
  const schema = freshSchemaName();
  let writer: TestGateway;
  let reader: TestGateway;

  beforeAll(async () => {
    const config = { providers: { mock: {} }, storage: { use: 'postgres', url, schema } };
    writer = await startTestGateway(config);
    reader = await startTestGateway(config);
  });

  afterAll(async () => {
    await writer?.close();
    await reader?.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  const admin = async <T>(route: string, body: unknown): Promise<T> => {
    const response = await fetch(`${writer.origin}/admin${route}`, {
      method: route.endsWith('/keys') ? 'POST' : route.includes('/revoke') || route.includes('/rotate') ? 'POST' : 'PATCH',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
    return (await response.json()) as T;
  };
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /**
   * Holds `performance.now()`, the clock of the reader's key lookup cache, from the moment a key is
   * cached: its 1 s TTL cannot run out, so a refusal that follows was the notice's doing. (On real time
   * the test asserted less than 1 s had passed, which a loaded machine could break.)
   */
  const holdLookupCacheClock = () => {
    const at = performance.now();
    vi.spyOn(performance, 'now').mockImplementation(() => at);
  };

  const ask = (secret: string) =>
    outcome(new OpenAI({ apiKey: secret, baseURL: reader.baseURL, maxRetries: 0 }).chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }));
  /** Resolves once the reader has heard the next notice; its auth step subscribed first, so its cache is dropped by then. */
  const nextNotice = () =>
    new Promise<void>((resolve) => {
      const stop = reader.gateway.runtime.storage!.keyChanges!.subscribe(() => {
        stop();
        resolve();
      });
    });

  it('revoke, disable and rotate (no grace) through one gateway are refused by the other on its next request, within its 1 s lookup cache', async () => {
    for (const [change, expected] of [
      ['revoke', '401 key_revoked'],
      ['disable', '401 key_disabled'],
      ['rotate', '401 invalid_api_key'],
    ] as const) {
      const { key, secret } = await admin<{ key: { id: string }; secret: string }>('/keys', { name: change });
      holdLookupCacheClock();
      expect(await ask(secret)).toBe('200'); // the reader has it cached now
      const heard = nextNotice();
      if (change === 'revoke') await admin(`/keys/${key.id}/revoke`, {});
      if (change === 'disable') await admin(`/keys/${key.id}`, { disabled: true });
      let rotated: string | undefined;
      if (change === 'rotate') rotated = (await admin<{ secret: string }>(`/keys/${key.id}/rotate`, {})).secret;
      await heard;
      // Refused while its cached lookup cannot expire: the notice did it, not the TTL.
      expect(await ask(secret)).toBe(expected);
      if (rotated) expect(await ask(rotated)).toBe('200');
      vi.restoreAllMocks();
    }
  });

  it('a scope change (a model no longer allowed) applies on the other gateway at once', async () => {
    const { key, secret } = await admin<{ key: { id: string }; secret: string }>('/keys', { name: 'scoped' });
    holdLookupCacheClock();
    expect(await ask(secret)).toBe('200');
    const heard = nextNotice();
    await admin(`/keys/${key.id}`, { scope: { models: ['mock/other'] } });
    await heard;
    expect(await ask(secret)).toBe('403 model_not_allowed');
  });
});

describe('the auth step\'s invalidation option', () => {
  it('refuses redis without a url, and postgres when the storage is not PostgreSQL', async () => {
    const failure = (config: Record<string, unknown>) =>
      startTestGateway({ providers: { mock: {} }, ...config }).then(
        (gateway) => gateway.close().then(() => 'started'),
        (error: Error & { problems?: unknown }) => `${error.message} ${JSON.stringify(error.problems ?? '')}`,
      );
    expect(await failure({ chain: [{ auth: { invalidation: { use: 'redis' } } }, 'route', 'adapter'] })).toMatch(/invalidation.*url/);
    expect(await failure({ server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-keys-')) }, storage: { use: 'sqlite' }, chain: [{ auth: { invalidation: { use: 'postgres' } } }, 'route', 'adapter'] })).toMatch(
      /not PostgreSQL/,
    );
  });

  it('refuses a Redis subscriber PING interval or timeout out of bounds (1 s to 5 min; 100 ms to 30 s)', async () => {
    const failure = (invalidation: Record<string, unknown>) =>
      startTestGateway({ providers: { mock: {} }, chain: [{ auth: { invalidation: { use: 'redis', url: 'redis://127.0.0.1:1', ...invalidation } } }, 'route', 'adapter'] }).then(
        (gateway) => gateway.close().then(() => 'started'),
        (error: Error & { problems?: unknown }) => `${error.message} ${JSON.stringify(error.problems ?? '')}`,
      );
    expect(await failure({ ping_interval_ms: 1000, ping_timeout_ms: 100 })).toBe('started');
    expect(await failure({ ping_interval_ms: 10 })).toMatch(/ping_interval_ms/);
    expect(await failure({ ping_interval_ms: 1e12 })).toMatch(/ping_interval_ms/);
    expect(await failure({ ping_timeout_ms: 0 })).toMatch(/ping_timeout_ms/);
    expect(await failure({ ping_timeout_ms: 2.5 })).toMatch(/ping_timeout_ms/);
  });
});
