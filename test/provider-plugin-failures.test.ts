import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineProvider, type StreamPart } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { sseData } from './support/sse-data.js';

/**
 * A provider plugin's own code failing with a plain error: an HTTP adapter's
 * buildRequest throwing on a request it did not expect, a direct operation throwing
 * what its SDK threw. The plugin runs inside the gateway, so the answer is a 500
 * internal_error, but one naming the provider, with no stack and no secret, the
 * plugin's words (redacted) in the error-level log line, the request recorded and its
 * budget hold released; and, as for other provider failures, the next deployment or
 * fallback is tried, while the deployment's circuit breaker does not count it (one
 * client's request shape must not take a deployment away from every other client).
 */
const providerKey = 'sk-brittle-Q7w8E9r0T1y2U3i4O5p6';
const otherKey = 'sk-proj-Zq8hV3nK5tW1xY7bR2cJ9mL4pD6fG0sA';
const crash = () => new TypeError(`Cannot read properties of undefined (reading 'parts') with ${providerKey}, header Bearer ${otherKey}`);

const brittle = defineProvider<{ api_key: string }>({
  name: 'brittle',
  optionsSchema: { type: 'object', properties: { api_key: { type: 'string' } } },
  create: (options) => ({
    chat: {
      buildRequest: () => {
        throw crash();
      },
      parseResponse: () => {
        throw new Error('never reached');
      },
      createStreamDecoder: () => ({ decode: () => [], end: () => [] }),
    },
    secrets: [options.api_key],
  }),
});

const sdk = defineProvider<{ api_key: string }>({
  name: 'sdk',
  optionsSchema: { type: 'object', properties: { api_key: { type: 'string' } } },
  create: (options) => ({
    chat: {
      complete: async () => {
        throw crash();
      },
      async *stream(call): AsyncGenerator<StreamPart> {
        if (call.model === 'midway') {
          yield { type: 'stream-start', id: 's', model: 'midway', created: 0 };
          yield { type: 'text-delta', delta: 'first words' };
        }
        throw crash();
      },
    },
    secrets: [options.api_key],
  }),
});

/**
 * An upstream that starts a stream and then holds it open, telling when the gateway
 * lets its request go. A plugin whose createStreamDecoder threw left the body
 * unread: the connection stayed until the body timeout (120 s by default).
 */
let held: Server;
let heldOrigin: string;
let heldReleased = false;

const brittleDecoder = defineProvider({
  name: 'brittle-decoder',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      buildRequest: () => ({ origin: heldOrigin, path: '/stream', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      parseResponse: () => {
        throw new Error('never reached');
      },
      createStreamDecoder: () => {
        throw crash();
      },
    },
  }),
});

let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;
let key: { id: string; secret: string };
const epoch = new Date(0).toISOString();

beforeAll(async () => {
  held = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"choices":[]}\n\n');
    res.on('close', () => (heldReleased = true));
  });
  held.listen(0, '127.0.0.1');
  await once(held, 'listening');
  heldOrigin = `http://127.0.0.1:${(held.address() as AddressInfo).port}`;
  gateway = await startTestGateway(
    {
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-plugin-failures-')) },
      storage: { use: 'sqlite' },
      providers: { brittle: { api_key: providerKey }, sdk: { api_key: providerKey }, 'brittle-decoder': {}, mock: {} },
      models: {
        'brittle-once': { deployments: [{ target: 'brittle/m' }], retries: { attempts: 0 } },
        'sdk-once': { deployments: [{ target: 'sdk/m' }], retries: { attempts: 0 } },
        'decoder-once': { deployments: [{ target: 'brittle-decoder/m' }], retries: { attempts: 0 } },
        'midway-once': { deployments: [{ target: 'sdk/midway' }], retries: { attempts: 0 } },
        'brittle-then-mock': { deployments: [{ target: 'brittle/m' }], retries: { attempts: 0 }, fallbacks: ['mock/echo'] },
        'sdk-then-mock': { deployments: [{ target: 'sdk/m' }], retries: { attempts: 0 }, fallbacks: ['mock/echo'] },
      },
      prices: Object.fromEntries(['brittle/m', 'sdk/m', 'sdk/midway', 'brittle-decoder/m', 'mock/echo'].map((model) => [model, { input: 1, output: 1 }])),
    },
    { plugins: [brittle, sdk, brittleDecoder] },
  );
  records = recordQueue(gateway);
  key = await createBudgetedKey(gateway, 10, 'plugin-failures');
});
afterAll(async () => {
  await gateway?.close();
  held?.closeAllConnections();
  await new Promise((resolve) => held?.close(resolve));
});

