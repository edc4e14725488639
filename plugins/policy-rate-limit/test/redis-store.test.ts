import { findRedis, freshRedisPrefix, refusedPort, startTcpRelay } from '@switchyard/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gcraLimit, MemoryRateLimitStore, RedisRateLimitStore, type GcraLimit } from '../src/index.js';
import { chat, fakeClock, keys, listen, masterKey, rateLimitedGateway, type RateLimitedGateway } from './support/rate-limited-gateway.js';

const redis = await findRedis();
const minute = 60_000;
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(options: Parameters<typeof rateLimitedGateway>[0]): Promise<RateLimitedGateway> {
  const gateway = await rateLimitedGateway(options);
  cleanups.push(() => gateway.close());
  return gateway;
}

describe('an unreachable Redis (a closed port)', () => {
  it('fail-open: serves without limits or headers, logs once, reports the store unreachable but healthy, and closes cleanly', async () => {
    const port = await refusedPort();
    const { app, logLines } = await open({
      scopes: { alice: { rpm: 1 } },
      rateLimit: { store: { use: 'redis', url: `redis://127.0.0.1:${port}`, on_error: 'fail-open' } },
    });
    for (let i = 0; i < 3; i++) {
      const response = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat());
      expect(response.status).toBe(200);
      expect(response.headers['x-ratelimit-limit-requests']).toBeUndefined();
    }
    const warnings = logLines.filter((line) => line.includes('letting requests through unlimited'));
    expect(warnings).toHaveLength(1);
    const health = await request(app).get('/health');
    expect(health.status).toBe(200);
    expect(health.body.checks.rate_limit_store).toEqual({ healthy: true, backend: 'redis', reachable: false });
  });

  it('fail-closed: refuses with 429 rate_limit_exceeded and Retry-After 1, and /health says 503', async () => {
    const port = await refusedPort();
    const { app } = await open({
      scopes: { alice: { rpm: 100 } },
      rateLimit: { store: { use: 'redis', url: `redis://127.0.0.1:${port}`, on_error: 'fail-closed', connect_timeout_ms: 200 } },
    });
    const started = performance.now();
    const refused = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat());
    // Refused without waiting on reconnects; the bound leaves a loaded machine room.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect(refused.body.error.message).toContain('rate-limit store is unreachable');
    // A request no limit applies to never asks the store.
    expect((await request(app).post('/v1/chat/completions').set(as(keys.bob)).send(chat())).status).toBe(200);
    const health = await request(app).get('/health');
    expect(health.status).toBe(503);
    expect(health.body.checks.rate_limit_store).toEqual({ healthy: false, backend: 'redis', reachable: false });
  });
});

