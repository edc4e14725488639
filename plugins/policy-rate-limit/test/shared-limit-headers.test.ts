import { findRedis, freshRedisPrefix } from '@switchyard/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { chat, fakeClock, keys, masterKey, rateLimitedGateway, type RateLimitedGateway } from './support/rate-limited-gateway.js';

/**
 * A model's limit and the gateway's are shared by every tenant: a key's x-ratelimit-*
 * headers describe only its own limits (its key's, its team's), or one tenant could
 * watch another's traffic in its own headers. Each case runs on both stores: the
 * headers are built from the store's decision, which must not matter.
 */
const redis = await findRedis();
const as = (key: string) => ({ authorization: `Bearer ${key}` });

const opened: RateLimitedGateway[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  for (const gateway of opened.splice(0)) await gateway.close();
});
afterAll(async () => {
  if (!redis.available || prefixes.length === 0) return;
  const admin = new Redis(redis.url);
  for (const prefix of prefixes) {
    const found = await admin.keys(`${prefix}*`);
    if (found.length > 0) await admin.del(...found);
  }
  await admin.quit();
});

const stores = [
  { name: 'memory', store: () => ({ use: 'memory' }) },
  {
    name: 'redis',
    skip: !redis.available,
    store: () => {
      const prefix = freshRedisPrefix();
      prefixes.push(prefix);
      return { use: 'redis', url: redis.available ? redis.url : '', key_prefix: prefix };
    },
  },
];

/** Shared limits tighter than the keys' own, so that before this fix they were the ones shown. */
const sharedLimits = { global: { rpm: 6, tpm: 5000 }, models: { 'mock/echo': { rpm: 5, tpm: 4000 } } };

const rateLimitHeaders = (response: request.Response) =>
  Object.fromEntries(Object.entries(response.headers).filter(([name]) => name.startsWith('x-ratelimit-')));

describe.each(stores)('shared limits in the x-ratelimit headers ($name store)', ({ store, skip }) => {
  async function open(options: Parameters<typeof rateLimitedGateway>[0]) {
    const gateway = await rateLimitedGateway(options);
    opened.push(gateway);
    return gateway;
  }

  /** The headers bob's first request gets after alice (another tenant under the same shared limits) sent `aliceSends`. */
  async function bobsHeadersAfter(aliceSends: number) {
    const { app } = await open({
      clock: fakeClock(),
      scopes: { alice: { rpm: 10, tpm: 100_000 }, bob: { rpm: 10, tpm: 100_000 } },
      rateLimit: { limits: sharedLimits, default_max_tokens: 100, store: store() },
    });
    for (let sent = 0; sent < aliceSends; sent++) {
      expect((await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat())).status).toBe(200);
    }
    const bobs = await request(app).post('/v1/chat/completions').set(as(keys.bob)).send(chat());
    expect(bobs.status).toBe(200);
    return rateLimitHeaders(bobs);
  }

  it.skipIf(skip)("another key's traffic does not change the headers a key sees: they are its own limits'", async () => {
    const alone = await bobsHeadersAfter(0);
    expect(await bobsHeadersAfter(4)).toEqual(alone);
    // "hello": 4 + 4 + 2 prompt tokens estimated, plus default_max_tokens 100; the clock stands still.
    expect(alone).toEqual({
      'x-ratelimit-limit-requests': '10',
      'x-ratelimit-remaining-requests': '9',
      'x-ratelimit-reset-requests': '6s',
      'x-ratelimit-limit-tokens': '100000',
      'x-ratelimit-remaining-tokens': String(100_000 - 110),
      // 110 tokens of 0.6 ms each rounded up to whole 2^-12 ms ticks (0.60010 ms): 66.01 ms, written rounded up.
      'x-ratelimit-reset-tokens': '67ms',
    });
  });

  it.skipIf(skip)('a key under shared limits only gets no x-ratelimit headers; a shared refusal names the limit and its size with Retry-After, not its counts', async () => {
    const { app } = await open({ clock: fakeClock(), rateLimit: { limits: { global: { rpm: 2 } }, store: store() } });
    const send = () => request(app).post('/v1/chat/completions').set(as(keys.carol)).send(chat());
    for (let sent = 0; sent < 2; sent++) {
      const admitted = await send();
      expect(admitted.status).toBe(200);
      expect(rateLimitHeaders(admitted)).toEqual({});
    }
    const refused = await send();
    expect(refused.status).toBe(429);
    // 2 rpm: the next slot is 30 s away. Retryable: the SDKs wait Retry-After and send it again.
    expect(refused.headers['retry-after']).toBe('30');
    expect(refused.headers['x-should-retry']).toBeUndefined();
    expect(rateLimitHeaders(refused)).toEqual({});
    expect(refused.body).toEqual({
      error: {
        message: 'Rate limit reached for this gateway: 2 requests per minute, shared by every caller. Try again in 30s.',
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        param: null,
      },
    });
  });

  it.skipIf(skip)("a key with its own limits refused by a shared one sees its own counts, untouched by the refusal", async () => {
    const { app } = await open({ clock: fakeClock(), scopes: { alice: { rpm: 10 } }, rateLimit: { limits: { global: { rpm: 1 } }, store: store() } });
    expect((await request(app).post('/v1/chat/completions').set(as(masterKey)).send(chat())).status).toBe(200);
    const refused = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat());
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.body.error.message).toContain('this gateway: 1 requests per minute, shared by every caller');
    // A refusal charges nothing: the key's 10 are all left.
    expect(refused.headers['x-ratelimit-limit-requests']).toBe('10');
    expect(refused.headers['x-ratelimit-remaining-requests']).toBe('10');
  });

  it.skipIf(skip)('a request larger than a shared tpm is refused at once with x-should-retry: false, naming the limit and its size', async () => {
    const { app } = await open({ clock: fakeClock(), rateLimit: { limits: { models: { 'mock/*': { tpm: 1000 } } }, store: store() } });
    const huge = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hi', { max_tokens: 5000 }));
    expect(huge.status).toBe(429);
    expect(huge.headers['x-should-retry']).toBe('false');
    expect(huge.headers['retry-after']).toBeUndefined();
    expect(huge.body.error.message).toBe(
      "This request needs about 5009 tokens (prompt and max_tokens), more than model 'mock/*' allows per minute (1000, shared by every caller). Lower max_tokens or shorten the prompt.",
    );
  });
});
