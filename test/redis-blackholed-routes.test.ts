import { findRedis, freshRedisPrefix, startTcpRelay, type TcpRelay } from '@switchyard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const redis = await findRedis();

/**
 * One gateway whose every Redis user (key-change notices, the rate limiter, the response
 * cache, shared circuit breakers) is on one Redis that stops answering mid-session: its
 * open connections frozen, new ones accepted and never answered. Each call must end with
 * its documented answer; no timing is asserted, the test's own timeout is the bound.
 */
describe.skipIf(!redis.available)('Redis that stops answering mid-session, every Redis user of one gateway on it', () => {
  const url = redis.available ? redis.url : '';
  let relay: TcpRelay | undefined;
  let gateway: TestGateway | undefined;

  afterEach(async () => {
    await gateway?.close();
    await relay?.close();
    gateway = undefined;
    relay = undefined;
  });

  async function start(onError: 'fail-open' | 'fail-closed'): Promise<{ gateway: TestGateway; relay: TcpRelay }> {
    const target = new URL(url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
    const viaRelay = relay.urlFor(url);
    gateway = await startTestGateway({
      providers: { mock: {} },
      storage: { use: 'sqlite', path: ':memory:' },
      chain: [
        { auth: { invalidation: { use: 'redis', url: viaRelay, channel: `${freshRedisPrefix()}key-changes` } } },
        'key-scope',
        { 'rate-limit': { limits: { global: { rpm: 1000 } }, store: { use: 'redis', url: viaRelay, key_prefix: freshRedisPrefix(), on_error: onError } } },
        { cache: { store: { use: 'redis', url: viaRelay, key_prefix: freshRedisPrefix() } } },
        { 'circuit-breaker': { shared: { use: 'redis', url: viaRelay, key_prefix: freshRedisPrefix() } } },
        'route',
        'adapter',
      ],
    });
    return { gateway, relay };
  }

  const admin = { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' };

  async function createKey(origin: string): Promise<{ id: string; secret: string }> {
    const response = await fetch(`${origin}/admin/keys`, { method: 'POST', headers: admin, body: JSON.stringify({ name: 'walker' }) });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { key: { id: string }; secret: string };
    return { id: body.key.id, secret: body.secret };
  }

  async function chat(origin: string, secret: string, stream = false) {
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', stream, messages: [{ role: 'user', content: `hello ${Math.random()}` }] }),
    });
    const text = await response.text();
    return { status: response.status, retryAfter: response.headers.get('retry-after'), cache: response.headers.get('x-switchyard-cache'), text };
  }

  /** Admin writes announce the change over Redis pub/sub: a silent Redis loses the notice, never the write. */
  async function adminWrites(origin: string, id: string) {
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${origin}/admin/keys${path}`, { method, headers: admin, ...(body !== undefined && { body: JSON.stringify(body) }) });
      await response.arrayBuffer();
      return `${method} ${path} ${response.status}`;
    };
    return [
      await call('POST', '', { name: 'during' }),
      await call('PATCH', `/${id}`, { name: 'renamed' }),
      await call('POST', `/${id}/rotate`, {}),
      await call('POST', `/${id}/revoke`),
    ];
  }

  it('fail-closed: model calls 429 rate_limit_exceeded with Retry-After 1, admin writes answered, /health 503 degraded, close() ends', async () => {
    const { gateway, relay } = await start('fail-closed');
    const key = await createKey(gateway.origin);
    expect((await chat(gateway.origin, key.secret)).status).toBe(200); // every connection open and in use
    await relay.setMode('blackhole');

    for (const stream of [false, true]) {
      const answer = await chat(gateway.origin, key.secret, stream);
      expect({ status: answer.status, retryAfter: answer.retryAfter, error: JSON.parse(answer.text).error }).toEqual({
        status: 429,
        retryAfter: '1',
        error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null, message: expect.stringContaining('rate-limit store is unreachable') },
      });
    }
    expect(await adminWrites(gateway.origin, key.id)).toEqual([
      'POST  201',
      `PATCH /${key.id} 200`,
      `POST /${key.id}/rotate 200`,
      `POST /${key.id}/revoke 200`,
    ]);
    const health = await fetch(`${gateway.origin}/health`);
    expect(health.status).toBe(503);
    const checks = ((await health.json()) as { checks: Record<string, { healthy: boolean }> }).checks;
    expect(checks['rate_limit_store']).toMatchObject({ healthy: false });
  });

  it('fail-open: model calls served without the limiter and the cache (a MISS), admin writes answered, close() ends', async () => {
    const { gateway, relay } = await start('fail-open');
    const key = await createKey(gateway.origin);
    expect((await chat(gateway.origin, key.secret)).status).toBe(200);
    await relay.setMode('blackhole');

    for (const stream of [false, true]) {
      const answer = await chat(gateway.origin, key.secret, stream);
      expect({ status: answer.status, cache: answer.cache }).toEqual({ status: 200, cache: 'MISS' });
    }
    expect(await adminWrites(gateway.origin, key.id)).toEqual([
      'POST  201',
      `PATCH /${key.id} 200`,
      `POST /${key.id}/rotate 200`,
      `POST /${key.id}/revoke 200`,
    ]);
    const health = await fetch(`${gateway.origin}/health`);
    const checks = ((await health.json()) as { checks: Record<string, { reachable?: boolean }> }).checks;
    expect(checks['cache']).toMatchObject({ reachable: false });
  });
});
