import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createGateway, createLogger, type Gateway } from '@switchyard/core';
import auth from '@switchyard/policy-keys';
import route from '@switchyard/policy-router';
import mock from '@switchyard/provider-mock';
import openai from '@switchyard/provider-openai';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import circuitBreaker from '../src/index.js';

const masterKey = 'sy-master-test-key-0123456789abcdef';
const model = 'openai/gpt-4o-mini';

interface Running {
  origin: string;
  gateway: Gateway;
  upstream: MockOpenAI;
  server: Server;
}

const running: Running[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const { gateway, upstream, server } of running.splice(0)) {
    await gateway.close({ drainTimeoutMs: 1000 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await upstream.close();
  }
});

/** A gateway on a loopback port in front of a mock OpenAI upstream, with the breaker before the route step. */
async function start(breakerOptions: Record<string, unknown>): Promise<Running> {
  const upstream = await startMockOpenAI();
  const gateway = await createGateway(
    {
      master_key: masterKey,
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      // Configured, so GET /health names its breaker (a name nobody configured or listed is only counted).
      models: { chat: model },
      chain: ['auth', { 'circuit-breaker': breakerOptions }, 'route', 'adapter'],
    },
    { plugins: [auth, route, mock, openai, circuitBreaker], logger: createLogger({ level: 'silent' }) },
  );
  const server = express().use(gateway.router).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const started = { origin, gateway, upstream, server };
  running.push(started);
  return started;
}