const chat = (model: string, stream = false) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
    body: JSON.stringify({ model, stream, max_tokens: 10, messages: [{ role: 'user', content: 'hi there' }] }),
  });

const reserved = () => gateway.gateway.runtime.storage!.budgets.reserved(`key:${key.id}`, epoch);

/** The error-level lines logged since `from`, parsed. */
const errorLines = (from: number) =>
  gateway.logLines
    .slice(from)
    .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string; stack: string }; requestId?: string })
    .filter((line) => line.level >= 50);

function expectNoSecret(text: string): void {
  for (const secret of [providerKey, otherKey, providerKey.slice(-12), otherKey.slice(-12)]) expect(text).not.toContain(secret);
}

describe('a provider plugin whose own code throws a plain error', () => {
  it.each([
    ['brittle-once', 'brittle', false],
    ['sdk-once', 'sdk', false],
    ['sdk-once', 'sdk', true],
  ] as const)('%s via %s (stream: %s): 500 internal_error naming the provider, the plugin words redacted in the log, recorded, hold released', async (model, provider, stream) => {
    const logged = gateway.logLines.length;
    const record = records.next();
    const response = await chat(model, stream);
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(JSON.parse(text)).toEqual({
      error: { message: `The ${provider} provider's plugin failed on this request.`, type: 'server_error', code: 'internal_error', param: null },
    });
    expect(text).not.toContain(' at ');
    expectNoSecret(text);
    expect(await record).toMatchObject({ status: 500, errorCode: 'internal_error', provider, keyId: key.id });
    await expect.poll(reserved).toBe(0);
    const lines = errorLines(logged);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.msg).toBe('request failed inside the gateway');
    // The plugin's own words and where it threw, for whoever fixes it; no secret.
    expect(JSON.stringify(lines[0])).toContain("Cannot read properties of undefined (reading 'parts')");
    expect(JSON.stringify(lines[0])).toContain('provider-plugin-failures.test.ts');
    expectNoSecret(gateway.logLines.slice(logged).join('\n'));
  });

  it('ends a direct stream that throws after it began with the in-stream internal_error event, logged with the plugin words at error level', async () => {
    const logged = gateway.logLines.length;
    const record = records.next();
    const response = await chat('midway-once', true);
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = sseData(text);
    expect(text).toContain('first words');
    expect(events).not.toContain('[DONE]');
    expect(JSON.parse(events.at(-1)!)).toEqual({
      error: { message: "The sdk provider's plugin failed on this request.", type: 'server_error', code: 'internal_error', param: null },
    });
    expectNoSecret(text);
    expect(await record).toMatchObject({ status: 200, errorCode: 'internal_error' });
    await expect.poll(reserved).toBe(0);
    const lines = errorLines(logged);
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines[0])).toContain("Cannot read properties of undefined (reading 'parts')");
    expectNoSecret(gateway.logLines.slice(logged).join('\n'));
  });

  it.each(['brittle-then-mock', 'sdk-then-mock'])('%s: the fallback serves, as after any other provider failure', async (model) => {
    const record = records.next();
    const response = await chat(model);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe('mock/echo');
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    expect((await record).attempts.map((attempt) => attempt.errorCode)).toEqual(['internal_error', undefined]);
  });

  it("does not count against the deployment's circuit breaker", async () => {
    const health = (await (await fetch(`${gateway.origin}/health`)).json()) as {
      checks: { circuit_breakers: { breakers: Record<string, { state: string; failures: number; successes: number; fires: number }> } };
    };
    // The plugin's own failure says nothing of the upstream: neither a failure nor a success, not even a fire.
    const breaker = health.checks.circuit_breakers.breakers['brittle/m']!;
    expect(breaker).toMatchObject({ state: 'closed', failures: 0, successes: 0, fires: 0 });
  });

  it('lets the upstream connection go when a stream decoder cannot be made, instead of holding it until the body timeout', async () => {
    const record = records.next();
    const response = await chat('decoder-once', true);
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe("The brittle-decoder provider's plugin failed on this request.");
    expect(await record).toMatchObject({ errorCode: 'internal_error' });
    await expect.poll(() => heldReleased).toBe(true);
  });

  it('is not tried again after a backoff on the same deployment: no retry round mends a plugin bug', async () => {
    const record = records.next();
    // A bare provider/model: the default two retry rounds.
    const response = await chat('brittle/m');
    expect(response.status).toBe(500);
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
    expect((await record).attempts).toHaveLength(1);
  });
});
