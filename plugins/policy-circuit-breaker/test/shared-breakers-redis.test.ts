import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, createLogger, type Gateway } from '@switchyard/core';
import auth from '@switchyard/policy-keys';
import route from '@switchyard/policy-router';
import mock from '@switchyard/provider-mock';
import openai from '@switchyard/provider-openai';
import { findRedis, freshRedisPrefix, refusedPort, startMockOpenAI, startTcpRelay, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import circuitBreaker from '../src/index.js';

const redis = await findRedis();
const masterKey = 'sy-master-test-key-0123456789abcdef';
const primary = 'openai/gpt-4o-mini';
const backup = 'backup/gpt-4o-mini';
// Outlasts the time one request takes on a loaded machine, so a circuit cannot go
// half-open between the steps of the test that rely on it being open.
const resetMs = 3000;

interface Instance {
  origin: string;
  gateway: Gateway;
  logLines: string[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upstream(): Promise<MockOpenAI> {
  const started = await startMockOpenAI();
  cleanups.push(() => started.close());
  return started;
}

/**
 * One gateway instance on a loopback port: `smart` tries the primary deployment
 * first and the backup second (no retry rounds), through a circuit breaker that
 * shares its state at `redisUrl` under `keyPrefix`.
 */
async function instance(primaryUpstream: MockOpenAI, backupUpstream: MockOpenAI, redisUrl: string, keyPrefix: string): Promise<Instance> {
  const logLines: string[] = [];
  const gateway = await createGateway(
    {
      master_key: masterKey,
      providers: {
        openai: { api_key: 'sk-test-primary-0123', base_url: primaryUpstream.url },
        backup: { use: 'openai', api_key: 'sk-test-backup-0123', base_url: backupUpstream.url },
      },
      models: {
        smart: {
          strategy: 'priority',
          deployments: [
            { target: primary, priority: 0 },
            { target: backup, priority: 1 },
          ],
          retries: { attempts: 0 },
        },
      },
      chain: [
        'auth',
        {
          'circuit-breaker': {
            volume_threshold: 3,
            reset_timeout_ms: resetMs,
            shared: { use: 'redis', url: redisUrl, key_prefix: keyPrefix, connect_timeout_ms: 300, command_timeout_ms: 300, refresh_interval_ms: 200 },
          },
        },
        'route',
        'adapter',
      ],
    },
    {
      plugins: [auth, route, mock, openai, circuitBreaker],
      logger: createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(line) } }),
    },
  );
  const server: Server = express().use(gateway.router).listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(async () => {
    await gateway.close({ drainTimeoutMs: 1000 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, gateway, logLines };
}

async function chat(origin: string) {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await response.json()) as { model?: string; error?: { code: string } };
  return { status: response.status, body };
}

interface BreakersSection {
  healthy: boolean;
  breakers: Record<string, { state: string; rejects: number }>;
  unlisted?: { closed: number; open: number; 'half-open': number };
  shared: { backend: string; reachable: boolean; open: Record<string, { state: string; open_ms_left: number }> };
}

async function breakers(origin: string): Promise<{ status: number; section: BreakersSection }> {
  const response = await fetch(`${origin}/health`);
  const body = (await response.json()) as { checks: { circuit_breakers: BreakersSection } };
  return { status: response.status, section: body.checks.circuit_breakers };
}

/** Chat requests the upstream received (the model list is not counted). */
const chats = (upstream: MockOpenAI) => upstream.requests.filter((request) => request.path.endsWith('/chat/completions')).length;

/**
 * Polls until `condition` holds: the state it waits for is made by another
 * instance through Redis, which sends this process no event of its own.
 */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}

const sharedState = (origin: string, deployment: string) => async () => (await breakers(origin)).section.shared.open[deployment]?.state;

describe.skipIf(!redis.available)('shared breaker state between two gateways on one Redis (REDIS_URL)', () => {
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

  it('a circuit opened on one is skipped by the other, exactly one probe reaches the deployment across both, and its success closes it on both', async () => {
    const [failingPrimary, healthyBackup] = [await upstream(), await upstream()];
    const keyPrefix = prefix();
    const one = await instance(failingPrimary, healthyBackup, url, keyPrefix);
    const two = await instance(failingPrimary, healthyBackup, url, keyPrefix);
    failingPrimary.enqueue({ error: 'server_error' }, { error: 'server_error' }, { error: 'server_error' });

    // Three failures on instance one open its breaker; the backup serves each request.
    for (let i = 0; i < 3; i++) {
      const served = await chat(one.origin);
      expect(served.status).toBe(200);
    }
    expect(chats(failingPrimary)).toBe(3);
    expect((await breakers(one.origin)).section.breakers[primary]?.state).toBe('open');
    // The mark is written without holding the request: it lands just after.
    await until(async () => (await admin.exists(`${keyPrefix}open:${primary}`)) === 1, 'the open mark in Redis');
    // It lives for the open time plus as long again (the half-open hold).
    expect(await admin.pttl(`${keyPrefix}open:${primary}`)).toBeGreaterThan(resetMs);
    expect(await admin.pttl(`${keyPrefix}open:${primary}`)).toBeLessThanOrEqual(2 * resetMs);

    // Instance two learns it through pub/sub, and never calls the primary while it is open.
    const propagationMs = await until(async () => (await sharedState(two.origin, primary)()) === 'open', 'instance two to see the open mark');
    console.info(`[shared breaker] open mark seen by the other instance after ${propagationMs.toFixed(1)} ms (polling every 5 ms)`);
    for (let i = 0; i < 5; i++) {
      const served = await chat(two.origin);
      expect(served.status).toBe(200);
    }
    expect(chats(failingPrimary)).toBe(3);
    expect(chats(healthyBackup)).toBe(8);
    const seenByTwo = (await breakers(two.origin)).section;
    expect(seenByTwo.shared.reachable).toBe(true);
    expect(seenByTwo.breakers[primary]).toMatchObject({ state: 'open', rejects: 5 });

    // After the reset timeout: concurrent requests through both, one probe in all. The
    // probe is held long enough that every other request is answered while it is out.
    await until(async () => (await sharedState(one.origin, primary)()) === 'half-open' && (await sharedState(two.origin, primary)()) === 'half-open', 'both to go half-open', resetMs + 5000);
    failingPrimary.enqueue({ delayMs: 2500 });
    const burst = Promise.all(Array.from({ length: 8 }, (_, index) => chat((index % 2 === 0 ? one : two).origin)));
    await until(async () => chats(failingPrimary) === 4, 'the probe to reach the primary');
    for (const origin of [one.origin, two.origin, one.origin, two.origin]) expect((await chat(origin)).status).toBe(200);
    expect(chats(failingPrimary)).toBe(4);
    expect((await burst).map((served) => served.status)).toEqual(Array(8).fill(200));

    // The probe succeeded: closed on both, the mark gone from Redis, the primary serves again.
    await until(async () => (await breakers(one.origin)).section.breakers[primary]?.state === 'closed', 'instance one to close');
    await until(async () => (await breakers(two.origin)).section.breakers[primary]?.state === 'closed', 'instance two to close');
    expect(await admin.exists(`${keyPrefix}open:${primary}`, `${keyPrefix}probe:${primary}`)).toBe(0);
    const backupBefore = chats(healthyBackup);
    expect((await chat(one.origin)).status).toBe(200);
    expect((await chat(two.origin)).status).toBe(200);
    expect(chats(failingPrimary)).toBe(6);
    expect(chats(healthyBackup)).toBe(backupBefore);
  });

  it('a failed probe opens it again for both', async () => {
    const [failingPrimary, healthyBackup] = [await upstream(), await upstream()];
    const keyPrefix = prefix();
    const one = await instance(failingPrimary, healthyBackup, url, keyPrefix);
    const two = await instance(failingPrimary, healthyBackup, url, keyPrefix);
    failingPrimary.enqueue(...Array.from({ length: 4 }, () => ({ error: 'server_error' as const })));
    for (let i = 0; i < 3; i++) await chat(one.origin);
    await until(async () => (await sharedState(two.origin, primary)()) === 'half-open', 'instance two to see it half-open', resetMs + 5000);

    // Instance two (whose own breaker never saw a failure) probes, and the probe fails.
    expect((await chat(two.origin)).status).toBe(200);
    expect(chats(failingPrimary)).toBe(4);
    await until(async () => (await sharedState(one.origin, primary)()) === 'open', 'instance one to see it open again');
    for (const origin of [one.origin, two.origin, one.origin, two.origin]) expect((await chat(origin)).status).toBe(200);
    expect(chats(failingPrimary)).toBe(4);
  });

  it('Redis going silent mid-run: the probe claim times out and each instance falls back to its own breaker; when Redis answers again, sharing resumes', async () => {
    const target = new URL(url);
    const relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 6379) });
    cleanups.push(() => relay.close());
    const [failingPrimary, healthyBackup] = [await upstream(), await upstream()];
    const keyPrefix = prefix();
    const one = await instance(failingPrimary, healthyBackup, relay.urlFor(url), keyPrefix);
    const two = await instance(failingPrimary, healthyBackup, relay.urlFor(url), keyPrefix);
    failingPrimary.enqueue({ error: 'server_error' }, { error: 'server_error' }, { error: 'server_error' });
    for (let i = 0; i < 3; i++) await chat(one.origin);
    await until(async () => (await sharedState(two.origin, primary)()) === 'open', 'instance two to see the open mark');

    // Connections stay up but nothing answers any more.
    await relay.setMode('blackhole');
    await until(async () => (await breakers(two.origin)).section.shared.reachable === false, 'instance two to notice the silence');
    await until(async () => (await sharedState(two.origin, primary)()) === 'half-open', 'the mirrored mark to run out', resetMs + 5000);
    // Instance two's own breaker is closed: per process, its requests reach the primary again (which answers now).
    for (let i = 0; i < 3; i++) {
      const served = await chat(two.origin);
      expect(served.status).toBe(200);
      expect(served.body.model).toBe(primary);
    }
    expect(chats(failingPrimary)).toBe(6);
    expect(two.logLines.filter((line) => line.includes('shared state in Redis is unreachable'))).toHaveLength(1);

    // Redis back: both reconnect, resubscribe and share again.
    await relay.setMode('pass');
    for (const { origin } of [one, two]) await until(async () => (await breakers(origin)).section.shared.reachable, 'Redis to be reachable again', 10_000);
    failingPrimary.enqueue(...Array.from({ length: 20 }, () => ({ error: 'server_error' as const })));
    await until(async () => {
      await chat(two.origin);
      return (await sharedState(one.origin, primary)()) === 'open';
    }, 'instance one to see the circuit instance two opened');
    const before = chats(failingPrimary);
    for (let i = 0; i < 3; i++) expect((await chat(one.origin)).status).toBe(200);
    expect(chats(failingPrimary)).toBe(before);
  });

  it('an instance started after the circuit opened learns the mark from Redis before it calls the deployment', async () => {
    const [failingPrimary, healthyBackup] = [await upstream(), await upstream()];
    const keyPrefix = prefix();
    const one = await instance(failingPrimary, healthyBackup, url, keyPrefix);
    failingPrimary.enqueue({ error: 'server_error' }, { error: 'server_error' }, { error: 'server_error' });
    for (let i = 0; i < 3; i++) await chat(one.origin);
    await until(async () => (await admin.exists(`${keyPrefix}open:${primary}`)) === 1, 'the open mark in Redis');

    const late = await instance(failingPrimary, healthyBackup, url, keyPrefix);
    await until(async () => (await sharedState(late.origin, primary)()) === 'open', 'the new instance to read the mark');
    expect((await chat(late.origin)).status).toBe(200);
    expect(chats(failingPrimary)).toBe(3);
  });

  it('ignores marks and events for deployments it does not know, and writes none for made-up names', async () => {
    const [primaryUpstream, healthyBackup] = [await upstream(), await upstream()];
    const keyPrefix = prefix();
    const one = await instance(primaryUpstream, healthyBackup, url, keyPrefix);
    await until(async () => (await breakers(one.origin)).section.shared.reachable, 'Redis to be reachable');
    // Someone else on the Redis publishes garbage and marks for names this gateway does not track.
    const channel = `${keyPrefix}events`;
    await admin.publish(channel, '{"event":"open","deployment":"made-up/model","open_ms":60000,"hold_ms":60000}');
    await admin.publish(channel, '{"event":"open","deployment":"openai/gpt-4o-mini","open_ms":1e309,"hold_ms":1}');
    await admin.publish(channel, 'x'.repeat(10_000));
    await admin.set(`${keyPrefix}open:made-up/model`, '60000', 'PX', 120_000);
    await admin.zadd(`${keyPrefix}open-index`, Date.now() + 120_000, 'made-up/model');
    // A valid mark and event, as another instance writes them, sent last: once it is
    // seen, the messages before it were handled too (one connection, in order).
    await admin.set(`${keyPrefix}open:${backup}`, '60000', 'PX', 120_000);
    await admin.zadd(`${keyPrefix}open-index`, Date.now() + 120_000, backup);
    await admin.publish(channel, '{"event":"open","deployment":"backup/gpt-4o-mini","open_ms":60000,"hold_ms":60000}');
    await until(async () => (await sharedState(one.origin, backup)()) === 'open', 'the valid event');
    expect(Object.keys((await breakers(one.origin)).section.shared.open)).toEqual([backup]);
    expect((await chat(one.origin)).status).toBe(200);

    // A client asking for a name nobody configured or listed: its breaker opens locally, nothing reaches Redis.
    primaryUpstream.enqueue(...Array.from({ length: 9 }, () => ({ error: 'server_error' as const })));
    await until(async () => {
      const refused = await fetch(`${one.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/made-up-model', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(refused.status).toBeGreaterThanOrEqual(500);
      // Counted, not named: GET /health names no model a client made up.
      return (await breakers(one.origin)).section.unlisted?.open === 1;
    }, 'the made-up name to open its local breaker');
    // A known deployment opening afterwards: its mark goes over the same connection,
    // so once it is in Redis a mark for the made-up name would be too.
    primaryUpstream.enqueue(...Array.from({ length: 9 }, () => ({ error: 'server_error' as const })));
    await until(async () => {
      await chat(one.origin);
      return (await admin.exists(`${keyPrefix}open:${primary}`)) === 1;
    }, 'the primary to open');
    const keys = await admin.keys(`${keyPrefix}open:*`);
    expect(keys.sort()).toEqual([`${keyPrefix}open:${backup}`, `${keyPrefix}open:made-up/model`, `${keyPrefix}open:${primary}`]);
  });
});

describe('shared breaker state with Redis unreachable (a closed port)', () => {
  it('each instance keeps its own breaker, nothing crashes, /health says unreachable but healthy, one log line', async () => {
    const [failingPrimary, healthyBackup] = [await upstream(), await upstream()];
    const deadRedis = `redis://127.0.0.1:${await refusedPort()}`;
    const one = await instance(failingPrimary, healthyBackup, deadRedis, 'switchyard-test:dead:');
    const two = await instance(failingPrimary, healthyBackup, deadRedis, 'switchyard-test:dead:');
    failingPrimary.enqueue(...Array.from({ length: 6 }, () => ({ error: 'server_error' as const })));

    for (let i = 0; i < 4; i++) expect((await chat(one.origin)).status).toBe(200);
    expect(chats(failingPrimary)).toBe(3);
    expect((await breakers(one.origin)).section.breakers[primary]?.state).toBe('open');

    // Instance two never heard of it: per process, it finds out by itself.
    for (let i = 0; i < 4; i++) expect((await chat(two.origin)).status).toBe(200);
    expect(chats(failingPrimary)).toBe(6);
    for (const { origin, logLines } of [one, two]) {
      const { status, section } = await breakers(origin);
      // The backup's breaker is closed, so the gateway as a whole is healthy.
      expect(status).toBe(200);
      expect(section.healthy).toBe(true);
      expect(section.shared).toMatchObject({ backend: 'redis', reachable: false });
      expect(logLines.filter((line) => line.includes('shared state in Redis is unreachable'))).toHaveLength(1);
    }
  });
});