async function chat(origin: string, extra: Record<string, unknown> = {}) {
  const response = await fetch(`${origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
  });
  const text = await response.text();
  return { status: response.status, text, code: response.ok ? undefined : (JSON.parse(text) as { error: { code: string; message: string } }).error };
}

interface HealthBody {
  status: string;
  checks: { circuit_breakers: { healthy: boolean; breakers: Record<string, { state: string; failures: number; successes: number; rejects: number; fires: number }> } };
}

async function health(origin: string) {
  const response = await fetch(`${origin}/health`);
  return { status: response.status, body: (await response.json()) as HealthBody };
}

/** Sends requests until the deployment's breaker is open; the route step may retry within each. */
async function failUntilOpen(origin: string): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const result = await chat(origin);
    expect(result.status).toBeGreaterThanOrEqual(500);
    if ((await health(origin)).body.checks.circuit_breakers.breakers[model]?.state === 'open') return;
  }
  throw new Error('the circuit never opened');
}

// The route step may retry an attempt (and its breaker counts each one), so these
// tests count what the upstream received, not what the client sent.
//
// The reset timeout passes when the test says so, not on the wall clock: with a real
// 1 s timeout, a loaded machine took over a second for the four "refused" requests and
// the health check, the circuit went half-open in between, and a refusal became the
// probe. opossum starts one timer of reset_timeout_ms when a circuit opens; the test
// holds the timers of this (otherwise unused) length and runs them in passResetTimeout().
const resetMs = 7_777_777;
const heldResets = new Map<unknown, () => void>();
afterEach(() => heldResets.clear());

function holdResetTimers(): void {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
    if (delay !== resetMs) return realSetTimeout(callback, delay, ...args);
    // A timer that never fires (opossum unrefs it), for opossum to clear on close or shutdown.
    const timer = realSetTimeout(() => undefined, 2 ** 31 - 1);
    heldResets.set(timer, () => callback(...args));
    return timer;
  }) as typeof setTimeout);
  vi.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
    heldResets.delete(timer);
    realClearTimeout(timer);
  });
}

/** The reset timeout of every open circuit passes now. */
function passResetTimeout(): void {
  expect(heldResets.size).toBeGreaterThan(0);
  const due = [...heldResets.values()];
  heldResets.clear();
  for (const fire of due) fire();
}

describe('the circuit-breaker step in a gateway', () => {
  it('stops calling a failing upstream after the threshold, then lets exactly one probe through after the reset timeout', async () => {
    holdResetTimers();
    const { origin, upstream } = await start({ volume_threshold: 3, reset_timeout_ms: resetMs });
    for (let i = 0; i < 10; i++) upstream.enqueue({ error: 'server_error' });

    await failUntilOpen(origin);
    // Three failed attempts of three: the minimum volume, all failures.
    expect(upstream.requests).toHaveLength(3);

    // Open: refused at once, the upstream hears nothing.
    for (let i = 0; i < 4; i++) {
      const refused = await chat(origin);
      expect(refused.status).toBe(503);
      expect(refused.code).toMatchObject({ code: 'upstream_overloaded', message: `circuit open for ${model}` });
    }
    expect(upstream.requests).toHaveLength(3);
    const open = await health(origin);
    expect(open.status).toBe(503);
    expect(open.body.status).toBe('degraded');
    expect(open.body.checks.circuit_breakers).toMatchObject({
      healthy: false,
      breakers: { [model]: { state: 'open', failures: 3, successes: 0 } },
    });
    expect(open.body.checks.circuit_breakers.breakers[model]!.rejects).toBeGreaterThanOrEqual(4);

    // However long that took, the circuit stayed open: only the reset timeout ends it.
    expect((await health(origin)).body.checks.circuit_breakers.breakers[model]?.state).toBe('open');
    passResetTimeout();
    expect((await health(origin)).body.checks.circuit_breakers.breakers[model]?.state).toBe('half-open');

    // Half-open: of several concurrent requests one probes the upstream (which answers, slowly).
    upstream.reset();
    upstream.enqueue({ delayMs: 150 });
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => chat(origin)));
    expect(upstream.requests).toHaveLength(1);
    expect(concurrent.map((result) => result.status).sort()).toEqual([200, 503, 503, 503]);

    const closed = await health(origin);
    expect(closed.status).toBe(200);
    expect(closed.body.checks.circuit_breakers).toMatchObject({ healthy: true, breakers: { [model]: { state: 'closed' } } });
    expect((await chat(origin)).status).toBe(200);
    expect(upstream.requests).toHaveLength(2);
  });

  it("answers an open circuit with a Retry-After of the time left before its probe, a day at most", async () => {
    holdResetTimers();
    const { origin, upstream } = await start({ volume_threshold: 3, reset_timeout_ms: resetMs });
    for (let i = 0; i < 10; i++) upstream.enqueue({ error: 'server_error' });
    await failUntilOpen(origin);
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_overloaded');
    // The reset timeout is 7,777 s; what is left of it, whole seconds, at least 1.
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil(resetMs / 1000));
    expect(Number.isInteger(retryAfter)).toBe(true);
  });

  it('reopens when the half-open probe fails', async () => {
    holdResetTimers();
    const { origin, upstream } = await start({ volume_threshold: 2, reset_timeout_ms: resetMs });
    upstream.enqueue({ error: 'overloaded' }, { error: 'rate_limit' }, { error: 'server_error' }, { error: 'server_error' });
    await failUntilOpen(origin);
    expect(upstream.requests).toHaveLength(2);
    passResetTimeout();
    expect((await chat(origin)).status).toBeGreaterThanOrEqual(500); // the probe, and whatever the route made of it
    expect(upstream.requests).toHaveLength(3);
    expect((await health(origin)).body.checks.circuit_breakers.breakers[model]?.state).toBe('open');
    expect((await chat(origin)).code?.message).toBe(`circuit open for ${model}`);
    expect(upstream.requests).toHaveLength(3);
  });

  it("never opens on 400s from the upstream: they are the client's own errors", async () => {
    const { origin, upstream } = await start({ volume_threshold: 2 });
    for (let i = 0; i < 6; i++) upstream.enqueue({ error: 'bad_request' });
    for (let i = 0; i < 6; i++) expect((await chat(origin)).status).toBe(400);
    expect(upstream.requests).toHaveLength(6);
    const { status, body } = await health(origin);
    expect(status).toBe(200);
    expect(body.checks.circuit_breakers.breakers[model]).toMatchObject({ state: 'closed', failures: 0, fires: 6 });
  });

  it('counts a stream that fails before its first event, not one that fails after it began', async () => {
    const { origin, upstream } = await start({ volume_threshold: 100 });
    upstream.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2 } });
    const late = await chat(origin, { stream: true });
    expect(late.status).toBe(200); // the stream had begun: the error is inside it
    expect(late.text).toContain('error');
    expect((await health(origin)).body.checks.circuit_breakers.breakers[model]).toMatchObject({ failures: 0, successes: 1 });

    upstream.enqueue({ stream: { cutAfterEvents: 0 } });
    await chat(origin, { stream: true }); // a retry by the route step may still serve it
    expect((await health(origin)).body.checks.circuit_breakers.breakers[model]).toMatchObject({ failures: 1 });
  });

  it('reports an empty, healthy section before any request', async () => {
    const { origin } = await start({});
    const { status, body } = await health(origin);
    expect(status).toBe(200);
    expect(body.checks.circuit_breakers).toEqual({ healthy: true, breakers: {} });
  });

  it('refuses options outside the schema at start', async () => {
    await expect(start({ error_threshold_percentage: 150 })).rejects.toMatchObject({
      problems: [expect.objectContaining({ path: '/chain/1/circuit-breaker/error_threshold_percentage' })],
    });
    await expect(start({ deployments: { 'openai/*': { reset_ms: 5 } } })).rejects.toMatchObject({
      problems: [expect.objectContaining({ path: expect.stringContaining('/chain/1/circuit-breaker/deployments') })],
    });
  });
});