describe.skipIf(!redis.available)('the Redis store (REDIS_URL)', () => {
  const url = redis.available ? redis.url : '';
  let admin: Redis;
  const prefixes: string[] = [];
  const prefix = () => {
    const fresh = freshRedisPrefix();
    prefixes.push(fresh);
    return fresh;
  };
  beforeAll(() => {
    admin = new Redis(url);
  });
  afterAll(async () => {
    for (const used of prefixes) {
      const found = await admin.keys(`${used}*`);
      if (found.length > 0) await admin.del(...found);
    }
    await admin.quit();
  });

  function store(keyPrefix = prefix()): RedisRateLimitStore {
    const opened = new RedisRateLimitStore({ url, keyPrefix });
    cleanups.push(() => opened.close());
    return opened;
  }

  it('decides exactly as the in-memory GCRA does, limit for limit (the Lua script and gcra.ts agree)', async () => {
    const shared = store();
    const memory = new MemoryRateLimitStore();
    const limits: GcraLimit[] = [gcraLimit('a', 30, minute, 1), gcraLimit('b', 7, minute, 1), gcraLimit('c', 10_000, minute, 700)];
    let now = 1_700_000_000_000;
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let step = 0; step < 300; step++) {
      now += Math.floor(random() * 1500);
      const chosen = limits.filter(() => random() < 0.7);
      if (chosen.length === 0) continue;
      if (random() < 0.2) {
        const corrected = chosen.map((limit) => ({ ...limit, cost: Math.floor(random() * 1400) - 700 }));
        await shared.adjust(corrected, now);
        await memory.adjust(corrected, now);
        continue;
      }
      const [fromRedis, fromMemory] = [await shared.consume(chosen, now), await memory.consume(chosen, now)];
      expect(fromRedis.allowed).toBe(fromMemory.allowed);
      expect(fromRedis.now).toBe(fromMemory.now);
      for (const [index, state] of fromMemory.states.entries()) {
        expect(fromRedis.states[index]!.tat).toBeCloseTo(state.tat, 3);
        expect(fromRedis.states[index]!.retryAfterMs).toBeCloseTo(state.retryAfterMs, 3);
      }
    }
  });

  it('carries what a limit used over to its new rate when the rate changes (a key re-scoped), in both stores alike', async () => {
    const now = 1_700_000_000_000;
    for (const limiter of [store(), new MemoryRateLimitStore()]) {
      const admitted = async (perMinute: number, count: number) => {
        let allowed = 0;
        for (let i = 0; i < count; i++) if ((await limiter.consume([gcraLimit('k', perMinute, minute, 1)], now)).allowed) allowed++;
        return allowed;
      };
      expect(await admitted(2, 3)).toBe(2);
      // Raised to 10: 2 used, 8 left at once (the old TAT read as time left the limit full for a minute).
      expect(await admitted(10, 10)).toBe(8);
      // Lowered to 3 after 10: full, but for one new period at most, not the 200 s ten units of it make.
      const refused = await limiter.consume([gcraLimit('k', 3, minute, 1)], now);
      expect(refused.allowed).toBe(false);
      expect(refused.states[0]!.retryAfterMs).toBeCloseTo(20_000, 3);
      // A token limit's refund is carried over too: 600 of 1000 given back under a limit now twice as large.
      await limiter.consume([gcraLimit('t', 1000, minute, 1000)], now);
      await limiter.adjust([{ ...gcraLimit('t', 2000, minute, 1), cost: -600 }], now);
      expect((await limiter.consume([gcraLimit('t', 2000, minute, 1600)], now)).allowed).toBe(true);
      expect((await limiter.consume([gcraLimit('t', 2000, minute, 1)], now)).allowed).toBe(false);
    }
  });

  it('reads a TAT written without its interval (before it was kept) under the current limit', async () => {
    const keyPrefix = prefix();
    const shared = store(keyPrefix);
    const now = 1_700_000_000_000;
    await admin.set(`${keyPrefix}old`, String(now + 30_000), 'PX', 60_000);
    const decision = await shared.consume([gcraLimit('old', 2, minute, 1)], now);
    expect(decision).toMatchObject({ allowed: true, states: [{ tat: now + 60_000, retryAfterMs: 0 }] });
    expect((await shared.consume([gcraLimit('old', 2, minute, 1)], now)).allowed).toBe(false);
  });

  it('takes a key of another type under its prefix (WRONGTYPE: a hash, a list) as empty and writes over it, and the limit applies', async () => {
    const keyPrefix = prefix();
    const shared = store(keyPrefix);
    const now = 1_700_000_000_000;
    await admin.hset(`${keyPrefix}hash`, 'tat', '1');
    await admin.rpush(`${keyPrefix}list`, 'x');
    await admin.sadd(`${keyPrefix}set`, 'x');
    const limits = [gcraLimit('hash', 2, minute, 1), gcraLimit('list', 5, minute, 1)];
    // Before: every call failed WRONGTYPE for as long as the key stayed (fail-closed refused every
    // request it applies to, fail-open let them all through), the store called unreachable.
    const decisions = [await shared.consume(limits, now), await shared.consume(limits, now), await shared.consume(limits, now)];
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, false]);
    expect(await admin.type(`${keyPrefix}hash`)).toBe('string');
    await shared.adjust([{ ...gcraLimit('set', 5, minute, 1), cost: 2 }], now);
    expect(await admin.type(`${keyPrefix}set`)).toBe('string');
    expect((await shared.consume([gcraLimit('set', 5, minute, 4)], now)).allowed).toBe(false);
  });

  it("uses the Redis server's clock and lets every key expire once its limit is full again", async () => {
    const keyPrefix = prefix();
    const shared = store(keyPrefix);
    // Bounds from the clock read around each call, not fixed windows a loaded machine can miss.
    const asked = Date.now();
    const decision = await shared.consume([gcraLimit('k', 30, minute, 1)]);
    const answered = Date.now();
    expect(decision.allowed).toBe(true);
    expect(decision.now).toBeGreaterThanOrEqual(asked - 1);
    expect(decision.now).toBeLessThanOrEqual(answered + 1);
    // Set to the 2 s emission interval when Redis ran the script; it has run down since by at most the time passed.
    const ttl = await admin.pttl(`${keyPrefix}k`);
    expect(ttl).toBeGreaterThanOrEqual(2000 - (Date.now() - decision.now) - 1);
    expect(ttl).toBeLessThanOrEqual(2000);
    expect(shared.reachable()).toBe(true);
  });

  it('records an absurd charge (an upstream reporting 1e16 tokens on a tpm of 1): the key blocks for a year at most, no script error', async () => {
    const keyPrefix = prefix();
    const shared = store(keyPrefix);
    const now = Date.now();
    await shared.adjust([{ ...gcraLimit('t', 1, minute, 1), cost: 1e16 }], now);
    const ttl = await admin.pttl(`${keyPrefix}t`);
    expect(ttl).toBeGreaterThan(364 * 24 * 3_600_000);
    expect(ttl).toBeLessThanOrEqual(365 * 24 * 3_600_000);
    expect((await shared.consume([gcraLimit('t', 1, minute, 1)], now)).allowed).toBe(false);
  });

  it('closes its Redis connection when the gateway closes', async () => {
    // Through a relay of its own: Redis's CLIENT LIST also holds the rate-limit connections
    // of other test files running beside this one, under the same name.
    const target = new URL(url);
    const relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
    cleanups.push(() => relay.close());
    const instance = await rateLimitedGateway({
      scopes: { alice: { rpm: 10 } },
      rateLimit: { store: { use: 'redis', url: relay.urlFor(url), key_prefix: prefix() } },
    });
    expect((await request(instance.app).post('/v1/chat/completions').set(as(keys.alice)).send(chat())).headers['x-ratelimit-limit-requests']).toBe('10');
    expect(relay.openConnections()).toBe(1);
    await instance.close();
    await expect.poll(() => relay.openConnections()).toBe(0);
  });

  it('a key with rpm 30 admits exactly 30 of 60 requests spread across two gateway instances', async () => {
    const keyPrefix = prefix();
    // Both instances decide by one clock that stands still: a loaded machine taking
    // longer than the 2 s emission interval over the 60 must not free a 31st.
    const clock = fakeClock();
    const options = {
      clock,
      scopes: { alice: { rpm: 30 } },
      rateLimit: { store: { use: 'redis', url, key_prefix: keyPrefix, on_error: 'fail-closed' } },
    };
    const instances = [await open(options), await open(options)];
    const servers = await Promise.all(instances.map((instance) => listen(instance.app)));
    cleanups.push(async () => void (await Promise.all(servers.map((server) => server.close()))));
    const send = (index: number) =>
      fetch(`${servers[index % 2]!.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { ...as(keys.alice), 'content-type': 'application/json' },
        body: JSON.stringify(chat()),
      });
    // Six waves of ten at once, alternating instances.
    const statuses: number[] = [];
    for (let wave = 0; wave < 6; wave++) {
      const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => send(wave * 10 + i)));
      statuses.push(...responses.map((response) => response.status));
      await Promise.all(responses.map((response) => response.arrayBuffer()));
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(30);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
    // Both instances served some, and refused some.
    const byInstance = [0, 1].map((instance) => statuses.filter((status, i) => i % 2 === instance && status === 200).length);
    expect(byInstance.every((count) => count > 0 && count < 30)).toBe(true);
    const health = await request(instances[0]!.app).get('/health');
    expect(health.body.checks.rate_limit_store).toEqual({ healthy: true, backend: 'redis', reachable: true });
  });

  it('a global rpm 30 holds across two instances while a third, whose Redis is gone, fails open on its own', async () => {
    const keyPrefix = prefix();
    // A clock that stands still, as above: 61 requests may take longer than one 2 s interval.
    const clock = fakeClock();
    const shared = { clock, rateLimit: { limits: { global: { rpm: 30 } }, store: { use: 'redis', url, key_prefix: keyPrefix } } };
    const [first, second] = [await open(shared), await open(shared)];
    const port = await refusedPort();
    const orphan = await open({
      rateLimit: { limits: { global: { rpm: 30 } }, store: { use: 'redis', url: `redis://127.0.0.1:${port}`, key_prefix: keyPrefix } },
    });
    const send = (app: RateLimitedGateway['app']) => request(app).post('/v1/chat/completions').set(as(masterKey)).send(chat());
    const statuses = await Promise.all(Array.from({ length: 60 }, (_, i) => send((i % 2 === 0 ? first : second)!.app).then((r) => r.status)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(30);
    // The third instance cannot see the shared limit: it lets requests through and says so.
    const orphaned = await Promise.all(Array.from({ length: 5 }, () => send(orphan.app).then((r) => r.status)));
    expect(orphaned).toEqual([200, 200, 200, 200, 200]);
    expect(orphan.logLines.some((line) => line.includes('rate-limit store: Redis is unreachable'))).toBe(true);
    // …while the two that share Redis still refuse.
    expect((await send(first!.app)).status).toBe(429);
  });

  it('settles tokens in Redis: what one instance reserved and gave back is what the other sees', async () => {
    const keyPrefix = prefix();
    // One clock for both instances, never advanced: nothing refills between the two requests,
    // so what the second sees is exactly what the first left.
    const clock = fakeClock();
    const options = {
      clock,
      scopes: { alice: { tpm: 6000 } },
      rateLimit: { default_max_tokens: 1000, store: { use: 'redis', url, key_prefix: keyPrefix } },
    };
    const [first, second] = [await open(options), await open(options)];
    const answered = await request(first.app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hello there'));
    expect(Number(answered.headers['x-ratelimit-remaining-tokens'])).toBe(6000 - (4 + 4 + 3 + 1000));
    const used = answered.body.usage.total_tokens as number;
    // The give-back is sent once the answer is out, without waiting for it: wait until Redis
    // holds it (the key's TAT, 10 ms a token at 6000 tpm, says how many tokens stay charged).
    const charged = async () => {
      const [key, ...others] = await admin.keys(`${keyPrefix}*`);
      const stored = key === undefined || others.length > 0 ? null : await admin.get(key);
      return stored === null ? undefined : Math.round((Number(stored.split(' ')[0]) - clock()) / 10);
    };
    await expect.poll(charged).toBe(used);
    const next = await request(second.app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hello there', { max_tokens: 10 }));
    expect(Number(next.headers['x-ratelimit-remaining-tokens'])).toBe(6000 - used - (4 + 4 + 3 + 10));
  });
});
