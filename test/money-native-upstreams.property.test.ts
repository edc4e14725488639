import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { RequestRecord } from '@switchyard/core';
import { startMockAnthropic, startMockGemini, startMockOpenAI, type MockAnthropic, type MockGemini, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { sendAndHangUp, type HangUp } from './support/send-and-hang-up.js';

const epoch = new Date(0).toISOString();
let anthropic: MockAnthropic;
let gemini: MockGemini;
let gateway: TestGateway;
let openai: MockOpenAI;
const records: RequestRecord[] = [];

beforeAll(async () => {
  anthropic = await startMockAnthropic();
  gemini = await startMockGemini();
  openai = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-money-native-')) },
    providers: {
      anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: anthropic.url },
      gemini: { api_key: 'AIza-native-test-abcdefgh', base_url: gemini.url },
      openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url },
    },
    models: {
      vectors: { deployments: [{ target: 'openai/text-embedding-3-small' }], retries: { attempts: 0 }, fallbacks: ['gemini/text-embedding-004'] },
      either: { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 }, fallbacks: ['gemini/gemini-2.5-flash'] },
    },
    prices: { 'anthropic/claude-sonnet-4-5': { input: 3.3, output: 7.7, cached_input: 0.33, cache_write: 4.1 }, 'gemini/gemini-2.5-flash': { input: 0.15, output: 0.6 }, 'openai/text-embedding-3-small': { input: 0.0213, output: 0 }, 'gemini/text-embedding-004': { input: 0.0377, output: 0 } },
    chain: ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', { cache: { bill_hits: true } }, 'route', 'adapter'],
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(async () => {
  await gateway.close();
  await anthropic.close();
  await gemini.close();
  await openai.close();
});

const send = (secret: string, endpoint: string, body: unknown, hangUp: HangUp) => sendAndHangUp(gateway, secret, endpoint, body, hangUp);

const requestArbitrary = fc.record({
  endpoint: fc.constantFrom('chat/completions', 'messages', 'responses', 'embeddings'),
  model: fc.constantFrom('anthropic/claude-sonnet-4-5', 'gemini/gemini-2.5-flash', 'either'),
  stream: fc.boolean(),
  hangUp: fc.constantFrom<HangUp>('never', 'before-headers', 'first-chunk', 'third-chunk'),
  words: fc.integer({ min: 1, max: 60 }),
  repeated: fc.boolean(),
  firstFails: fc.boolean(),
  cacheCounts: fc.boolean(),
});

describe('budgets and the ledger on native upstreams', () => {
  it('property: Anthropic (fast path and translated), Gemini and embeddings, streams, hang-ups, fallbacks and billed cache hits: the budget spends what the ledger charges, to the micro-dollar', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(requestArbitrary, { minLength: 1, maxLength: 6 }), fc.constantFrom(0.002, 0.05, 5), async (requests, limitUsd) => {
        const key = await createBudgetedKey(gateway, limitUsd, 'native');
        for (const [index, sent] of requests.entries()) {
          const content = sent.repeated ? 'the same question' : Array.from({ length: sent.words }, (_, word) => `w${index}x${word}`).join(' ');
          const body =
            sent.endpoint === 'embeddings'
              ? { model: sent.firstFails ? 'vectors' : 'openai/text-embedding-3-small', input: [content, content + ' again'] }
              : sent.endpoint === 'responses'
              ? { model: sent.model, stream: sent.stream, max_output_tokens: 200, input: content }
              : { model: sent.model, stream: sent.stream, max_tokens: 200, messages: [{ role: 'user', content }] };
          await expect.poll(() => gateway.gateway.activeRequests).toBe(0);
          const usage = sent.cacheCounts ? { prompt_tokens: 900, cached_tokens: 500, cache_write_tokens: 300, completion_tokens: 40 } : undefined;
          if (sent.model === 'either' && sent.firstFails) anthropic.enqueue({ error: 'overloaded' });
          else anthropic.enqueue({ reply: { content: `answer ${content} `.repeat(8), ...(usage && { usage }) }, stream: { chunkDelayMs: 2 } });
          gemini.enqueue({ reply: { content: `answer ${content} `.repeat(8) }, stream: { chunkDelayMs: 2 } });
          if (sent.endpoint === 'embeddings' && sent.firstFails) openai.enqueue({ error: 'server_error' });
          await send(key.secret, sent.endpoint, body, sent.hangUp);
        }
        const mine = () => records.filter((record) => record.keyId === key.id);
        await expect.poll(() => mine().length).toBe(requests.length);
        const budgets = gateway.gateway.runtime.storage!.budgets;
        await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
        const ledgerNanos = mine().reduce((sum, record) => sum + Math.round(record.costUsd * 1_000_000_000), 0);
        for (const record of mine()) expect(Number.isFinite(record.costUsd)).toBe(true);
        expect(Math.round((await budgets.spent(`key:${key.id}`, epoch)) * 1_000_000)).toBe(Math.floor(ledgerNanos / 1000));
      }),
      { numRuns: 25 },
    );
  }, 180_000);
});
