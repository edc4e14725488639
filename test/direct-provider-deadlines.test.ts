import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineProvider, type ChatResponse, type StreamPart } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { sseData } from './support/sse-data.js';

/**
 * A direct provider plugin (its own SDK, an in-process model) that ignores its abort
 * signal and never settles held the client's request for good: no answer, no usage
 * record, the budget hold kept. It is held to the deadlines an HTTP upstream has
 * (timeouts.headersMs to the answer or first part, timeouts.bodyMs between parts) and
 * answered as an HTTP upstream's timeout is.
 */
const never = new Promise<never>(() => undefined);
const signals: AbortSignal[] = [];

const answer: ChatResponse = {
  id: 'fine-1',
  model: 'fine',
  created: 0,
  content: [{ type: 'text', text: 'fine' }],
  finishReason: { unified: 'stop' },
  usage: { inputTokens: 3, outputTokens: 1 },
};

const stuck = defineProvider({
  name: 'stuck',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      complete: (call) => {
        signals.push(call.signal);
        return call.model.startsWith('fine') ? Promise.resolve(answer) : never;
      },
      async *stream(call): AsyncGenerator<StreamPart> {
        signals.push(call.signal);
        if (call.model.startsWith('stall')) {
          yield { type: 'stream-start', id: 's', model: 'stall', created: 0 };
          yield { type: 'text-delta', delta: 'first words' };
        }
        await never;
      },
    },
    embeddings: {
      embed: (call) => {
        signals.push(call.signal);
        return never;
      },
    },
    timeouts: { headersMs: 300, bodyMs: 300 },
  }),
});

let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;
let key: { id: string; secret: string };
const epoch = new Date(0).toISOString();

beforeAll(async () => {
  gateway = await startTestGateway(
    {
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-direct-deadlines-')) },
      storage: { use: 'sqlite' },
      providers: { stuck: {} },
      models: {
        'never-then-fine': { deployments: [{ target: 'stuck/never-3' }], retries: { attempts: 0 }, fallbacks: ['stuck/fine'] },
      },
      prices: Object.fromEntries(['never-1', 'never-2', 'never-3', 'never-4', 'stall-1', 'fine'].map((model) => [`stuck/${model}`, { input: 1, output: 1 }])),
      log: { level: 'silent' },
    },
    { plugins: [stuck] },
  );
  records = recordQueue(gateway);
  key = await createBudgetedKey(gateway, 10, 'direct-deadlines');
});
afterAll(() => gateway?.close());

const chat = (model: string, stream: boolean) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
    body: JSON.stringify({ model, stream, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
  });

const reserved = () => gateway.gateway.runtime.storage!.budgets.reserved(`key:${key.id}`, epoch);

describe('a direct provider plugin that never settles', () => {
  it('answers a whole request 504 upstream_timeout, aborts the plugin, writes the record and releases the hold', async () => {
    const record = records.next();
    const response = await chat('stuck/never-1', false);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      error: { message: 'The stuck upstream did not answer in time.', type: 'server_error', code: 'upstream_timeout', param: null },
    });
    expect(signals.at(-1)?.aborted).toBe(true);
    expect((signals.at(-1)?.reason as { code?: string }).code).toBe('upstream_timeout');
    expect(await record).toMatchObject({ status: 504, errorCode: 'upstream_timeout', keyId: key.id });
    await expect.poll(reserved).toBe(0);
  });

  it('answers a stream that never sends its first part 504 before it begins', async () => {
    const record = records.next();
    const response = await chat('stuck/never-2', true);
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    expect(signals.at(-1)?.aborted).toBe(true);
    expect(await record).toMatchObject({ status: 504, errorCode: 'upstream_timeout', stream: true });
    await expect.poll(reserved).toBe(0);
  });

  it('ends a stream that stalls after its first part with the in-stream upstream_timeout event, and records it', async () => {
    const record = records.next();
    const response = await chat('stuck/stall-1', true);
    expect(response.status).toBe(200);
    const text = await response.text();
    const events = sseData(text);
    expect(events).not.toContain('[DONE]');
    expect(text).toContain('first words');
    expect(JSON.parse(events.at(-1)!)).toEqual({
      error: { message: 'The stuck upstream stopped sending its answer.', type: 'server_error', code: 'upstream_timeout', param: null },
    });
    expect(signals.at(-1)?.aborted).toBe(true);
    const finished = await record;
    expect(finished).toMatchObject({ status: 200, errorCode: 'upstream_timeout' });
    // What was generated before the stall is billed, as for a cut HTTP stream.
    expect(finished.usage!.outputTokens).toBeGreaterThan(0);
    await expect.poll(reserved).toBe(0);
  });

  it('is a retryable timeout: the fallback serves, as after an HTTP upstream timeout', async () => {
    const record = records.next();
    const response = await chat('never-then-fine', false);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('fine');
    expect(response.headers.get('x-switchyard-model')).toBe('stuck/fine');
    const finished = await record;
    expect(finished.attempts.map((attempt) => attempt.errorCode)).toEqual(['upstream_timeout', undefined]);
    await expect.poll(reserved).toBe(0);
  });

  it('answers embeddings that never come 504 upstream_timeout, recorded', async () => {
    const record = records.next();
    const response = await fetch(`${gateway.baseURL}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'stuck/never-4', input: 'hi' }),
    });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    expect(signals.at(-1)?.aborted).toBe(true);
    expect(await record).toMatchObject({ status: 504, errorCode: 'upstream_timeout', endpoint: 'embeddings' });
    await expect.poll(reserved).toBe(0);
  });
});
