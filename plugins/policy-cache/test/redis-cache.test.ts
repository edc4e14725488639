import { findRedis, freshRedisPrefix, redisWorkCommands, refusedPort, startMockOpenAI, startTcpRelay, type MockOpenAI, type RedisTarget } from '@switchyard/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeCacheValue, encodeCacheValue, RedisCacheStore, type CacheEntry } from '../src/index.js';
import { keys, startCacheGateway, type CacheGateway } from './support/start-cache-gateway.js';

// Skipped with a printed reason when Redis is unreachable on a laptop; with CI set, findRedis throws and the file fails.
const redis: RedisTarget = await findRedis();

let upstream: MockOpenAI;
beforeAll(async () => {
  upstream = await startMockOpenAI();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => upstream.reset());

async function post(gateway: CacheGateway, content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content }], ...extra }),
  });
  return { status: response.status, cache: response.headers.get('x-switchyard-cache'), text: await response.text() };
}

async function cacheHealth(gateway: CacheGateway) {
  const body = (await (await fetch(`${gateway.origin}/health`)).json()) as { checks: { cache: Record<string, unknown> } };
  return body.checks.cache;
}

describe.skipIf(!redis.available)('the cache on Redis', () => {
  const url = redis.available ? redis.url : '';

  it('shares hits between two gateways, streamed and whole, compressed above the threshold', async () => {
    const prefix = freshRedisPrefix();
    const options = { store: { use: 'redis', url, key_prefix: prefix, compress_above_bytes: 200 } };
    const first = await startCacheGateway(options, upstream.url);
    const second = await startCacheGateway(options, upstream.url);
    const inspector = new Redis(url);
    try {
      await expect.poll(() => cacheHealth(second)).toMatchObject({ backend: 'redis', reachable: true });
      const long = `Please repeat this: ${'all work and no play '.repeat(20)}`;
      const miss = await post(first, long, { stream: true, stream_options: { include_usage: true } });
      expect(miss.cache).toBe('MISS');
      // The write is off the request path: wait until it landed.
      await expect.poll(() => inspector.keys(`${prefix}*`)).toHaveLength(1);
      const [key] = await inspector.keys(`${prefix}*`);
      const raw = (await inspector.getBuffer(key!))!;
      expect(raw[0]).toBe(1); // brotli
      expect(await inspector.ttl(key!)).toBeGreaterThan(3500);
      // A finished stream is kept as its joined response and the lengths of its deltas (storedStream).
      expect((await decodeCacheValue(raw))?.result).toMatchObject({ kind: 'chat-response', deltas: [expect.any(Array)] });

      const hit = await post(second, long, { stream: true, stream_options: { include_usage: true } });
      expect(hit.cache).toBe('HIT');
      expect(hit.text).toBe(miss.text);
      expect(hit.text.match(/^data: /gm)!.length).toBeGreaterThan(5);
      const whole = await post(second, long);
      expect(whole.cache).toBe('HIT');
      expect((JSON.parse(whole.text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toContain('all work and no play');
      expect(upstream.requests).toHaveLength(1);

      const small = await post(first, 'short', {});
      expect(small.cache).toBe('MISS');
      await expect.poll(() => inspector.keys(`${prefix}*`)).toHaveLength(2);
      expect((await post(second, 'short')).cache).toBe('HIT');

      // The memory store's size gauges are not a Redis cache's: absent, not a size of 0 (docs/metrics.md).
      const metrics = await (await fetch(`${second.origin}/metrics`)).text();
      expect(metrics).toMatch(/^switchyard_cache_lookups_total\{result="hit"\} 3$/m);
      expect(metrics).not.toMatch(/^switchyard_cache_(entries|bytes)\b/m);
    } finally {
      await Promise.all([first.close(), second.close()]);
      const stale = await inspector.keys(`${prefix}*`);
      if (stale.length > 0) await inspector.del(...stale);
      inspector.disconnect();
    }
  });
});

describe.skipIf(!redis.available)('how long an entry lives in Redis', () => {
  const url = redis.available ? redis.url : '';

  it('x-switchyard-cache-ttl shortens it, or lengthens it up to max_ttl_seconds, never to what a client asks', async () => {
    const prefix = freshRedisPrefix();
    const gateway = await startCacheGateway({ ttl_seconds: 600, max_ttl_seconds: 7200, store: { use: 'redis', url, key_prefix: prefix } }, upstream.url);
    const inspector = new Redis(url);
    /** The Redis TTL of the entry one request with that header stored. */
    const storedTtl = async (ttl: string | undefined) => {
      const before = await inspector.keys(`${prefix}*`);
      expect((await post(gateway, `ttl ${ttl} ${crypto.randomUUID()}`, {}, ttl === undefined ? {} : { 'x-switchyard-cache-ttl': ttl })).cache).toBe('MISS');
      await expect.poll(() => inspector.keys(`${prefix}*`)).toHaveLength(before.length + 1);
      const [key] = (await inspector.keys(`${prefix}*`)).filter((candidate) => !before.includes(candidate));
      return inspector.ttl(key!);
    };
    try {
      await expect.poll(() => cacheHealth(gateway)).toMatchObject({ backend: 'redis', reachable: true });
      expect(await storedTtl(undefined)).toBeGreaterThan(590);
      expect(await storedTtl(undefined)).toBeLessThanOrEqual(600);
      expect(await storedTtl('30')).toBeLessThanOrEqual(30);
      expect(await storedTtl('3600')).toBeGreaterThan(3590);
      // A request asking for ~317 years gets the ceiling.
      const capped = await storedTtl('9999999999');
      expect(capped).toBeGreaterThan(7190);
      expect(capped).toBeLessThanOrEqual(7200);
    } finally {
      await gateway.close();
      const stale = await inspector.keys(`${prefix}*`);
      if (stale.length > 0) await inspector.del(...stale);
      inspector.disconnect();
    }
  });
});

describe.skipIf(!redis.available)('the Redis store', () => {
  const url = redis.available ? redis.url : '';
  const entry = (text: string, storedAt: number): CacheEntry => ({
    v: 1,
    result: {
      kind: 'chat-response',
      response: { id: 'r', model: 'm', created: 1, content: [{ type: 'text', text }], finishReason: { unified: 'stop' }, usage: { inputTokens: 1, outputTokens: 2 } },
    },
    servedBy: { provider: 'openai', model: 'gpt-4o-mini' },
    storedAt,
  });

  it('follows what Redis holds on every read, though it keeps hot entries decoded, and hands out copies', async () => {
    const prefix = freshRedisPrefix();
    const store = new RedisCacheStore({ url, keyPrefix: prefix, compressAboveBytes: 100, maxEntryBytes: 1 << 20, warn: () => {} });
    const inspector = new Redis(url);
    try {
      await store.set('k', entry('first '.repeat(40), 1), 60);
      for (let hit = 0; hit < 3; hit++) {
        const served = await store.get('k');
        expect(served).toEqual(entry('first '.repeat(40), 1));
        served!.servedBy.provider = 'changed';
      }
      // Another instance writes the key, then it is deleted: this process follows both.
      await inspector.set(`${prefix}k`, await encodeCacheValue(entry('second', 2), 100), 'EX', 60);
      expect(await store.get('k')).toEqual(entry('second', 2));
      await inspector.del(`${prefix}k`);
      expect(await store.get('k')).toBeUndefined();
    } finally {
      await store.close();
      inspector.disconnect();
    }
  });
});

describe.skipIf(!redis.available)('the cache on a Redis that stops answering (blackholed)', () => {
  it('answers MISS; one lookup waits out the command timeout (store.command_timeout_ms), the ones after it do not ask Redis; once Redis answers, it hits again', async () => {
    const target = new URL(redis.available ? redis.url : 'redis://x');
    const relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
    const prefix = freshRedisPrefix();
    const store = { use: 'redis', url: relay.urlFor(target.toString()), key_prefix: prefix, command_timeout_ms: 1500 };
    const gateway = await startCacheGateway({ store }, upstream.url);
    const inspector = new Redis(target.toString());
    try {
      expect((await post(gateway, 'blackholed later')).cache).toBe('MISS');
      // The write is off the request path: wait until it landed.
      await expect.poll(async () => (await post(gateway, 'blackholed later')).cache).toBe('HIT');
      const served = upstream.requests.length;

      await relay.setMode('blackhole'); // the socket stays open: ioredis still says 'ready'
      for (let index = 0; index < 6; index++) {
        const startedAt = performance.now();
        const result = await post(gateway, 'blackholed later');
        expect([result.status, result.cache]).toEqual([200, 'MISS']);
        // The first waited out the configured timeout, not the default 500 ms (a lower bound: it cannot come sooner).
        if (index === 0) expect(performance.now() - startedAt).toBeGreaterThanOrEqual(1450);
      }
      expect(upstream.requests.length - served).toBe(6);
      // Counted on the wire, not timed: of 6 lookups (and the 6 writes after
      // them) only the first GET reached Redis and waited out the command timeout;
      // it dropped the connection, and everything after failed at once. Reconnect
      // attempts send only their setup (CLIENT SETNAME …), unanswered too.
      const sent = relay.swallowed().flatMap(({ bytes }) => redisWorkCommands(bytes));
      expect(sent.map(([name]) => name)).toEqual(['get']);
      expect(await cacheHealth(gateway)).toMatchObject({ healthy: true, backend: 'redis', reachable: false });
      // The timeout that gave up was the configured one.

      await relay.setMode('pass');
      await expect.poll(async () => (await post(gateway, 'blackholed later')).cache, { timeout: 10_000 }).toBe('HIT');
      expect(await cacheHealth(gateway)).toMatchObject({ backend: 'redis', reachable: true });
    } finally {
      await gateway.close();
      await relay.close();
      const stale = await inspector.keys(`${prefix}*`);
      if (stale.length > 0) await inspector.del(...stale);
      inspector.disconnect();
    }
  });
});

describe('the cache on an unreachable Redis', () => {
  it('answers every request without the cache, and says so on /health', async () => {
    const gateway = await startCacheGateway({ store: { use: 'redis', url: `redis://127.0.0.1:${await refusedPort()}`, key_prefix: freshRedisPrefix() } }, upstream.url);
    try {
      const started = performance.now();
      for (let index = 0; index < 3; index++) {
        const result = await post(gateway, 'no redis here');
        expect([result.status, result.cache]).toEqual([200, 'MISS']);
      }
      const streamed = await post(gateway, 'no redis here', { stream: true });
      expect([streamed.status, streamed.cache]).toEqual([200, 'MISS']);
      expect(streamed.text).toContain('data: [DONE]');
      expect(performance.now() - started).toBeLessThan(5000);
      expect(upstream.requests).toHaveLength(4);
      expect(await cacheHealth(gateway)).toMatchObject({ healthy: true, backend: 'redis', reachable: false });
      // Logged, but not once per request.
      const warnings = gateway.logLines.filter((line) => line.includes('cache:'));
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.length).toBeLessThanOrEqual(2);
    } finally {
      await gateway.close();
    }
  });
});
