import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { estimateEmbeddingsTokens, estimatePromptTokens, type ChatRequest, type RequestRecord } from '@switchyard/core';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { ledgerRow } from './support/ledger-row.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A client that hangs up before the first byte of its answer: the upstream had the
 * request (and has started reading the prompt) once it was sent, so the prompt's
 * estimate is billed, marked as estimated; a request never sent is billed $0.
 */

const epoch = new Date(0).toISOString();
// Without max_output of their own, these rates keep the model's (Claude Sonnet 4.5 writes 64,000 tokens: a $12.80 hold).
const rates = { input: 100, output: 200 };
// 400 letters and spaces: 100 tokens of text, 108 with the overheads.
const prompt = 'abcdefg '.repeat(50);
const canonical: ChatRequest = { model: 'x', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] };
const promptTokens = estimatePromptTokens(canonical);

let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;
/** A TCP server that takes connections and says nothing: a TLS handshake to it never ends. */
let silent: Server;
const silentSockets = new Set<Socket>();

beforeAll(async () => {
  openai = await startMockOpenAI();
  anthropic = await startMockAnthropic();
  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
    socket.on('error', () => undefined);
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  const silentPort = (silent.address() as AddressInfo).port;
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-aborts-first-byte-')) },
    providers: {
      openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url },
      anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: anthropic.url },
      // The connection fails after a second: the request was never sent.
      silent: { use: 'openai', api_key: 'sk-test-abcdefgh', base_url: `https://127.0.0.1:${silentPort}/v1`, timeouts: { connect_ms: 1000 } },
    },
    prices: { 'openai/gpt-4o-mini': rates, 'anthropic/claude-sonnet-4-5': rates, 'silent/gpt-4o-mini': rates },
    models: {
      'fast-once': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
      'translated-once': { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } },
      'silent-once': { deployments: [{ target: 'silent/gpt-4o-mini' }], retries: { attempts: 0 } },
      // The gateway gives up on the first deployment after 300 ms and falls back to the other.
      'impatient-once': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 }, attempt_timeout_ms: 300, fallbacks: ['translated-once'] },
    },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
  records = recordQueue(gateway);
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
  await anthropic.close();
  for (const socket of silentSockets) socket.destroy();
  silent.close();
});

/** Sends a request (chat unless told) and hangs up once `ready()` says the upstream is where the test wants it, before any answer. */
function sendAndHangUpWhen(secret: string, body: unknown, ready: () => boolean, endpoint = 'chat/completions', headers: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${gateway.baseURL}/${endpoint}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', ...headers },
    });
    req.on('response', (res) => {
      res.resume();
      reject(new Error(`answered ${res.statusCode} before the hang-up`));
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify(body));
    void (async () => {
      while (!ready()) await nextTurn();
      req.destroy();
      resolve();
    })();
  });
}

async function expectBilled(record: RequestRecord, keyId: string, expected: { inputTokens: number; estimated: boolean }) {
  const cost = (expected.inputTokens * rates.input) / 1_000_000;
  expect(record.status).toBe(499);
  expect(record.usage?.inputTokens ?? 0).toBe(expected.inputTokens);
  expect(record.usage?.outputTokens ?? 0).toBe(0);
  expect(record.costUsd).toBe(cost);
  expect(record.usageEstimated).toBe(expected.estimated);
  const budgets = gateway.gateway.runtime.storage!.budgets;
  await expect.poll(() => budgets.reserved(`key:${keyId}`, epoch)).toBe(0);
  expect(await budgets.spent(`key:${keyId}`, epoch)).toBeCloseTo(cost, 6);
  const row = await ledgerRow(gateway, record.id, keyId);
  expect(row.cost_usd).toBeCloseTo(cost, 6);
  expect(row.input_tokens).toBe(expected.inputTokens);
  expect(row.usage_estimated).toBe(expected.estimated);
}

const paths = [
  { name: 'fast path', model: 'fast-once', upstream: () => openai as MockOpenAI | MockAnthropic },
  { name: 'translated path', model: 'translated-once', upstream: () => anthropic as MockOpenAI | MockAnthropic },
] as const;

describe.each(paths)('a client hanging up before the first byte, $name', ({ model, upstream }) => {
  it.each([false, true])('stream: %s, while the upstream holds its headers, billed the prompt estimate, marked estimated', async (stream) => {
    const key = await createBudgetedKey(gateway, 100, `hang-${model}-${stream}`);
    const seen = upstream().requests.length;
    upstream().enqueue({ hang: true });
    const finished = records.next();
    await sendAndHangUpWhen(key.secret, { model, stream, messages: [{ role: 'user', content: prompt }] }, () => upstream().requests.length > seen);
    await expectBilled(await finished, key.id, { inputTokens: promptTokens, estimated: true });
  });

  it('stream: after the upstream sent its headers and no event, billed the prompt estimate, marked estimated', async () => {
    const key = await createBudgetedKey(gateway, 100, `headers-${model}`);
    const seen = upstream().requests.length;
    upstream().enqueue({ stream: { stallAfterEvents: 0 } });
    const finished = records.next();
    await sendAndHangUpWhen(key.secret, { model, stream: true, messages: [{ role: 'user', content: prompt }] }, () => upstream().requests.length > seen);
    await expectBilled(await finished, key.id, { inputTokens: promptTokens, estimated: true });
  });
});

describe('a client hanging up before the upstream request was sent', () => {
  // Each test's connection is its own: one left mid-handshake would take the next request.
  afterEach(() => {
    for (const socket of silentSockets) socket.destroy();
  });

  it.each([false, true])('stream: %s, while the upstream connection is still being made: billed nothing, not estimated', async (stream) => {
    const key = await createBudgetedKey(gateway, 100, `connect-${stream}`);
    const connected = silentSockets.size;
    const finished = records.next();
    await sendAndHangUpWhen(key.secret, { model: 'silent-once', stream, messages: [{ role: 'user', content: prompt }] }, () => silentSockets.size > connected);
    await expectBilled(await finished, key.id, { inputTokens: 0, estimated: false });
  });
});

