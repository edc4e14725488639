import { promisify } from 'node:util';
import { brotliCompress } from 'node:zlib';
import { findRedis, freshRedisPrefix, startMockOpenAI, type MockOpenAI, type RedisTarget } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCacheValue, RedisCacheStore } from '../src/index.js';
import { textEntry } from './support/cache-entries.js';
import { keys, startCacheGateway } from './support/start-cache-gateway.js';

// max_bytes bounds an entry's JSON. On Redis it was checked against the brotli-compressed
// value: an answer of megabytes of one repeated character compressed to a few KB and was
// stored, and a few KB of brotli in the shared Redis (stored so, or forged) were inflated
// on every hit to whatever they stood for, gigabytes at worst.

const redis: RedisTarget = await findRedis();
const maxBytes = 64 * 1024;

describe.skipIf(!redis.available)('max_bytes on Redis counts the JSON, not its compressed bytes', () => {
  const url = redis.available ? redis.url : '';
  let upstream: MockOpenAI;
  let inspector: Redis;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
    inspector = new Redis(url);
  });
  afterAll(async () => {
    await upstream?.close();
    inspector?.disconnect();
  });

  it('does not store an entry whose JSON is over max_bytes, however well it compresses', async () => {
    const prefix = freshRedisPrefix();
    const store = new RedisCacheStore({ url, keyPrefix: prefix, compressAboveBytes: 1024, maxEntryBytes: maxBytes, warn: () => undefined });
    try {
      await store.set('fits', textEntry('a'.repeat(maxBytes / 2)), 60);
      await store.set('too-large', textEntry(' '.repeat(maxBytes * 4)), 60);
      expect(await inspector.exists(`${prefix}fits`)).toBe(1);
      expect(await inspector.exists(`${prefix}too-large`)).toBe(0);
    } finally {
      await store.close();
      await inspector.del(`${prefix}fits`);
    }
  });

  it('answers a request whose entry inflates past max_bytes from the provider, with the read warning', async () => {
    const prefix = freshRedisPrefix();
    const gateway = await startCacheGateway({ max_bytes: maxBytes, store: { use: 'redis', url, key_prefix: prefix } }, upstream.url);
    const ask = async () => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'inflated' }] }),
      });
      return { status: response.status, cache: response.headers.get('x-switchyard-cache'), length: (await response.text()).length };
    };
    try {
      expect(await ask()).toMatchObject({ status: 200, cache: 'MISS' });
      await expect.poll(() => inspector.keys(`${prefix}*`)).toHaveLength(1);
      const [key] = await inspector.keys(`${prefix}*`);
      const stored = (await decodeCacheValue((await inspector.getBuffer(key!))!))!;
      // The same entry, its answer's text 4 MB of spaces: about 200 bytes of brotli.
      const response = (stored.result as { response: { content: Array<{ type: string; text: string }> } }).response;
      response.content = [{ type: 'text', text: ' '.repeat(4 * 1024 * 1024) }];
      const bomb = Buffer.concat([Uint8Array.of(1), await promisify(brotliCompress)(Buffer.from(JSON.stringify(stored)))]);
      expect(bomb.length).toBeLessThan(maxBytes);
      await inspector.set(key!, bomb, 'KEEPTTL');
      const callsBefore = upstream.requests.length;

      const answer = await ask();
      expect(answer).toMatchObject({ status: 200, cache: 'MISS' });
      expect(answer.length).toBeLessThan(maxBytes);
      expect(upstream.requests.length).toBe(callsBefore + 1);
      const warnings = gateway.logLines.map((line) => JSON.parse(line) as { level: number; msg: string; error?: string }).filter((line) => line.level === 40);
      expect(warnings).toEqual([expect.objectContaining({ msg: 'cache: could not read the cache; answering without it', error: expect.stringMatching(/larger than max_bytes/) })]);
    } finally {
      await gateway.close();
      const stale = await inspector.keys(`${prefix}*`);
      if (stale.length > 0) await inspector.del(...stale);
    }
  });
});
