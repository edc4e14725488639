import type { ChatRequest, Provider, RequestContext } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { createPromptTokenCounter, type PromptTokenCounter } from '../src/count-prompt-tokens.js';
import { MemoryRateLimitStore } from '../src/memory-rate-limit-store.js';
import type { RateLimitStore } from '../src/rate-limit-store.js';
import { RateLimiter, type RateLimiterOptions } from '../src/rate-limiter.js';

const silent = { warn: () => {}, info: () => {}, debug: () => {}, error: () => {} } as unknown as RateLimiterOptions['logger'];

/** What the limiter sees of a request's answer: its headers, and the moment the request is over. */
function fakeResponse() {
  const headers: Record<string, string> = {};
  const finishers: Array<() => void> = [];
  // The gateway's headers go to the request's context, not to the response.
  const responseHeaders = { set: (name: string, value: string) => void (headers[name] = value) };
  const onFinished = (listener: () => void) => void finishers.push(listener);
  return { headers, responseHeaders, onFinished, finish: () => finishers.forEach((listener) => listener()) };
}

/** `request` answered on `response`: its headers land there, and it is over when `response.finish()` is called. */
const answeredOn = (response: ReturnType<typeof fakeResponse>, request: RequestContext = context()) =>
  Object.assign(request, { responseHeaders: response.responseHeaders, onFinished: response.onFinished }) as RequestContext;

const context = (team = 'blue') =>
  ({
    endpoint: 'chat',
    principal: { keyId: 'key_1', team },
    attempts: [],
    chatRequest: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }], stream: false },
  }) as unknown as RequestContext;

function limiter(overrides: Partial<RateLimiterOptions> = {}) {
  return new RateLimiter({
    limits: { models: {}, teams: { blue: { rpm: 2, tpm: 10_000 } }, global: { rpm: 100, tpm: 1_000_000 } },
    store: new MemoryRateLimitStore(),
    counter: createPromptTokenCounter('estimate'),
    defaultMaxTokens: 100,
    onStoreError: 'fail-open',
    logger: silent,
    clock: () => 1_000_000,
    ...overrides,
  });
}

