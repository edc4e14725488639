import { afterEach, describe, expect, it } from 'vitest';
import { redisErrorReplies, startFakeRedis, type FakeRedis } from './support/fake-redis.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A Redis that answers, but refuses what the gateway asks: out of memory, a replica after a
 * failover, loading its dataset after a restart, unable to persist, stuck in a script. The
 * shared Redis cannot be made to say these without changing its config, so a fake one on
 * loopback (test/support/fake-redis.ts) answers the connection's setup and then each data
 * command with the error. Every Redis user of one gateway is on it: auth's key-change notices,
 * the rate limiter, the response cache, the shared circuit breakers. Each model call must get
 * its documented answer (the rate limiter's `on_error`; a cache MISS; breakers per process),
 * `/health` must say which store fails, never a 500 or a hang, and the Redis password is never
 * in a log line or an answer.
 */
const password = 'redis-pass-Hq7Zt3Vn9Kw2';
const refusals = ['OOM', 'READONLY', 'LOADING', 'MISCONF', 'BUSY'] as const;

let fake: FakeRedis | undefined;
let gateway: TestGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await fake?.close();
  gateway = undefined;
  fake = undefined;
});

async function start(refusal: keyof typeof redisErrorReplies, onError: 'fail-open' | 'fail-closed') {
  fake = await startFakeRedis(([name]) => (['client', 'auth', 'select', 'info', 'ping', 'quit', 'subscribe', 'unsubscribe'].includes(name!) ? undefined : { error: redisErrorReplies[refusal] }));
  const url = fake.url(password, 'default');
  gateway = await startTestGateway({
    providers: { mock: {} },
    storage: { use: 'sqlite', path: ':memory:' },
    chain: [
      { auth: { invalidation: { use: 'redis', url, channel: 'switchyard-key-changes' } } },
      'key-scope',
      { 'rate-limit': { limits: { global: { rpm: 1000 } }, store: { use: 'redis', url, key_prefix: 'rl:', on_error: onError } } },
      { cache: { store: { use: 'redis', url, key_prefix: 'cache:' } } },
      { 'circuit-breaker': { shared: { use: 'redis', url, key_prefix: 'cb:' } } },
      'route',
      'adapter',
    ],
  });
  return gateway;
}

