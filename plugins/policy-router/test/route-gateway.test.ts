import { ConfigError, createLogger } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import defaultRoute, { defineRoute, LATENCY_MAX_AGE_MS } from '../src/index.js';
import { openaiAt, startRouterGateway, type RouterGateway } from './support/start-router-gateway.js';

describe('routing through a gateway on loopback', () => {
  let east: MockOpenAI;
  let west: MockOpenAI;
  let gateway: RouterGateway;

  beforeAll(async () => {
    east = await startMockOpenAI();
    west = await startMockOpenAI();
    gateway = await startRouterGateway({
      providers: { east: openaiAt(east.url), west: openaiAt(west.url) },
      models: {
        alias: 'east/gpt-4o-mini',
        pair: {
          deployments: [
            { target: 'east/gpt-4o-mini', priority: 0 },
            { target: 'west/gpt-4o-mini', priority: 1 },
          ],
        },
        small: {
          deployments: [{ target: 'east/gpt-4o-mini', context_window: 128000 }],
          context_fallback: 'large',
          fallbacks: ['pair'],
        },
        large: { deployments: [{ target: 'west/gpt-4.1', context_window: 1000000 }] },
        streamy: { deployments: [{ target: 'east/gpt-4o-mini' }], retries: { attempts: 0 }, fallbacks: ['west/gpt-4o-mini'] },
        impatient: {
          strategy: 'priority',
          attempt_timeout_ms: 300,
          deployments: [
            { target: 'east/gpt-4o-mini', priority: 0 },
            { target: 'west/gpt-4o-mini', priority: 1 },
          ],
        },
      },
    });
  });
  afterEach(() => {
    east.reset();
    west.reset();
  });
  afterAll(async () => {
    await gateway.close();
    await east.close();
    await west.close();
  });

  it('retries a 429 after the Retry-After it asked for, and says so in the headers', async () => {
    east.enqueue({ error: 'rate_limit', headers: { 'retry-after': '1' } });
    const started = performance.now();
    const { status, headers } = await gateway.chat({ model: 'east/gpt-4o-mini' });
    const elapsed = performance.now() - started;
    expect(status).toBe(200);
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(headers.get('x-switchyard-attempts')).toBe('2');
    expect(headers.get('x-switchyard-route')).toBe('east/gpt-4o-mini');
    expect(east.requests).toHaveLength(2);
  });

  it.each([
    ['1e300', '86400'],
    ['99999999999', '86400'],
    ['Wed, 21 Oct 2099 07:28:00 GMT', '86400'],
  ])("gives up at once on a 429's Retry-After of %s, past the deadline, and tells the client %s seconds at most", async (retryAfter, told) => {
    east.enqueue({ error: 'rate_limit', headers: { 'retry-after': retryAfter } });
    const { status, headers } = await gateway.chat({ model: 'east/gpt-4o-mini' });
    expect(status).toBe(429);
    expect(east.requests).toHaveLength(1);
    // delay-seconds (RFC 9110): digits only; '1e+300' is no number to a client that reads them.
    expect(headers.get('retry-after')).toBe(told);
  });

  it("leaves out a deployment whose Retry-After runs past the deadline, and serves from another within it", async () => {
    east.enqueue({ error: 'rate_limit', headers: { 'retry-after': '3600' } });
    west.enqueue({ error: 'server_error' });
    const { status, headers } = await gateway.chat({ model: 'pair' });
    expect(status).toBe(200);
    expect(headers.get('x-switchyard-provider')).toBe('west');
    expect(headers.get('x-switchyard-attempts')).toBe('3');
    // east is not asked again before its hour is up; west is, after the backoff alone.
    expect(east.requests).toHaveLength(1);
    expect(west.requests).toHaveLength(2);
  });

  it('cancels an attempt that outlives its timeout, upstream included, and serves from the next deployment', async () => {
    east.enqueue({ hang: true });
    const { status, headers } = await gateway.chat({ model: 'impatient' });
    expect(status).toBe(200);
    expect(headers.get('x-switchyard-provider')).toBe('west');
    expect(headers.get('x-switchyard-attempts')).toBe('2');
    // The hanging request to east was aborted, not left running.
    await east.waitForAborts(1, 2000);
    expect(east.abortedCount).toBe(1);
  });

  it('serves from deployment B when A answers 5xx', async () => {
    east.enqueue({ error: 'server_error' });
    const { status, headers, text } = await gateway.chat({ model: 'pair' });
    expect(status).toBe(200);
    expect(headers.get('x-switchyard-provider')).toBe('west');
    expect(headers.get('x-switchyard-model')).toBe('west/gpt-4o-mini');
    expect(headers.get('x-switchyard-attempts')).toBe('2');
    expect(headers.get('x-switchyard-route')).toBe('pair');
    expect(JSON.parse(text).model).toMatch(/^west\//);
  });

  it('answers a context-length error with the larger-window model', async () => {
    east.enqueue({ error: 'context_length_exceeded' });
    const { status, headers } = await gateway.chat({ model: 'small' });
    expect(status).toBe(200);
    expect(headers.get('x-switchyard-model')).toBe('west/gpt-4.1');
    expect(east.requests).toHaveLength(1);
    expect((west.requests[0]!.body as { model: string }).model).toBe('gpt-4.1');
  });

  it.each([
    ['invalid_key', 'a revoked provider key'],
    ['permission_denied', 'no access to the model'],
    ['insufficient_quota', 'a spent quota'],
  ] as const)("serves from deployment B when A's account fails (%s: %s), asking A once", async (error, _reason) => {
    east.enqueue({ error });
    const { status, headers } = await gateway.chat({ model: 'pair' });
    expect(status).toBe(200);
    expect(headers.get('x-switchyard-provider')).toBe('west');
    expect(headers.get('x-switchyard-attempts')).toBe('2');
    expect(east.requests).toHaveLength(1);
  });

  it('ends at once on a non-retryable error', async () => {
    east.enqueue({ error: 'bad_request' });
    const { status, headers } = await gateway.chat({ model: 'pair' });
    expect(status).toBe(400);
    expect(headers.get('x-switchyard-attempts')).toBe('1');
    expect(west.requests).toHaveLength(0);
  });

  it('serves a stream cut before its first byte from the fallback', async () => {
    east.enqueue({ stream: { cutAfterEvents: 0 } });
    const { status, headers, text } = await gateway.chat({ model: 'streamy', stream: true });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(headers.get('x-switchyard-provider')).toBe('west');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('ends a stream cut after its first byte with a clean SSE error event, and tries nothing else', async () => {
    east.enqueue({ stream: { cutAfterEvents: 2 } });
    const { status, headers, text } = await gateway.chat({ model: 'streamy', stream: true });
    expect(status).toBe(200);
    expect(headers.get('x-switchyard-provider')).toBe('east');
    const events = text.split('\n\n').filter(Boolean);
    const last = JSON.parse(events.at(-1)!.replace(/^data: /, ''));
    expect(last.error.code).toMatch(/^upstream_/);
    expect(text).not.toContain('[DONE]');
    expect(west.requests).toHaveLength(0);
  });

  it('lists aliases and groups on /v1/models', async () => {
    const list = (await gateway.get('/v1/models')) as { data: Array<{ id: string }> };
    const ids = list.data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['alias', 'pair', 'small', 'large', 'streamy']));
  });
});

describe('strategies through a gateway', () => {
  it('splits traffic 3:1 by weight', async () => {
    const gateway = await startRouterGateway({
      providers: { one: { use: 'mock' }, two: { use: 'mock' } },
      models: { split: { deployments: [{ target: 'one/echo', weight: 3 }, { target: 'two/echo', weight: 1 }] } },
    });
    try {
      let one = 0;
      for (let index = 0; index < 200; index++) {
        if ((await gateway.chat({ model: 'split' })).headers.get('x-switchyard-provider') === 'one') one++;
      }
      // 200 draws: ±3 standard deviations (about 9%) around 75%.
      expect(one / 200).toBeGreaterThan(0.65);
      expect(one / 200).toBeLessThan(0.85);
    } finally {
      await gateway.close();
    }
  });

  it('least-latency moves most traffic off a deployment slowed by 200 ms within 50 requests', async () => {
    const gateway = await startRouterGateway({
      providers: { slow: { use: 'mock', latency_ms: 200 }, quick: { use: 'mock' } },
      models: { fast: { strategy: 'least-latency', deployments: [{ target: 'slow/echo' }, { target: 'quick/echo' }] } },
    });
    try {
      const served: string[] = [];
      for (let index = 0; index < 50; index++) served.push((await gateway.chat({ model: 'fast' })).headers.get('x-switchyard-provider')!);
      expect(served.filter((provider) => provider === 'quick').length).toBeGreaterThanOrEqual(45);
      expect(served.slice(-10).every((provider) => provider === 'quick')).toBe(true);
    } finally {
      await gateway.close();
    }
  });

  it('least-latency puts a deployment that fails fast behind the healthy one, and tries it again once its measurement is a minute old', async () => {
    const broken = await startMockOpenAI();
    const healthy = await startMockOpenAI();
    let now = 0;
    const gateway = await startRouterGateway(
      {
        providers: { broken: openaiAt(broken.url), healthy: openaiAt(healthy.url) },
        models: { fast: { strategy: 'least-latency', deployments: [{ target: 'broken/gpt-4o-mini' }, { target: 'healthy/gpt-4o-mini' }] } },
      },
      defineRoute({ clock: () => now }),
    );
    const served = async (count: number) => {
      const providers: string[] = [];
      for (let index = 0; index < count; index++) {
        const { status, headers } = await gateway.chat({ model: 'fast' });
        expect(status).toBe(200);
        providers.push(headers.get('x-switchyard-provider')!);
      }
      return providers;
    };
    try {
      expect(LATENCY_MAX_AGE_MS).toBe(60_000);
      for (let index = 0; index < 20; index++) broken.enqueue({ error: 'server_error' });
      // Asked at most once (when it comes first, never measured); its failure counts as slow.
      expect(await served(10)).toEqual(Array(10).fill('healthy'));
      expect(broken.requests.length).toBeLessThanOrEqual(1);
      now = LATENCY_MAX_AGE_MS - 1;
      expect(await served(5)).toEqual(Array(5).fill('healthy'));
      expect(broken.requests.length).toBeLessThanOrEqual(1);

      // It recovers; a minute after it was last measured, its measurement is forgotten and it is tried first again.
      broken.reset();
      now = 2 * LATENCY_MAX_AGE_MS;
      expect(await served(2)).toContain('broken');
    } finally {
      await gateway.close();
      await broken.close();
      await healthy.close();
    }
  });

  it('least-busy puts a deployment that fails fast (never busy) behind the healthy one, and tries it again once its failure is a minute old', async () => {
    const broken = await startMockOpenAI();
    const healthy = await startMockOpenAI();
    let now = 0;
    const gateway = await startRouterGateway(
      {
        providers: { broken: openaiAt(broken.url), healthy: openaiAt(healthy.url) },
        models: { idle: { strategy: 'least-busy', deployments: [{ target: 'broken/gpt-4o-mini' }, { target: 'healthy/gpt-4o-mini' }] } },
      },
      defineRoute({ clock: () => now }),
    );
    const served = async (count: number) => {
      const providers: string[] = [];
      for (let index = 0; index < count; index++) {
        const { status, headers } = await gateway.chat({ model: 'idle' });
        expect(status).toBe(200);
        providers.push(headers.get('x-switchyard-provider')!);
      }
      return providers;
    };
    try {
      for (let index = 0; index < 40; index++) broken.enqueue({ error: 'server_error' });
      // A failing deployment has nothing in flight: it must not be taken for the idlest one. Asked at most once.
      expect(await served(20)).toEqual(Array(20).fill('healthy'));
      expect(broken.requests.length).toBeLessThanOrEqual(1);

      // It recovers; a minute after its failure it is in the draw again.
      broken.reset();
      now = 2 * LATENCY_MAX_AGE_MS;
      const later = await served(20);
      expect(later).toContain('broken');
    } finally {
      await gateway.close();
      await broken.close();
      await healthy.close();
    }
  });

  it.each(['least-latency', 'least-busy', 'cheapest'])('%s never sends a request to a standby (weight 0) while the deployment before it serves', async (strategy) => {
    const gateway = await startRouterGateway({
      providers: { primary: { use: 'mock', latency_ms: 50 }, standby: { use: 'mock' } },
      models: {
        // The standby is the cheaper one, and never measured nor busy: every strategy would put it first but for its weight.
        guarded: {
          strategy,
          deployments: [
            { target: 'primary/echo', price: { input: 10, output: 10 } },
            { target: 'standby/echo', weight: 0, price: { input: 0.1, output: 0.1 } },
          ],
        },
      },
    });
    try {
      const served: string[] = [];
      for (let index = 0; index < 3; index++) served.push((await gateway.chat({ model: 'guarded' })).headers.get('x-switchyard-provider')!);
      // At once: the primary has calls in flight, the standby none.
      const together = await Promise.all(Array.from({ length: 4 }, () => gateway.chat({ model: 'guarded' })));
      served.push(...together.map(({ headers }) => headers.get('x-switchyard-provider')!));
      expect(served).toEqual(Array(7).fill('primary'));
    } finally {
      await gateway.close();
    }
  });

  it("cheapest orders by the price of 1,000 input and 1,000 output tokens, not by a prompt cache write's dearer rate", async () => {
    // From the catalog: Claude 3.5 Haiku $0.80 in, $4 out ($4.80 a million of each; a one-hour cache write is $1.60),
    // o4-mini $1.10 in, $4.40 out ($5.50).
    const gateway = await startRouterGateway({
      providers: { openai: { use: 'mock' }, anthropic: { use: 'mock' } },
      models: { thrifty: { strategy: 'cheapest', deployments: [{ target: 'openai/o4-mini' }, { target: 'anthropic/claude-3-5-haiku' }] } },
    });
    try {
      const { status, headers } = await gateway.chat({ model: 'thrifty' });
      expect(status).toBe(200);
      expect(headers.get('x-switchyard-model')).toBe('anthropic/claude-3-5-haiku');
    } finally {
      await gateway.close();
    }
  });

  it('a group whose only deployment is behind an unknown provider fails at start', async () => {
    await expect(
      startRouterGateway({ models: { broken: { deployments: [{ target: 'nowhere/model' }] }, other: { deployments: [{ target: 'mock/echo' }], fallbacks: ['missing'] } } }),
    ).rejects.toSatisfy((error: unknown) => {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((problem) => problem.path)).toEqual([
        '/models/broken/deployments/0/target',
        '/models/other/fallbacks/0',
      ]);
      return true;
    });
  });
});