/** Lets the counter's `ready` (already resolved) be seen by the limiter. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('RateLimiter.admit', () => {
  it('with the memory store, decides at once: no promise to wait for, headers set, a refusal thrown synchronously', async () => {
    const rateLimiter = limiter();
    await tick();
    const first = fakeResponse();
    expect(rateLimiter.admit(answeredOn(first))).toBeUndefined();
    expect(first.headers['x-ratelimit-limit-requests']).toBe('2');
    expect(first.headers['x-ratelimit-remaining-requests']).toBe('1');
    expect(first.headers['x-ratelimit-limit-tokens']).toBe('10000');
    const second = fakeResponse();
    expect(rateLimiter.admit(answeredOn(second))).toBeUndefined();
    const refused = fakeResponse();
    expect(() => rateLimiter.admit(answeredOn(refused))).toThrow(/Rate limit reached for team 'blue': 2 requests per minute/);
    expect(refused.headers['x-ratelimit-remaining-requests']).toBe('0');
  });

  it('the token limits of every request carry that request\u2019s own estimate; the shared request limits are not changed by it', async () => {
    const rateLimiter = limiter();
    await tick();
    const short = rateLimiter.limitsFor(context());
    const long = rateLimiter.limitsFor({ ...context(), chatRequest: { ...context().chatRequest!, messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(400) }] }] } } as RequestContext);
    expect(short.map((limit) => [limit.source, limit.dimension, limit.gcra.key])).toEqual([
      ['team', 'requests', 'team:blue:requests'],
      ['team', 'tokens', 'team:blue:tokens'],
      ['global', 'requests', 'global:global:requests'],
      ['global', 'tokens', 'global:global:tokens'],
    ]);
    expect(short.filter((limit) => limit.dimension === 'requests').every((limit) => limit.gcra.cost === 1)).toBe(true);
    // "hello": 4 + 4 + 2 prompt tokens estimated, plus default_max_tokens 100; 400 characters: 100 more.
    expect(short[1]!.gcra.cost).toBe(110);
    expect(long[1]!.gcra.cost).toBe(208);
    expect(short[1]!.gcra.cost).toBe(110);
  });

  it('waits for a store that answers by promise, and for a tokenizer still loading', async () => {
    const memory = new MemoryRateLimitStore();
    const remote: RateLimitStore = { backend: 'redis', consume: (limits, now) => memory.consume(limits, now), adjust: (limits, now) => memory.adjust(limits, now), reachable: () => true, close: () => Promise.resolve() };
    const byPromise = limiter({ store: remote });
    await tick();
    const answer = fakeResponse();
    const pending = byPromise.admit(answeredOn(answer));
    expect(pending).toBeInstanceOf(Promise);
    await pending;

    let load!: () => void;
    const loading: PromptTokenCounter = { ...createPromptTokenCounter('estimate'), ready: new Promise<void>((resolve) => (load = resolve)) };
    const waiting = limiter({ counter: loading });
    const response = fakeResponse();
    const admitted = waiting.admit(answeredOn(response));
    expect(admitted).toBeInstanceOf(Promise);
    expect(response.headers['x-ratelimit-limit-requests']).toBeUndefined();
    load();
    await admitted;
    expect(response.headers['x-ratelimit-limit-requests']).toBe('2');
  });

  it('settles the token estimate to the real usage when the request is over', async () => {
    const store = new MemoryRateLimitStore();
    const rateLimiter = limiter({ store });
    await tick();
    const first = fakeResponse();
    const request = answeredOn(first);
    rateLimiter.admit(request);
    request.usage = { inputTokens: 10, outputTokens: 0 };
    first.finish();
    await tick();
    const next = fakeResponse();
    rateLimiter.admit(answeredOn(next));
    // 10,000 tokens a minute: 110 reserved, settled to 10, then 110 more.
    expect(next.headers['x-ratelimit-remaining-tokens']).toBe(String(10_000 - 10 - 110));
  });

  it('settles through a store that adjusts by promise, and warns (never throws) when that adjustment fails', async () => {
    const memory = new MemoryRateLimitStore();
    let failAdjust = false;
    const remote: RateLimitStore = {
      backend: 'redis',
      consume: (limits, now) => memory.consume(limits, now),
      adjust: (limits, now) => (failAdjust ? Promise.reject(new Error('redis down')) : memory.adjust(limits, now)),
      reachable: () => true,
      close: () => Promise.resolve(),
    };
    const warnings: unknown[] = [];
    const logger = { ...silent, warn: (...args: unknown[]) => void warnings.push(args) } as unknown as RateLimiterOptions['logger'];
    const rateLimiter = limiter({ store: remote, logger });
    await tick();
    const first = fakeResponse();
    const request = answeredOn(first);
    await rateLimiter.admit(request);
    request.usage = { inputTokens: 10, outputTokens: 0 };
    first.finish();
    await tick();
    const second = fakeResponse();
    const next = answeredOn(second);
    await rateLimiter.admit(next);
    // The team's limit: 10,000 tokens a minute, 110 reserved and settled to 10, then 110 more.
    expect(second.headers['x-ratelimit-remaining-tokens']).toBe(String(10_000 - 10 - 110));
    failAdjust = true;
    next.usage = { inputTokens: 10, outputTokens: 0 };
    second.finish();
    await tick();
    expect(warnings).toHaveLength(1);
  });
});

describe('the tpm charge of a request without max_tokens', () => {
  /** A provider whose adapter sends its own output limit to a request without one: `base` plus a thinking budget in the options. */
  const sendingProvider = (id: string, base: number): Provider => ({
    id,
    plugin: id,
    chat: {
      complete: () => Promise.reject(new Error('not called')),
      stream: () => Promise.reject(new Error('not called')),
      defaultOutputLimit: (request) => base + Number((request.providerOptions?.['anthropic']?.['thinking'] as { budget_tokens?: number } | undefined)?.budget_tokens ?? 0),
    },
  });
  const providers = new Map<string, Provider>([
    ['anthropic', sendingProvider('anthropic', 4096)],
    ['roomy', sendingProvider('roomy', 16_000)],
    ['openai', { id: 'openai', plugin: 'openai' }],
  ]);
  const counter = createPromptTokenCounter('estimate');
  const chatTo = (model: string, extra: Partial<ChatRequest> = {}): RequestContext =>
    ({
      endpoint: 'chat',
      principal: { keyId: 'key_1' },
      attempts: [],
      chatRequest: { model, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }], stream: false, ...extra },
    }) as unknown as RequestContext;
  /** The output part of the request's token charge. */
  const outputCharged = (rateLimiter: RateLimiter, context: RequestContext) => {
    const tokens = rateLimiter.limitsFor(context).find((limit) => limit.dimension === 'tokens')!;
    return tokens.gcra.cost - counter.chat(context.chatRequest!);
  };
  const thinking = { providerOptions: { anthropic: { thinking: { type: 'enabled', budget_tokens: 20_000 } } } };

  it("is what the named provider's adapter sends, thinking budget included, when that is above default_max_tokens", async () => {
    const rateLimiter = limiter({ providers, limits: { models: {}, teams: {}, global: { tpm: 1_000_000 } } });
    await counter.ready;
    expect(outputCharged(rateLimiter, chatTo('anthropic/claude-sonnet-4-5'))).toBe(4096);
    expect(outputCharged(rateLimiter, chatTo('anthropic/claude-sonnet-4-5', thinking))).toBe(24_096);
    expect(outputCharged(rateLimiter, chatTo('roomy/house-model'))).toBe(16_000);
  });

  it("is default_max_tokens for a provider that sends no limit of its own, or sends less; the request's own max_tokens always", async () => {
    const rateLimiter = limiter({ providers, defaultMaxTokens: 5000, limits: { models: {}, teams: {}, global: { tpm: 1_000_000 } } });
    await counter.ready;
    expect(outputCharged(rateLimiter, chatTo('openai/gpt-4o-mini', thinking))).toBe(5000);
    expect(outputCharged(rateLimiter, chatTo('anthropic/claude-sonnet-4-5'))).toBe(5000);
    expect(outputCharged(rateLimiter, chatTo('anthropic/claude-sonnet-4-5', { ...thinking, maxOutputTokens: 300 }))).toBe(300);
  });

  it('is the most any provider sends for a name that is no provider/model (an alias or group, routed after this step)', async () => {
    const rateLimiter = limiter({ providers, limits: { models: {}, teams: {}, global: { tpm: 1_000_000 } } });
    await counter.ready;
    expect(outputCharged(rateLimiter, chatTo('smart'))).toBe(16_000);
    expect(outputCharged(rateLimiter, chatTo('smart', thinking))).toBe(20_000 + 16_000);
  });

  it("is, for a name under models:, the most its own first targets' providers send: an alias of an OpenAI model is not charged Anthropic's 4,096", async () => {
    const models = {
      cheap: 'openai/gpt-4o-mini',
      claude: 'anthropic/claude-sonnet-4-5',
      mixed: { strategy: 'weighted' as const, deployments: [{ target: 'openai/gpt-4o' }, { target: 'anthropic/claude-sonnet-4-5' }] },
      elsewhere: 'unknown-provider/some-model',
    };
    const rateLimiter = limiter({ providers, models, defaultMaxTokens: 100, limits: { models: {}, teams: {}, global: { tpm: 1_000_000 } } });
    await counter.ready;
    expect(outputCharged(rateLimiter, chatTo('cheap', thinking))).toBe(100);
    expect(outputCharged(rateLimiter, chatTo('claude', thinking))).toBe(24_096);
    expect(outputCharged(rateLimiter, chatTo('mixed'))).toBe(4096);
    // A target whose provider is not running is not known to send nothing: charged the most of any provider's.
    expect(outputCharged(rateLimiter, chatTo('elsewhere'))).toBe(16_000);
  });

  it('is default_max_tokens without providers (as before)', async () => {
    const rateLimiter = limiter({ limits: { models: {}, teams: {}, global: { tpm: 1_000_000 } } });
    await counter.ready;
    expect(outputCharged(rateLimiter, chatTo('anthropic/claude-sonnet-4-5', thinking))).toBe(100);
  });
});

