import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { sendAndHangUp, type HangUp } from './support/send-and-hang-up.js';

const epoch = new Date(0).toISOString();
let upstream: MockOpenAI;
/** Answers 200 with a usage and choices the gateway cannot read: billed upstream, then the fallback serves. */
let garbled: MockOpenAI;
let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  upstream = await startMockOpenAI();
  garbled = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-budget-ledger-')) },
    providers: {
      // OpenAI in, OpenAI out: the fast path; the other dialects are translated to it.
      openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url },
      flaky: { use: 'mock', failure_rate: 0.5, chunk_delay_ms: 2 },
      steady: { use: 'mock', chunk_delay_ms: 2 },
      garbled: { use: 'openai', api_key: 'sk-test-garbled-0123', base_url: garbled.url },
    },
    models: {
      story: { deployments: [{ target: 'flaky/echo' }], retries: { attempts: 1 }, fallbacks: ['steady/echo'] },
      patchy: { deployments: [{ target: 'garbled/gpt-4o-mini' }], retries: { attempts: 0 }, fallbacks: ['steady/echo'] },
    },
    // Prices with fractions of a micro-dollar per token.
    prices: { 'flaky/echo': { input: 3.3, output: 7.7 }, 'steady/echo': { input: 11.1, output: 13.3 }, 'openai/gpt-4o-mini': { input: 0.15, output: 0.6 }, 'garbled/gpt-4o-mini': { input: 2.2, output: 4.4 } },
    chain: ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', { cache: { bill_hits: true } }, 'route', 'adapter'],
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await garbled.close();
});

const createKey = (limitUsd: number) => createBudgetedKey(gateway, limitUsd, 'agree');

const send = (secret: string, endpoint: string, body: unknown, hangUp: HangUp) => sendAndHangUp(gateway, secret, endpoint, body, hangUp);

const garbledAnswer = {
  id: 'chatcmpl-garbled',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: 'not an object', finish_reason: 'stop' }],
  usage: { prompt_tokens: 321, completion_tokens: 77, total_tokens: 398 },
};

const requestArbitrary = fc.record({
  endpoint: fc.constantFrom('chat/completions', 'messages', 'responses'),
  model: fc.constantFrom('story', 'steady/echo', 'flaky/echo', 'openai/gpt-4o-mini', 'patchy'),
  stream: fc.boolean(),
  hangUp: fc.constantFrom<HangUp>('never', 'before-headers', 'first-chunk', 'third-chunk'),
  words: fc.integer({ min: 1, max: 60 }),
  /** The same question each time: a cache hit after the first, billed like the call it replays. */
  repeated: fc.boolean(),
  /** Sent without waiting for the one before (never one hung up before its headers: that waits for the gateway to have it). */
  concurrent: fc.boolean(),
});

describe('budgets and the ledger', () => {
  it('property: whatever mix of dialects, streams, hang-ups, retries, fallbacks (after an answer billed but unreadable too) and billed cache hits, a key spends in its budget what the ledger charges it, to the micro-dollar', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArbitrary, { minLength: 1, maxLength: 8 }), fc.constantFrom(0.002, 0.05, 5), async (requests, limitUsd) => {
        const key = await createKey(limitUsd);
        const running: Promise<void>[] = [];
        for (const [index, sent] of requests.entries()) {
          const content = sent.repeated ? 'the same question' : Array.from({ length: sent.words }, (_, word) => `w${index}x${word}`).join(' ');
          const body =
            sent.endpoint === 'responses'
              ? { model: sent.model, stream: sent.stream, max_output_tokens: 200, input: content }
              : { model: sent.model, stream: sent.stream, max_tokens: 200, messages: [{ role: 'user', content }] };
          if (sent.hangUp === 'before-headers') {
            // It hangs up once the gateway has a request in flight: that must be this one.
            await Promise.all(running);
            await expect.poll(() => gateway.gateway.activeRequests).toBe(0);
          }
          // Every answer of that upstream is the same, so concurrent requests may take them in any order; one
          // left over (its breaker open, the client gone first) answers a later request the same way.
          if (sent.model === 'patchy') garbled.enqueue({ status: 200, body: garbledAnswer });
          const answered = send(key.secret, sent.endpoint, body, sent.hangUp);
          if (sent.concurrent && sent.hangUp !== 'before-headers') running.push(answered);
          else await answered;
        }
        await Promise.all(running);
        const mine = () => records.filter((record) => record.keyId === key.id);
        await expect.poll(() => mine().length).toBe(requests.length);
        const budgets = gateway.gateway.runtime.storage!.budgets;
        await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
        // The budget carries what costs beyond whole micro-dollars to the next request: it spends the ledger's sum, less under one micro-dollar.
        const ledgerNanos = mine().reduce((sum, record) => sum + Math.round(record.costUsd * 1_000_000_000), 0);
        expect(Number.isSafeInteger(ledgerNanos)).toBe(true);
        expect(Math.round((await budgets.spent(`key:${key.id}`, epoch)) * 1_000_000)).toBe(Math.floor(ledgerNanos / 1000));
      }),
      { numRuns: 25 },
    );
  }, 120_000);
});