describe.each(paths)('a stream after its first byte, $name', ({ model, upstream }) => {
  it('cut by the client before its final usage: billed the estimate, marked estimated; read to the end: the counts, not marked', async () => {
    const key = await createBudgetedKey(gateway, 100, `cut-${model}`);
    const words = Array.from({ length: 200 }, (_, index) => `word${index}`).join(' ');
    upstream().enqueue({ reply: { content: words }, stream: { chunkDelayMs: 5 } });
    upstream().enqueue({ reply: { content: 'done' } });
    const cut = records.next();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: prompt }] }),
    });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel();
    const cutRecord = await cut;
    expect(cutRecord.status).toBe(499);
    expect(cutRecord.usageEstimated).toBe(true);
    expect(cutRecord.costUsd).toBeGreaterThan(0);
    expect((await ledgerRow(gateway, cutRecord.id, key.id)).usage_estimated).toBe(true);

    const whole = records.next();
    const answer = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: prompt }] }),
    });
    await answer.text();
    const wholeRecord = await whole;
    expect(wholeRecord.status).toBe(200);
    expect(wholeRecord.usageEstimated).toBe(false);
    expect((await ledgerRow(gateway, wholeRecord.id, key.id)).usage_estimated).toBe(false);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo(cutRecord.costUsd + wholeRecord.costUsd, 6);
  });
});

describe('a whole answer without a usage the gateway can read', () => {
  it('is billed the estimate, marked estimated; the same answer with its usage is not', async () => {
    const key = await createBudgetedKey(gateway, 100, 'whole-unread');
    const answer = (usage?: unknown) => ({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
      ...(usage !== undefined && { usage }),
    });
    const send = async () => {
      const finished = records.next();
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast-once', messages: [{ role: 'user', content: prompt }] }),
      });
      expect(response.status).toBe(200);
      await response.text();
      return finished;
    };
    openai.enqueue({ body: answer() });
    const unread = await send();
    openai.enqueue({ body: answer({ prompt_tokens: 120, completion_tokens: 3, total_tokens: 123 }) });
    const counted = await send();
    expect(unread.usage?.inputTokens).toBe(promptTokens);
    expect(unread.usageEstimated).toBe(true);
    expect(counted.usage).toMatchObject({ inputTokens: 120, outputTokens: 3 });
    expect(counted.usageEstimated).toBe(false);
    expect((await ledgerRow(gateway, unread.id, key.id)).usage_estimated).toBe(true);
    expect((await ledgerRow(gateway, counted.id, key.id)).usage_estimated).toBe(false);
  });
});

describe('other endpoints hanging up after the upstream had the request, before any answer', () => {
  it('embeddings: billed the estimate of the input, marked estimated', async () => {
    const key = await createBudgetedKey(gateway, 100, 'hang-embeddings');
    const seen = openai.requests.length;
    openai.enqueue({ hang: true });
    const finished = records.next();
    await sendAndHangUpWhen(key.secret, { model: 'openai/text-embedding-3-small', input: [prompt, prompt] }, () => openai.requests.length > seen, 'embeddings');
    const record = await finished;
    const inputTokens = estimateEmbeddingsTokens({ model: 'x', input: [prompt, prompt] });
    expect(inputTokens).toBe(200);
    expect(record).toMatchObject({ status: 499, usageEstimated: true, usage: { inputTokens, outputTokens: 0 } });
    expect(record.costUsd).toBe((inputTokens * 0.02) / 1_000_000);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo(record.costUsd, 9);
  });

  it.each([false, true])('Anthropic messages, stream: %s, on the fast path: billed the prompt estimate, marked estimated', async (stream) => {
    const key = await createBudgetedKey(gateway, 100, `hang-messages-${stream}`);
    const seen = anthropic.requests.length;
    anthropic.enqueue({ hang: true });
    const finished = records.next();
    const body = { model: 'translated-once', stream, max_tokens: 100, messages: [{ role: 'user', content: prompt }] };
    await sendAndHangUpWhen(key.secret, body, () => anthropic.requests.length > seen, 'messages', { 'anthropic-version': '2023-06-01' });
    await expectBilled(await finished, key.id, { inputTokens: promptTokens, estimated: true });
  });
});

describe('an attempt the gateway gave up on after the upstream had the request', () => {
  it.each([false, true])('stream: %s, then served by the fallback: billed its prompt estimate beside the answer, marked estimated', async (stream) => {
    const key = await createBudgetedKey(gateway, 100, `impatient-${stream}`);
    openai.enqueue({ hang: true });
    anthropic.enqueue({ reply: { content: 'Hi.', usage: { prompt_tokens: 120, completion_tokens: 5 } } });
    const finished = records.next();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'impatient-once', stream, ...(stream && { stream_options: { include_usage: true } }), messages: [{ role: 'user', content: prompt }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const record = await finished;
    expect(record.attempts.map((attempt) => attempt.errorCode)).toEqual(['upstream_timeout', undefined]);
    // The fallback's answer and the abandoned prompt, each at its own price (the same rates here).
    const answerCost = (120 * rates.input + 5 * rates.output) / 1_000_000;
    const abandonedCost = (promptTokens * rates.input) / 1_000_000;
    expect(record.usage).toMatchObject({ inputTokens: 120 + promptTokens, outputTokens: 5 });
    expect(record.costUsd).toBeCloseTo(answerCost + abandonedCost, 12);
    expect(record.usageEstimated).toBe(true);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo(record.costUsd, 6);
  });
});
