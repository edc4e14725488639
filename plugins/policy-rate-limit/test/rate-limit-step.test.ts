import { request as httpRequest } from 'node:http';
import type { RequestRecord } from '@switchyard/core';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import rateLimit from '../src/index.js';
import { chat, fakeClock, keys, listen, masterKey, rateLimitedGateway, type RateLimitedGateway } from './support/rate-limited-gateway.js';

const opened: RateLimitedGateway[] = [];
async function open(options: Parameters<typeof rateLimitedGateway>[0]) {
  const gateway = await rateLimitedGateway(options);
  opened.push(gateway);
  return gateway;
}
afterEach(async () => {
  for (const gateway of opened.splice(0)) await gateway.close();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });
/**
 * The next request's record. The step settles its tokens in the same turn the record is
 * made (both wait for the request to finish; the memory store adjusts at once), so once
 * this resolves the settlement is done: supertest may have the answer before either.
 */
const nextRecord = ({ gateway }: RateLimitedGateway) =>
  new Promise<RequestRecord>((resolve) => gateway.runtime.onRequestFinished(resolve));

describe('the rate-limit step in a gateway', () => {
  it('reports at most the limit as remaining with the largest limits it takes, in whole digits, also after a refund', async () => {
    const gateway = await open({
      scopes: { alice: { rpm: 245_760_000, tpm: 245_760_000 } },
      rateLimit: { default_max_tokens: 100 },
    });
    const { app } = gateway;
    for (let round = 0; round < 3; round++) {
      const finished = nextRecord(gateway);
      const response = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hello'));
      expect(response.status).toBe(200);
      for (const dimension of ['requests', 'tokens']) {
        const limit = response.headers[`x-ratelimit-limit-${dimension}`] as string;
        const remaining = response.headers[`x-ratelimit-remaining-${dimension}`] as string;
        expect(limit).toMatch(/^[0-9]+$/);
        expect(remaining).toMatch(/^[0-9]+$/);
        expect(Number(remaining)).toBeLessThanOrEqual(Number(limit));
      }
      // The unused part of the estimate comes back when the request is over.
      await finished;
    }
  });

  it("sets the six x-ratelimit headers from the tightest of the key's and its team's limits before the adapter writes", async () => {
    const clock = fakeClock();
    const { app } = await open({
      clock,
      scopes: { alice: { rpm: 5, tpm: 100_000 } },
      rateLimit: { limits: { teams: { research: { rpm: 100, tpm: 50_000 } } }, default_max_tokens: 100 },
    });
    const response = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hello'));
    expect(response.status).toBe(200);
    // Requests: the key's 5 rpm is tighter than its team's 100. Tokens: the team's 50,000.
    expect(response.headers['x-ratelimit-limit-requests']).toBe('5');
    expect(response.headers['x-ratelimit-remaining-requests']).toBe('4');
    expect(response.headers['x-ratelimit-reset-requests']).toBe('12s');
    expect(response.headers['x-ratelimit-limit-tokens']).toBe('50000');
    // "hello": 4 + 4 + 2 prompt tokens estimated, plus default_max_tokens 100.
    expect(response.headers['x-ratelimit-remaining-tokens']).toBe(String(50_000 - 110));
    // 110 tokens at 50,000 a minute: a token takes 1.2 ms rounded up to whole 2^-12 ms ticks (1.2002 ms), 132.02 ms, written rounded up.
    expect(response.headers['x-ratelimit-reset-tokens']).toBe('133ms');
    const health = await request(app).get('/health');
    expect(health.body.checks.rate_limit_store).toEqual({ healthy: true, backend: 'memory', reachable: true });
  });

  it('answers 429 rate_limit_exceeded with Retry-After in OpenAI shape, per key, and admits again when the slot comes', async () => {
    const clock = fakeClock();
    const { app } = await open({ clock, scopes: { alice: { rpm: 30 } }, rateLimit: {} });
    for (let i = 0; i < 30; i++) {
      const ok = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat());
      expect(ok.status).toBe(200);
    }
    clock.advance(500);
    const refused = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat());
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(refused.headers['x-ratelimit-reset-requests']).toBe('59.5s');
    expect(refused.body).toEqual({
      error: {
        message: 'Rate limit reached for this API key: 30 requests per minute. Try again in 1.5s.',
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        param: null,
      },
    });
    // Another key has its own limit; bob has none at all.
    expect((await request(app).post('/v1/chat/completions').set(as(keys.bob)).send(chat())).status).toBe(200);
    clock.advance(1500);
    expect((await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat())).status).toBe(200);
    expect((await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat())).status).toBe(429);
  });

  it('applies team, model (exact and glob) and global limits, naming the one reached', async () => {
    const clock = fakeClock();
    const { app } = await open({
      clock,
      rateLimit: { limits: { teams: { research: { rpm: 3 } }, models: { 'mock/e*': { rpm: 5 } }, global: { rpm: 6 } } },
    });
    const send = (key: string) => request(app).post('/v1/chat/completions').set(as(key)).send(chat());
    // alice and bob share team research's 3 rpm.
    expect((await send(keys.alice)).status).toBe(200);
    expect((await send(keys.bob)).status).toBe(200);
    expect((await send(keys.alice)).status).toBe(200);
    const team = await send(keys.bob);
    expect(team.status).toBe(429);
    expect(team.body.error.message).toContain("team 'research': 3 requests per minute");
    // carol (team ops) is held by the model's 5 rpm, 3 of which research used.
    expect((await send(keys.carol)).status).toBe(200);
    expect((await send(keys.carol)).status).toBe(200);
    const model = await send(keys.carol);
    expect(model.status).toBe(429);
    expect(model.body.error.message).toContain("model 'mock/e*': 5 requests per minute, shared by every caller. Try again in");
    // Refusals charged nothing: the global limit saw 5 requests, so one more fits elsewhere, and no more.
    const other = () => request(app).post('/v1/chat/completions').set(as(masterKey)).send({ ...chat(), model: 'mock/other' });
    expect((await other()).status).toBe(200);
    const global = await other();
    expect(global.status).toBe(429);
    expect(global.body.error.message).toMatch(/this gateway: \d+ requests per minute, shared by every caller\. Try again in/);
  });

  it("a model's resource name (provider/models/<id>, Gemini's spelling that calls <id>) counts on provider/<id>'s limit, also through an alias", async () => {
    const { app } = await open({
      clock: fakeClock(),
      models: { spelled: 'mock/models/echo' },
      rateLimit: { limits: { models: { 'mock/echo': { rpm: 2 } } } },
    });
    const send = (model: string) => request(app).post('/v1/chat/completions').set(as(keys.alice)).send({ ...chat(), model });
    expect((await send('mock/echo')).status).toBe(200);
    expect((await send('mock/models/echo')).status).toBe(200);
    const refused = await send('mock/models/echo');
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toContain("model 'mock/echo': 2 requests per minute");
    expect((await send('spelled')).status).toBe(429);
    expect((await send('mock/echo')).status).toBe(429);
  });

  it('charges a limit on provider/model to the aliases and groups that route only to it, not to a group that mixes models', async () => {
    const clock = fakeClock();
    const { app } = await open({
      clock,
      models: {
        fast: 'mock/echo',
        pool: { deployments: [{ target: 'mock/echo', weight: 2 }] },
        mixed: { deployments: [{ target: 'mock/echo' }, { target: 'mock/other' }] },
        'echo-named': 'mock/other',
      },
      rateLimit: { limits: { models: { 'mock/echo': { rpm: 3 }, 'echo-*': { rpm: 1 } } } },
    });
    const send = (model: string) => request(app).post('/v1/chat/completions').set(as(keys.alice)).send({ ...chat(), model });
    // An alias and a group whose every deployment is mock/echo share its limit (they got round it).
    expect((await send('mock/echo')).status).toBe(200);
    expect((await send('fast')).status).toBe(200);
    expect((await send('pool')).status).toBe(200);
    const refused = await send('fast');
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toContain("model 'mock/echo': 3 requests per minute, shared by every caller");
    expect((await send('pool')).status).toBe(429);
    expect((await send('mock/echo')).status).toBe(429);
    // A group that may serve from another model is not held by mock/echo's limit; a name is still matched as asked.
    expect((await send('mixed')).status).toBe(200);
    expect((await send('echo-named')).status).toBe(200);
    const named = await send('echo-named');
    expect(named.status).toBe(429);
    expect(named.body.error.message).toContain("model 'echo-*'");
  });

  it('settles the token reservation to the real usage when the request finishes', async () => {
    const clock = fakeClock();
    const gateway = await open({ clock, scopes: { alice: { tpm: 10_000 } }, rateLimit: { default_max_tokens: 1000 } });
    const { app } = gateway;
    const finished = nextRecord(gateway);
    const first = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hello there'));
    expect(first.status).toBe(200);
    const reserved = 10_000 - Number(first.headers['x-ratelimit-remaining-tokens']);
    expect(reserved).toBe(4 + 4 + 3 + 1000);
    await finished;
    const used = first.body.usage.total_tokens as number;
    expect(used).toBeLessThan(reserved);
    // The second request sees only what the first really used, plus its own reservation.
    const second = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hello there', { max_tokens: 50 }));
    expect(Number(second.headers['x-ratelimit-remaining-tokens'])).toBe(10_000 - used - (4 + 4 + 3 + 50));
  });

  it('charges a stream the client cut short for what it generated, not nothing', async () => {
    const clock = fakeClock();
    const gateway = await open({ clock, scopes: { alice: { tpm: 10_000 } }, rateLimit: { default_max_tokens: 1000 } });
    const served = await listen(gateway.app);
    try {
      const finished = new Promise<RequestRecord>((resolve) => gateway.gateway.runtime.onRequestFinished(resolve));
      const words = Array.from({ length: 200 }, (_, index) => `w${index}`).join(' ');
      const body = chat(words, { stream: true, provider_options: { mock: { chunk_delay_ms: 2 } } });
      await streamAndHangUp(served.origin, keys.alice, body, 10);
      const cut = await finished;
      expect(cut.status).toBe(499);
      const used = cut.usage!.inputTokens + cut.usage!.outputTokens;
      expect(cut.usage!.outputTokens).toBeGreaterThan(0);
      // The next request sees the cut stream's estimate as used, plus its own reservation.
      const next = await request(served.origin).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hi', { max_tokens: 10 }));
      expect(Number(next.headers['x-ratelimit-remaining-tokens'])).toBe(10_000 - used - (4 + 4 + 1 + 10));
    } finally {
      await served.close();
    }
  });

  it('gives the whole reservation back when the call fails upstream, and refuses a request larger than the limit outright', async () => {
    const clock = fakeClock();
    const gateway = await open({ clock, scopes: { alice: { tpm: 2000 } }, rateLimit: { default_max_tokens: 1000 } });
    const { app } = gateway;
    const finished = nextRecord(gateway);
    const failed = await request(app)
      .post('/v1/chat/completions')
      .set(as(keys.alice))
      .send(chat('hi', { provider_options: { mock: { fail: 'bad_request' } } }));
    expect(failed.status).toBe(400);
    await finished;
    const next = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hi', { max_tokens: 10 }));
    expect(Number(next.headers['x-ratelimit-remaining-tokens'])).toBe(2000 - (4 + 4 + 1 + 10));
    const huge = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send(chat('hi', { max_tokens: 5000 }));
    expect(huge.status).toBe(429);
    expect(huge.headers['retry-after']).toBeUndefined();
    expect(huge.body.error.message).toMatch(/needs about 5009 tokens .* more than this API key allows per minute \(2000\)/);
  });

  it('counts embeddings by their input and leaves /v1/models alone', async () => {
    const { app } = await open({ scopes: { alice: { rpm: 1, tpm: 1000 } }, rateLimit: {} });
    const embedded = await request(app).post('/v1/embeddings').set(as(keys.alice)).send({ model: 'mock/embed', input: ['abcdefgh'] });
    expect(embedded.status).toBe(200);
    expect(embedded.headers['x-ratelimit-remaining-tokens']).toBe('998');
    const models = await request(app).get('/v1/models').set(as(keys.alice));
    expect(models.status).toBe(200);
    expect(models.headers['x-ratelimit-limit-requests']).toBeUndefined();
  });

  it('adds no headers and no cost when no limit applies', async () => {
    const { app } = await open({ scopes: { alice: { rpm: 1 } }, rateLimit: {} });
    const response = await request(app).post('/v1/chat/completions').set(as(keys.bob)).send(chat());
    expect(response.status).toBe(200);
    expect(Object.keys(response.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
  });

  it('counts OpenAI models with the real tokenizer when tokenizer is tiktoken', async () => {
    const clock = fakeClock();
    const scopes = { alice: { tpm: 100_000 }, bob: { tpm: 100_000 } };
    const { app } = await open({ clock, scopes, rateLimit: { tokenizer: 'tiktoken', default_max_tokens: 0 } });
    const text = 'Rate limiting with GCRA keeps one timestamp per limit.';
    const openai = await request(app).post('/v1/chat/completions').set(as(keys.alice)).send({ ...chat(text), model: 'mock/gpt-4o' });
    const other = await request(app).post('/v1/chat/completions').set(as(keys.bob)).send({ ...chat(text), model: 'mock/llama-3' });
    const charged = (response: request.Response) => 100_000 - Number(response.headers['x-ratelimit-remaining-tokens']);
    // o200k_base: 11 tokens for the text, where the estimate says 15 (53 characters at four a token, and the full stop one).
    expect(charged(openai)).toBe(4 + 4 + 11);
    expect(charged(other)).toBe(4 + 4 + 15);
  });

  it('refuses options that do not fit the schema', () => {
    expect(() => rateLimit({ store: { use: 'memory', url: 'redis://x' } })).toThrow(/\/store\/url/);
    expect(() => rateLimit({ limits: { global: { rpm: 0 } } })).toThrow(/\/limits\/global\/rpm/);
    expect(() => rateLimit({ store: { use: 'redis', on_error: 'maybe' } })).toThrow(/on_error/);
    expect(() => rateLimit({ store: { use: 'redis', url: 'redis://127.0.0.1:6379', on_error: 'fail-closed' } })).not.toThrow();
  });
});

/** Streams a chat completion and hangs up after `events` SSE data events. */
function streamAndHangUp(origin: string, key: string, body: unknown, events: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${origin}/v1/chat/completions`, { method: 'POST', headers: { ...as(key), 'content-type': 'application/json' } });
    req.on('response', (res) => {
      let seen = 0;
      res.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8').split('data: ').length - 1;
        if (seen >= events) {
          req.destroy();
          resolve();
        }
      });
      res.on('end', () => reject(new Error('the stream ended before the hang-up')));
    });
    req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(JSON.stringify(body));
  });
}