describe('an attempt_timeout_ms at or past its timeout_ms', () => {
  it('is allowed (it never applies), and said once at start: the key, both values and the model', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const gateway = await startRouterGateway(
      {
        models: {
          equal: { deployments: [{ target: 'mock/echo' }], timeout_ms: 1000, attempt_timeout_ms: 1000 },
          // timeout_ms defaults to 120000.
          past: { deployments: [{ target: 'mock/echo' }], attempt_timeout_ms: 200000 },
          shorter: { deployments: [{ target: 'mock/echo' }], timeout_ms: 1000, attempt_timeout_ms: 999 },
        },
      },
      defaultRoute,
      logger,
    );
    try {
      expect((await gateway.chat({ model: 'equal' })).status).toBe(200);
    } finally {
      await gateway.close();
    }
    const warnings = lines.map((line) => (JSON.parse(line) as { msg: string }).msg).filter((msg) => msg.includes('attempt_timeout_ms'));
    expect(warnings).toEqual([
      'attempt_timeout_ms never applies where it is not shorter than timeout_ms (the deadline ends the attempt first, and no other deployment is tried): ' +
        "/models/equal/attempt_timeout_ms 1000 ms, timeout_ms 1000 ms of 'equal'; /models/past/attempt_timeout_ms 200000 ms, timeout_ms 120000 ms of 'past'",
    ]);
  });
});