const admin = { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' };

async function createKey(origin: string): Promise<string> {
  const response = await fetch(`${origin}/admin/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'refused-redis' }) });
  const text = await response.text();
  expect(response.status, text).toBe(201);
  return (JSON.parse(text) as { secret: string }).secret;
}

async function chat(origin: string, secret: string, stream: boolean) {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/echo', stream, messages: [{ role: 'user', content: 'hello' }] }),
  });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), cache: response.headers.get('x-switchyard-cache'), text };
}

async function health(origin: string) {
  const response = await fetch(`${origin}/health`);
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as { status: string; checks: Record<string, Record<string, unknown>> } };
}

/** The rate limiter's log lines about its store: they name the refusal, never "unreachable" (Redis answered). */
function expectStoreLinesNameRefusal(refusal: string) {
  const lines = gateway!.logLines.filter((line) => line.includes('rate-limit store'));
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line).not.toContain('unreachable');
    expect(line).toContain(`refusing commands (${refusal})`);
  }
}

/** The cache's and the shared breakers' lines: Redis answered, so none says it is unreachable; the breakers' names the refusal. */
function expectCacheAndBreakerLinesNameRefusal(refusal: string) {
  const lines = gateway!.logLines.filter((line) => line.includes('"msg":"cache: ') || line.includes('"msg":"circuit-breaker: '));
  for (const line of lines) expect(line).not.toContain('unreachable');
  const breakerLines = lines.filter((line) => line.includes('"msg":"circuit-breaker: '));
  expect(breakerLines.length).toBeGreaterThan(0);
  for (const line of breakerLines) expect(line).toContain(`refusing commands (${refusal})`);
}

function expectNoSecretOrCrash(texts: string[]) {
  const all = [...texts, ...gateway!.logLines].join('\n');
  expect(all).not.toContain(password);
  expect(all).not.toContain('"status":500');
  expect(all).not.toContain('internal_error');
}

describe.each(refusals)('every Redis user of one gateway on a Redis that answers %s', (refusal) => {
  it('fail-closed: model calls 429 rate_limit_exceeded with Retry-After 1, /health 503 degraded naming the rate-limit store', async () => {
    const { origin } = await start(refusal, 'fail-closed');
    const secret = await createKey(origin);
    const texts: string[] = [];
    for (const stream of [false, true]) {
      const answer = await chat(origin, secret, stream);
      texts.push(answer.text);
      expect({ status: answer.status, retryAfter: answer.retryAfter, error: JSON.parse(answer.text).error }).toEqual({
        status: 429,
        retryAfter: '1',
        error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null, message: expect.stringContaining(`rate-limit store is refusing commands (${refusal})`) },
      });
    }
    const seen = await health(origin);
    texts.push(seen.text);
    expect(seen.status).toBe(503);
    expect(seen.body.status).toBe('degraded');
    expect(seen.body.checks['rate_limit_store']).toMatchObject({ healthy: false, reachable: false, refusing: refusal });
    expectStoreLinesNameRefusal(refusal);
    expectNoSecretOrCrash(texts);
  });

  it('fail-open: model calls served without the limiter and the cache (a MISS); /health says which Redis users fail', async () => {
    const { origin } = await start(refusal, 'fail-open');
    const secret = await createKey(origin);
    const texts: string[] = [];
    for (const stream of [false, true, false]) {
      const answer = await chat(origin, secret, stream);
      texts.push(answer.text);
      expect({ status: answer.status, cache: answer.cache }).toEqual({ status: 200, cache: 'MISS' });
    }
    const seen = await health(origin);
    texts.push(seen.text);
    expect(seen.body.checks['rate_limit_store']).toMatchObject({ reachable: false, refusing: refusal });
    expectStoreLinesNameRefusal(refusal);
    // Before: `reachable: true` (its socket was up) while every lookup and write was refused.
    expect(seen.body.checks['cache']).toMatchObject({ reachable: false, refusing: refusal });
    expect(seen.body.checks['circuit_breakers']).toMatchObject({ shared: { reachable: false, refusing: refusal } });
    expectCacheAndBreakerLinesNameRefusal(refusal);
    expectNoSecretOrCrash(texts);
  });
});

describe('a Redis that no longer holds the rate limiter\'s script (NOSCRIPT: a restart, a failover, SCRIPT FLUSH)', () => {
  it('the script is sent again (EVAL) and the limit applies: 200 under fail-closed, /health ok', async () => {
    // One limit's answer from the script: allowed, the server's clock, its TAT and wait.
    fake = await startFakeRedis(([name]) => (name === 'evalsha' ? { error: redisErrorReplies.NOSCRIPT } : name === 'eval' ? [1, 1_000_000, 1_000_060, 0] : undefined));
    gateway = await startTestGateway({
      providers: { mock: {} },
      storage: { use: 'sqlite', path: ':memory:' },
      chain: ['auth', 'key-scope', { 'rate-limit': { limits: { global: { rpm: 1000 } }, store: { use: 'redis', url: fake.url(password, 'default'), key_prefix: 'rl:', on_error: 'fail-closed' } } }, 'route', 'adapter'],
    });
    const secret = await createKey(gateway.origin);
    // ioredis sends a connection's first call of the script whole (EVAL), the next ones by its SHA.
    const answers = [await chat(gateway.origin, secret, false), await chat(gateway.origin, secret, false)];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const work = fake.commands.map(([name]) => name).filter((name) => name === 'evalsha' || name === 'eval');
    expect(work).toEqual(['eval', 'evalsha', 'eval']);
    const seen = await health(gateway.origin);
    expect(seen.body.checks['rate_limit_store']).toMatchObject({ healthy: true, reachable: true });
    expectNoSecretOrCrash([...answers.map((answer) => answer.text), seen.text]);
  });
});

describe('a Redis that refused every command for a while (OOM past maxmemory), then answers again', () => {
  it('every Redis user takes it back: the rate limiter serves, and /health shows the cache and the shared breakers reachable, refusing nothing', async () => {
    fake = await startFakeRedis(([name]) => (['client', 'auth', 'select', 'info', 'ping', 'quit', 'subscribe', 'unsubscribe'].includes(name!) ? undefined : { error: redisErrorReplies.OOM }));
    const url = fake.url(password, 'default');
    gateway = await startTestGateway({
      providers: { mock: {} },
      storage: { use: 'sqlite', path: ':memory:' },
      chain: [
        'auth',
        { 'rate-limit': { limits: { global: { rpm: 1000 } }, store: { use: 'redis', url, key_prefix: 'rl:', on_error: 'fail-closed' } } },
        { cache: { store: { use: 'redis', url, key_prefix: 'cache:' } } },
        // A faster refresh than the default 1 s, so the breakers have every chance to notice.
        { 'circuit-breaker': { shared: { use: 'redis', url, key_prefix: 'cb:', refresh_interval_ms: 50 } } },
        'route',
        'adapter',
      ],
    });
    const call = () =>
      fetch(`${gateway!.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hello' }] }),
      });
    expect((await call()).status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await health(gateway!.origin)).body.checks['circuit_breakers']).toMatchObject({ shared: { reachable: false, refusing: 'OOM' } });
    // Memory freed: Redis does the work again. The rate limiter's script answers one limit allowed, the
    // breakers' read of their marks none, a cache lookup nothing, a write OK.
    fake!.answerWith(([name, script]) => {
      if (name === 'evalsha') return [1, '1000000', '1000060', '0'];
      if (name === 'eval') return script!.includes('ZRANGE') ? [] : script!.includes('epsilon') ? [1, '1000000', '1000060', '0'] : 1;
      if (name === 'get') return null;
      if (name === 'set') return { status: 'OK' };
      return undefined;
    });
    expect((await call()).status).toBe(200);
    // Ten refresh intervals.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const seen = await health(gateway!.origin);
    expect(seen.body.checks['rate_limit_store']).toEqual({ healthy: true, backend: 'redis', reachable: true });
    expect(seen.body.checks['cache']).toMatchObject({ reachable: true });
    expect(seen.body.checks['cache']).not.toHaveProperty('refusing');
    // Before: the breakers sent nothing more to a Redis that had refused once, so they stayed per process for good.
    expect(seen.body.checks['circuit_breakers']).toMatchObject({ shared: { reachable: true } });
    expect((seen.body.checks['circuit_breakers'] as { shared: object }).shared).not.toHaveProperty('refusing');
  });
});

