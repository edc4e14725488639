import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { findRedis, freshRedisPrefix, redisWorkCommands, startTcpRelay } from '@switchyard/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { chat, keys, listen, rateLimitedGateway } from './support/rate-limited-gateway.js';

const redis = await findRedis();

/** The part of GET /health these tests read. */
interface HealthBody {
  checks: { rate_limit_store: unknown };
}

/** A TCP relay to Redis that the test can cut, as if Redis had stopped mid-run. */
async function relayTo(url: string): Promise<{ url: string; stop(): Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}${target.pathname}`,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/**
 * Sends until a request was counted in Redis (its limit header says so), and returns it.
 * With a 200 ms command timeout, a loaded machine's stalled event loop can leave Redis's
 * first answer unread past it, and that request fails open or closed as configured,
 * which is what the cases test later, on purpose; before Redis stops, each case first
 * waits for an answer that arrived in time.
 */
async function untilCounted(send: () => Promise<Response>): Promise<Response> {
  let counted: Response | undefined;
  await expect
    .poll(
      async () => {
        const response = await send();
        await response.arrayBuffer();
        if (response.headers.get('x-ratelimit-limit-requests') === '1000') counted = response;
        return counted !== undefined;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  return counted!;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.skipIf(!redis.available)('Redis stops in the middle of a run', () => {
  it.each(['fail-open', 'fail-closed'] as const)('%s: the configured behaviour from then on, and no crash', async (onError) => {
    const relay = await relayTo((redis as { url: string }).url);
    const gateway = await rateLimitedGateway({
      scopes: { alice: { rpm: 1000 } },
      rateLimit: {
        store: { use: 'redis', url: relay.url, key_prefix: freshRedisPrefix(), on_error: onError, connect_timeout_ms: 200, command_timeout_ms: 200 },
      },
    });
    const server = await listen(gateway.app);
    cleanups.push(async () => {
      await server.close();
      await gateway.close();
      await relay.stop();
    });
    const send = () =>
      fetch(`${server.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
        body: JSON.stringify(chat()),
      });

    const before = await untilCounted(send);
    expect(before.status).toBe(200);

    await relay.stop(); // Redis is gone for this gateway, mid-run
    const after = await Promise.all(Array.from({ length: 5 }, () => send()));
    for (const response of after) {
      await response.arrayBuffer();
      if (onError === 'fail-open') {
        expect(response.status).toBe(200);
        expect(response.headers.get('x-ratelimit-limit-requests')).toBeNull();
      } else {
        expect(response.status).toBe(429);
        expect(response.headers.get('retry-after')).toBe('1');
      }
    }
    const health = await fetch(`${server.origin}/health`);
    expect(((await health.json()) as HealthBody).checks.rate_limit_store).toMatchObject({ backend: 'redis', reachable: false, healthy: onError === 'fail-open' });
  });
});

describe.skipIf(!redis.available)('Redis accepts but stops answering (blackholed) in the middle of a run', () => {
  it.each(['fail-open', 'fail-closed'] as const)('%s: the configured behaviour, and /health says whether requests are refused', async (onError) => {
    const target = new URL((redis as { url: string }).url);
    const relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
    const gateway = await rateLimitedGateway({
      scopes: { alice: { rpm: 1000 } },
      rateLimit: {
        store: { use: 'redis', url: relay.urlFor(target.toString()), key_prefix: freshRedisPrefix(), on_error: onError, connect_timeout_ms: 200, command_timeout_ms: 200 },
      },
    });
    const server = await listen(gateway.app);
    cleanups.push(async () => {
      await server.close();
      await gateway.close();
      await relay.close();
    });
    const send = () =>
      fetch(`${server.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
        body: JSON.stringify(chat()),
      });
    expect((await untilCounted(send)).status).toBe(200);
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);

    await relay.setMode('blackhole'); // the socket stays open: ioredis still says 'ready'
    const after = await send();
    await after.arrayBuffer();
    expect(after.status).toBe(onError === 'fail-open' ? 200 : 429);
    const health = await fetch(`${server.origin}/health`);
    const body = (await health.json()) as HealthBody;
    expect(body.checks.rate_limit_store).toEqual({ backend: 'redis', reachable: false, healthy: onError === 'fail-open' });
    // Fail-closed refuses everything: the instance must not look healthy to a load balancer.
    expect(health.status).toBe(onError === 'fail-open' ? 200 : 503);

    await relay.setMode('pass'); // back: the next request that gets through clears the state
    await expect.poll(async () => {
      const response = await send();
      await response.arrayBuffer();
      return response.status;
    }, { timeout: 10_000 }).toBe(200);
    expect((await fetch(`${server.origin}/health`)).status).toBe(200);
  });
});

describe.skipIf(!redis.available)('Redis blackholed for a while under fail-open', () => {
  it('one request waits out the command timeout, the ones after it do not ask Redis at all; once Redis answers, limits apply again', async () => {
    const target = new URL((redis as { url: string }).url);
    const relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
    const gateway = await rateLimitedGateway({
      scopes: { alice: { rpm: 1000 } },
      rateLimit: {
        store: { use: 'redis', url: relay.urlFor(target.toString()), key_prefix: freshRedisPrefix(), on_error: 'fail-open', connect_timeout_ms: 200, command_timeout_ms: 200 },
      },
    });
    const server = await listen(gateway.app);
    cleanups.push(async () => {
      await server.close();
      await gateway.close();
      await relay.close();
    });
    const send = async () => {
      const response = await fetch(`${server.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
        body: JSON.stringify(chat()),
      });
      await response.arrayBuffer();
      return { status: response.status, limited: response.headers.get('x-ratelimit-limit-requests') };
    };
    // Counted in Redis before it stops answering (a first answer may miss the timeout on a loaded machine).
    await expect.poll(async () => await send(), { timeout: 10_000 }).toEqual({ status: 200, limited: '1000' });

    await relay.setMode('blackhole'); // the socket stays open: ioredis still says 'ready'
    for (let index = 0; index < 8; index++) expect(await send()).toEqual({ status: 200, limited: null });
    // Counted on the wire, not timed: of the 8 checks only the first reached
    // Redis (and waited out command_timeout_ms); its timeout dropped the
    // connection, so the others failed open at once. Reconnect attempts send only
    // their setup (CLIENT SETNAME …), which goes unanswered too.
    const checks = relay.swallowed().flatMap(({ bytes }) => redisWorkCommands(bytes));
    expect(checks.map(([name]) => name)).toEqual(['evalsha']);
    const health = (await (await fetch(`${server.origin}/health`)).json()) as HealthBody;
    expect(health.checks.rate_limit_store).toEqual({ backend: 'redis', reachable: false, healthy: true });

    await relay.setMode('pass');
    await expect.poll(async () => (await send()).limited, { timeout: 10_000 }).toBe('1000');
    expect(((await (await fetch(`${server.origin}/health`)).json()) as HealthBody).checks.rate_limit_store).toEqual({ backend: 'redis', reachable: true, healthy: true });
  });
});