describe.each(['estimate', 'tiktoken'] as const)('the tpm charge of an image to a name under models: (tokenizer %s)', (tokenizer) => {
  const models = {
    cheap: 'openai/gpt-4o-mini',
    plain: 'openai/gpt-4o',
    mixed: { deployments: [{ target: 'openai/gpt-4o-mini' }, { target: 'openai/gpt-4.1-nano' }, { target: 'anthropic/claude-sonnet-4-5' }] },
  };
  const chatTo = (model: string, detail?: 'low' | 'high'): RequestContext =>
    ({
      endpoint: 'chat',
      principal: { keyId: 'key_1' },
      attempts: [],
      chatRequest: {
        model,
        maxOutputTokens: 10,
        messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }, ...(detail ? [{ type: 'image', url: 'https://example.com/a.png', detail }] : [])] }],
        stream: false,
      },
    }) as unknown as RequestContext;
  /** What one image adds to the request's token charge. */
  const imageCharged = (rateLimiter: RateLimiter, model: string, detail: 'low' | 'high') => {
    const cost = (context: RequestContext) => rateLimiter.limitsFor(context).find((limit) => limit.dimension === 'tokens')!.gcra.cost;
    return cost(chatTo(model, detail)) - cost(chatTo(model));
  };

  it('is the most any model the name routes to may bill for it, at each detail', async () => {
    const counter = createPromptTokenCounter(tokenizer);
    const rateLimiter = limiter({ models, counter, limits: { models: {}, teams: {}, global: { tpm: 10_000_000 } } });
    await counter.ready;
    await tick();
    // An alias counts as its provider/model does.
    for (const detail of ['high', 'low'] as const) expect(imageCharged(rateLimiter, 'cheap', detail)).toBe(imageCharged(rateLimiter, 'openai/gpt-4o-mini', detail));
    expect(imageCharged(rateLimiter, 'cheap', 'high')).toBe(48_169);
    expect(imageCharged(rateLimiter, 'plain', 'high')).toBe(1600);
    expect(imageCharged(rateLimiter, 'plain', 'low')).toBe(85);
    // gpt-4o-mini bills the most at high detail (48,169), gpt-4.1-nano at low (3,779, gpt-4o-mini 2,833).
    expect(imageCharged(rateLimiter, 'mixed', 'high')).toBe(48_169);
    expect(imageCharged(rateLimiter, 'mixed', 'low')).toBe(3779);
  });
});
