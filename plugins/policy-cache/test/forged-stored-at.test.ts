import { findRedis, freshRedisPrefix, startMockOpenAI, type MockOpenAI, type RedisTarget } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCacheEntry } from '../src/cache-entry.js';
import { cacheValueJson } from '../src/encode-cache-value.js';
import { decodeCacheValue, MemoryCacheStore, type CacheEntry } from '../src/index.js';
import { textEntry } from './support/cache-entries.js';
import { keys, startCacheGateway } from './support/start-cache-gateway.js';

// A hit set `age` from `Date.now() - entry.storedAt`: an entry whose storedAt was not
// a sane time (one forged or corrupted in a shared Redis: -1e400, 1e17, a string)
// answered with `age: Infinity` or an absurd number. Such an entry is unreadable now:
// a miss, with the cache's throttled warning, and never a header.

const forgedTimes = [
  ['-1e400 (JSON reads it as -Infinity)', '-1e400'],
  ['1e400 (Infinity)', '1e400'],
  ['-1e17 (before any Date)', '-100000000000000000'],
  ['1e17 (after any Date)', '100000000000000000'],
  ['a negative time', '-1'],
  ['a string', '"1700000000000"'],
  ['null (what NaN writes)', 'null'],
] as const;

/** A stored entry's JSON with its storedAt written as `time`, as text (JSON.stringify cannot write 1e400). */
const withStoredAt = (entry: CacheEntry, time: string) => JSON.stringify(entry).replace(/"storedAt":[^,}]+/, `"storedAt":${time}`);

describe('an entry whose storedAt is not a sane time', () => {
  it.each(forgedTimes)('is not an entry: storedAt %s', (_what, time) => {
    expect(isCacheEntry(JSON.parse(withStoredAt(textEntry('x', { storedAt: 5 }), time)))).toBe(false);
  });

  it('a sane one still is, from the first instant to now', () => {
    for (const storedAt of [0, 1, Date.now()]) expect(isCacheEntry(textEntry('x', { storedAt }))).toBe(true);
  });

  it.each(forgedTimes)('the memory store rejects it as unreadable, whole or in a shape: storedAt %s', async (_what, time) => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20 });
    // The store keeps text; the forged text stands in for what a corrupted write would leave.
    (store as unknown as { cache: { set(key: string, value: string): void } }).cache.set('k', withStoredAt(textEntry('x', { storedAt: 5 }), time));
    expect(() => store.getNow('k')).toThrow(/unreadable/);
    await expect(store.get('k', 'stream')).rejects.toThrow(/unreadable/);
  });

  it('an entry of another version stays a quiet miss', () => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20 });
    (store as unknown as { cache: { set(key: string, value: string): void } }).cache.set('k', JSON.stringify({ ...textEntry('x'), v: 2 }));
    expect(store.getNow('k')).toBeUndefined();
  });
});

/** One cacheable chat of alice's, asking `content`. */
function askOnce(baseURL: string, content: string): Promise<Response> {
  return fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content }] }),
  });
}

// Skipped with a printed reason when Redis is unreachable on a laptop; with CI set, findRedis throws and the file fails.
const redis: RedisTarget = await findRedis();

describe.skipIf(!redis.available)('a forged entry in a shared Redis', () => {
  const url = redis.available ? redis.url : '';
  let upstream: MockOpenAI;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
  });
  afterAll(async () => {
    await upstream?.close();
  });

  it('is a miss with a warning, never an age of Infinity', async () => {
    const prefix = freshRedisPrefix();
    const gateway = await startCacheGateway({ store: { use: 'redis', url, key_prefix: prefix } }, upstream.url);
    const inspector = new Redis(url);
    const ask = async () => {
      const response = await askOnce(gateway.baseURL, 'forged age');
      return { status: response.status, cache: response.headers.get('x-switchyard-cache'), age: response.headers.get('age'), body: await response.json() };
    };
    try {
      expect(await ask()).toMatchObject({ status: 200, cache: 'MISS', age: null });
      await expect.poll(() => inspector.keys(`${prefix}*`)).toHaveLength(1);
      const [key] = await inspector.keys(`${prefix}*`);
      const stored = (await decodeCacheValue((await inspector.getBuffer(key!))!))!;
      expect(await ask()).toMatchObject({ status: 200, cache: 'HIT' });
      const callsBefore = upstream.requests.length;

      // Plain JSON (marker byte 0), as encodeCacheValue writes a small entry.
      const forged = Buffer.concat([Uint8Array.of(0), Buffer.from(withStoredAt(stored, '-1e400'))]);
      expect(await cacheValueJson(forged)).toContain('"storedAt":-1e400');
      await inspector.set(key!, forged, 'KEEPTTL');
      const answer = await ask();
      expect(answer).toMatchObject({ status: 200, cache: 'MISS', age: null, body: { object: 'chat.completion' } });
      expect(upstream.requests.length).toBe(callsBefore + 1);
      const warnings = gateway.logLines.map((line) => JSON.parse(line) as { level: number; msg: string; error?: string }).filter((line) => line.level === 40);
      expect(warnings).toEqual([expect.objectContaining({ msg: 'cache: could not read the cache; answering without it', error: expect.stringMatching(/unreadable/) })]);
    } finally {
      await gateway.close();
      const stale = await inspector.keys(`${prefix}*`);
      if (stale.length > 0) await inspector.del(...stale);
      inspector.disconnect();
    }
  });

  it.each([
    ['a model with a line break (a header of its own)', { provider: 'openai', model: 'gpt-4o-mini\r\nset-cookie: a=b' }],
    ['a model that is no string', { provider: 'openai', model: { not: 'a string' } }],
    ['another deployment', { provider: 'openai', model: 'gpt-4o' }],
  ])('whose servedBy names %s is a miss answered by the provider', async (_what, servedBy) => {
    const prefix = freshRedisPrefix();
    const gateway = await startCacheGateway({ store: { use: 'redis', url, key_prefix: prefix } }, upstream.url);
    const inspector = new Redis(url);
    const ask = async () => {
      const response = await askOnce(gateway.baseURL, 'forged server');
      return { status: response.status, cache: response.headers.get('x-switchyard-cache'), model: response.headers.get('x-switchyard-model'), cookie: response.headers.get('set-cookie') };
    };
    try {
      expect(await ask()).toMatchObject({ status: 200, cache: 'MISS' });
      await expect.poll(() => inspector.keys(`${prefix}*`)).toHaveLength(1);
      const [key] = await inspector.keys(`${prefix}*`);
      const stored = (await decodeCacheValue((await inspector.getBuffer(key!))!))!;
      await inspector.set(key!, Buffer.concat([Uint8Array.of(0), Buffer.from(JSON.stringify({ ...stored, servedBy }))]), 'KEEPTTL');
      expect(await ask()).toEqual({ status: 200, cache: 'MISS', model: 'openai/gpt-4o-mini', cookie: null });
    } finally {
      await gateway.close();
      const stale = await inspector.keys(`${prefix}*`);
      if (stale.length > 0) await inspector.del(...stale);
      inspector.disconnect();
    }
  });
});