describe('a Redis in cluster mode (a managed Redis with cluster mode on, one shard or more): a script over several keys is refused CROSSSLOT', () => {
  it('fail-closed: the 429, its warning and /health name the refusal (CROSSSLOT), not an unreachable Redis', async () => {
    // One key at a time works (the cache's GET and SET); the rate limiter's script over a key's and the gateway's limits does not.
    fake = await startFakeRedis(([name]) =>
      name === 'eval' || name === 'evalsha' ? { error: redisErrorReplies.CROSSSLOT } : name === 'get' ? null : name === 'set' ? { status: 'OK' } : undefined,
    );
    gateway = await startTestGateway({
      providers: { mock: {} },
      storage: { use: 'sqlite', path: ':memory:' },
      chain: [
        'auth',
        'key-scope',
        { 'rate-limit': { limits: { global: { rpm: 1000 }, models: { 'mock/*': { rpm: 1000 } } }, store: { use: 'redis', url: fake.url(password, 'default'), key_prefix: 'rl:', on_error: 'fail-closed' } } },
        'route',
        'adapter',
      ],
    });
    const secret = await createKey(gateway.origin);
    const answer = await chat(gateway.origin, secret, false);
    // Before: "the rate-limit store is unreachable", though Redis answered every command.
    expect({ status: answer.status, message: JSON.parse(answer.text).error.message }).toEqual({
      status: 429,
      message: expect.stringContaining('rate-limit store is refusing commands (CROSSSLOT)'),
    });
    const seen = await health(gateway.origin);
    expect(seen.body.checks['rate_limit_store']).toMatchObject({ healthy: false, reachable: false, refusing: 'CROSSSLOT' });
    expectStoreLinesNameRefusal('CROSSSLOT');
    expectNoSecretOrCrash([answer.text, seen.text]);
  });
});

describe('a Redis restarting with a large dataset: it answers the connection\'s INFO loading:1 until it has read it', () => {
  it('fail-closed: the 429 and /health say LOADING, not unreachable; once loaded, requests are served and the breakers shared', async () => {
    let loading = true;
    const info = () => `# Server\r\nredis_version:7.2.4\r\nredis_mode:standalone\r\n# Persistence\r\nloading:${loading ? 1 : 0}\r\nloading_eta_seconds:1\r\n`;
    // The rate limiter's script answers one limit allowed, the breakers' read of their marks none.
    fake = await startFakeRedis(([name, script]) =>
      name === 'info' ? info() : name === 'evalsha' ? [1, '1000000', '1000060', '0'] : name === 'eval' ? (script!.includes('ZRANGE') ? [] : [1, '1000000', '1000060', '0']) : undefined,
    );
    const url = fake.url(password, 'default');
    gateway = await startTestGateway({
      providers: { mock: {} },
      storage: { use: 'sqlite', path: ':memory:' },
      chain: [
        'auth',
        { 'rate-limit': { limits: { global: { rpm: 1000 } }, store: { use: 'redis', url, key_prefix: 'rl:', on_error: 'fail-closed' } } },
        { 'circuit-breaker': { shared: { use: 'redis', url, key_prefix: 'cb:', refresh_interval_ms: 50 } } },
        'route',
        'adapter',
      ],
    });
    const call = () =>
      fetch(`${gateway!.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hello' }] }),
      });
    const refused = await call();
    const text = await refused.text();
    // Before: "the rate-limit store is unreachable" for as long as Redis read its dataset.
    expect({ status: refused.status, message: JSON.parse(text).error.message }).toEqual({ status: 429, message: expect.stringContaining('refusing commands (LOADING)') });
    const seen = await health(gateway.origin);
    expect(seen.body.checks['rate_limit_store']).toMatchObject({ healthy: false, reachable: false, refusing: 'LOADING' });
    loading = false;
    await expect.poll(async () => (await call()).status, { timeout: 10_000, interval: 200 }).toBe(200);
    expect((await health(gateway.origin)).body.checks['rate_limit_store']).toEqual({ healthy: true, backend: 'redis', reachable: true });
    // The breakers' event subscriber sends no command that does work: its ready check alone says the load is over.
    await expect.poll(async () => (await health(gateway!.origin)).body.checks['circuit_breakers'], { timeout: 5000 }).toMatchObject({ shared: { reachable: true } });
    expectNoSecretOrCrash([text, seen.text]);
  });
});
