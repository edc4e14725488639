import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineProvider, GatewayError, type ChatResponse, type RequestRecord, type Usage } from '@switchyard/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A provider plugin's failed attempt may say what the provider billed for it (`billedUsage`
 * on the GatewayError it throws). Built from an upstream's usage read unchecked, it can be
 * anything: it reaches the request's record and its budget only as whole counts, as a
 * plugin's answer's usage does.
 */
const hostileBilledUsages: Array<[string, unknown]> = [
  ['1e300 input tokens', { inputTokens: 1e300, outputTokens: 0 }],
  ['NaN input tokens', { inputTokens: Number.NaN, outputTokens: 10 }],
  ['negative input tokens', { inputTokens: -1_000_000, outputTokens: 10 }],
  ['Infinity output tokens', { inputTokens: 10, outputTokens: Number.POSITIVE_INFINITY }],
  ['a fraction of a token', { inputTokens: 2.5, outputTokens: 1 }],
  ['counts given as text', { inputTokens: '40', outputTokens: '2' }],
];

let billedUsage: unknown;
const failing = defineProvider({
  name: 'failing',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      complete: async () => {
        throw new GatewayError('upstream_invalid_response', 'The provider answered with something unusable.', { retryable: true, billedUsage: billedUsage as Usage });
      },
      stream: () => {
        throw new Error('not used');
      },
    },
  }),
});
const answering = defineProvider({
  name: 'answering',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      complete: async (call) =>
        ({ id: 'answer', model: call.model, created: 0, content: [{ type: 'text', text: 'fine' }], finishReason: { unified: 'stop' }, usage: { inputTokens: 30, outputTokens: 6 } }) as ChatResponse,
      stream: () => {
        throw new Error('not used');
      },
    },
  }),
});

const epoch = new Date(0).toISOString();
// $1 and $2 a million tokens: the answer's 30 + 6 tokens cost $0.000042.
const answerCost = (30 * 1 + 6 * 2) / 1e6;

describe('a provider plugin failing an attempt with a billed usage that is not whole counts, then a fallback answering', () => {
  let gateway: TestGateway;
  const records: RequestRecord[] = [];
  afterAll(async () => {
    await gateway?.close();
  });

  /** Sends one request whose first attempt fails billing `usage`; returns its record and the key's spend. */
  async function ask(usage: unknown): Promise<{ record: RequestRecord; spent: number }> {
    if (!gateway) {
      gateway = await startTestGateway(
        {
          server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-plugin-billed-usage-')) },
          providers: { failing: {}, answering: {} },
          prices: { 'failing/*': { input: 1, output: 2 }, 'answering/*': { input: 1, output: 2 } },
          models: { story: { deployments: [{ target: 'failing/model' }], retries: { attempts: 0 }, fallbacks: ['answering/model'] } },
          storage: { use: 'sqlite' },
          chain: ['auth', { 'key-scope': { budget_grants: { requests: 0 } } }, 'route', 'adapter'],
        },
        { plugins: [failing, answering] },
      );
      gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    }
    billedUsage = usage;
    const key = await createBudgetedKey(gateway, 10);
    const seen = records.length;
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'story', max_tokens: 20, messages: [{ role: 'user', content: 'hello' }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await expect.poll(() => records.length).toBeGreaterThan(seen);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    return { record: records[seen]!, spent: await budgets.spent(`key:${key.id}`, epoch) };
  }

  it.each(hostileBilledUsages)('%s: the request is billed the answer alone, in its record and its budget alike', async (_name, usage) => {
    const { record, spent } = await ask(usage);
    expect(record.costUsd).toBeCloseTo(answerCost, 12);
    expect(record.usage).toMatchObject({ inputTokens: 30, outputTokens: 6 });
    expect(spent).toBeCloseTo(answerCost, 9);
  });

  it("whole counts are billed beside the answer, at the failed deployment's price", async () => {
    const { record, spent } = await ask({ inputTokens: 40, outputTokens: 2 });
    const both = answerCost + (40 * 1 + 2 * 2) / 1e6;
    expect(record.costUsd).toBeCloseTo(both, 12);
    expect(record.usage).toMatchObject({ inputTokens: 70, outputTokens: 8 });
    expect(spent).toBeCloseTo(both, 9);
  });
});