describe('smart routing', () => {
  let gateway: RouterGateway;
  beforeAll(async () => {
    gateway = await startRouterGateway({
      providers: { mock: {}, premium: { use: 'mock' }, tools: { use: 'mock' } },
      models: { cheap: 'mock/echo' },
      chain: [
        'auth',
        {
          route: {
            smart: {
              rules: [
                { when: { header: { name: 'x-tier', equals: 'premium' } }, use: 'premium/echo' },
                { when: { has_tools: true }, use: 'tools/echo' },
                { use: 'cheap' },
              ],
            },
          },
        },
        'adapter',
      ],
    });
  });
  afterAll(() => gateway.close());

  it('routes `auto` by the first matching rule, the last being the default', async () => {
    const plain = await gateway.chat({ model: 'auto' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('x-switchyard-route')).toBe('auto->cheap');
    expect(plain.headers.get('x-switchyard-model')).toBe('mock/echo');

    const premium = await gateway.chat({ model: 'auto' }, { 'x-tier': 'premium' });
    expect(premium.headers.get('x-switchyard-route')).toBe('auto->premium/echo');

    const tools = await gateway.chat({
      model: 'auto',
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }],
    });
    expect(tools.headers.get('x-switchyard-provider')).toBe('tools');
  });

  it('refuses, at start, rules that can never be chosen: each named by its path, saying why', async () => {
    const rules = [
      { when: { min_prompt_tokens: 5000, max_prompt_tokens: 100 }, use: 'mock/echo' },
      { when: { header: { name: 'x tier', equals: 'premium' } }, use: 'mock/echo' },
      { use: 'mock/echo' },
      { when: { has_tools: true }, use: 'mock/echo' },
      { use: 'mock/echo' },
    ];
    await expect(startRouterGateway({ chain: ['auth', { route: { smart: { rules } } }, 'adapter'] })).rejects.toSatisfy((error: unknown) => {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        { path: '/chain/1/route/smart/rules/0/when', message: 'min_prompt_tokens 5000 is above max_prompt_tokens 100: the rule never matches' },
        {
          path: '/chain/1/route/smart/rules/1/when/header/name',
          message: "is not an HTTP header name (letters, digits and !#$%&'*+.^_`|~-): no request carries it, so the rule never matches",
        },
        {
          path: '/chain/1/route/smart/rules/2',
          message: 'a rule without `when` matches every request: the 2 rule(s) after it are never used; only the last rule may have none',
        },
      ]);
      return true;
    });
    // Equal bounds are a range of one size, and a header name of any case is one: both are taken.
    const taken = await startRouterGateway({
      chain: ['auth', { route: { smart: { rules: [{ when: { min_prompt_tokens: 3, max_prompt_tokens: 3, header: { name: 'X-Tier', equals: 'a' } }, use: 'mock/echo' }, { use: 'mock/echo' }] } } }, 'adapter'],
    });
    await taken.close();
  });

  it('refuses a rule list whose last rule has a condition, at start', async () => {
    await expect(
      startRouterGateway({ chain: ['auth', { route: { smart: { rules: [{ when: { has_tools: true }, use: 'mock/echo' }] } } }, 'adapter'] }),
    ).rejects.toBeInstanceOf(ConfigError);
  });
});
