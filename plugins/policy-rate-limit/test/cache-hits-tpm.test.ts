import type { RequestRecord } from '@switchyard/core';
import { findRedis, freshRedisPrefix } from '@switchyard/testing';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { chat, fakeClock, keys, rateLimitedGateway, type RateLimitedGateway } from './support/rate-limited-gateway.js';

const redis = await findRedis();

const opened: RateLimitedGateway[] = [];
afterEach(async () => {
  for (const gateway of opened.splice(0)) await gateway.close();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });
/** Resolves once the next request is over: its tokens are settled by then (memory at once; Redis sent, ahead of any later check). */
const nextRecord = ({ gateway }: RateLimitedGateway) => new Promise<RequestRecord>((resolve) => gateway.runtime.onRequestFinished(resolve));

const stores: Array<[name: string, store: () => Record<string, unknown> | undefined]> = [
  ['memory', () => ({ use: 'memory' })],
  ['redis', () => (redis.available ? { use: 'redis', url: redis.url, key_prefix: freshRedisPrefix(), on_error: 'fail-closed' } : undefined)],
];

describe.each(stores)('cache hits and tpm (%s store)', (name, store) => {
  it.skipIf(name === 'redis' && !redis.available)('a hit counts on rpm but gives its whole token reservation back; a miss is charged what it used', async () => {
    const clock = fakeClock(); // never advanced: every token charged stays charged
    const gateway = await rateLimitedGateway({
      clock,
      scopes: { alice: { rpm: 100, tpm: 2000 } },
      rateLimit: { limits: { global: { tpm: 2000 } }, store: store() },
      cache: {},
    });
    opened.push(gateway);
    const ask = async (content: string) => {
      const finished = nextRecord(gateway);
      const response = await request(gateway.app).post('/v1/chat/completions').set(as(keys.alice)).send(chat(content, { max_tokens: 20 }));
      await finished;
      return response;
    };
    // About 530 tokens reserved and 530 used a call: four such calls a minute at 2000 tpm.
    const question = Array.from({ length: 400 }, () => 'word').join(' ');

    const miss = await ask(question);
    expect(miss.status).toBe(200);
    expect(miss.headers['x-switchyard-cache']).toBe('MISS');
    const reserved = 2000 - Number(miss.headers['x-ratelimit-remaining-tokens']);
    const used = miss.body.usage.total_tokens as number;
    expect(reserved).toBeGreaterThan(500);
    expect(used).toBeGreaterThan(500);

    // Twelve hits of the same large prompt: each would have been charged `used` tokens
    // (the third refused with 429 tokens per minute); now each is charged nothing.
    for (let hit = 1; hit <= 12; hit++) {
      const answer = await ask(question);
      expect(answer.status).toBe(200);
      expect(answer.headers['x-switchyard-cache']).toBe('HIT');
      expect(answer.body.usage.total_tokens).toBe(used);
      // The reservation is taken up front (the step runs before the cache) and given back at the end.
      expect(Number(answer.headers['x-ratelimit-remaining-tokens'])).toBe(2000 - used - reserved);
      // Still a request: rpm counts it.
      expect(Number(answer.headers['x-ratelimit-remaining-requests'])).toBe(100 - 1 - hit);
    }

    // A miss is still charged its real usage, on the key and the gateway alike.
    const other = await ask(`${question} again`);
    expect(other.headers['x-switchyard-cache']).toBe('MISS');
    const otherUsed = other.body.usage.total_tokens as number;
    const after = await ask(question);
    expect(after.headers['x-switchyard-cache']).toBe('HIT');
    expect(Number(after.headers['x-ratelimit-remaining-tokens'])).toBe(2000 - used - otherUsed - reserved);
    // Two more misses do not fit in what is left.
    expect((await ask(`${question} once more`)).status).toBe(200);
    const refused = await ask(`${question} and again`);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limit_exceeded');
    expect(refused.body.error.message).toMatch(/tokens per minute/);
  });
});
