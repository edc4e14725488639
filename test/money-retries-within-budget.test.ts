import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { estimatePromptTokens, type ChatRequest } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A request's budget hold covers one attempt's maximum. Each attempt the gateway gives up
 * on after the upstream had the prompt is billed the prompt's estimate, so a call retried
 * after timeouts could spend several prompts on top of its answer: past the hold, and past
 * the budget. A later attempt now holds what the earlier ones were (or may yet be) billed
 * and its own maximum first; when the budget cannot hold that, the call ends with the 429.
 */

const epoch = new Date(0).toISOString();
const rates = { input: 100, output: 200 };
// 400 letters and spaces: 100 tokens of text, 108 with the overheads.
const prompt = 'abcdefg '.repeat(50);
const maxTokens = 10;
const canonical: ChatRequest = { model: 'x', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] };
const promptCost = (estimatePromptTokens(canonical) * rates.input) / 1_000_000;
const maxCost = promptCost + (maxTokens * rates.output) / 1_000_000;

let openai: MockOpenAI;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

beforeAll(async () => {
  openai = await startMockOpenAI();
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-retries-budget-')) },
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url } },
    prices: { 'openai/gpt-4o-mini': rates },
    models: {
      // The gateway gives up on each attempt after 300 ms and tries again, three more times.
      impatient: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 3, backoff_ms: 1, max_backoff_ms: 1 }, attempt_timeout_ms: 300 },
    },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
  records = recordQueue(gateway);
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
});

describe('retries after abandoned attempts, on a budget', () => {
  it.each([
    { budgets: 'a budget that holds two prompts and an answer', limit: 2 * promptCost + maxCost - 0.0001, attempts: 2 },
    { budgets: 'a budget that holds every attempt', limit: 4 * maxCost + 0.001, attempts: 4 },
  ])('$budgets: never spent past its limit, spend equal to the record ($attempts attempts reach the upstream)', async ({ limit, attempts }) => {
    const key = await createBudgetedKey(gateway, limit, `retries-${attempts}`);
    const seen = openai.requests.length;
    for (let i = 0; i < 4; i++) openai.enqueue({ hang: true });
    const finished = records.next();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'impatient', max_tokens: maxTokens, messages: [{ role: 'user', content: prompt }] }),
    });
    const body = (await response.json()) as { error: { code: string } };
    const record = await finished;
    expect(openai.requests.length - seen).toBe(attempts);
    if (attempts < 4) {
      // The third attempt could not be held: the budget's 429, not a fourth prompt.
      expect(response.status).toBe(429);
      expect(body.error.code).toBe('insufficient_quota');
    } else {
      expect(response.status).toBe(504);
    }
    expect(record.costUsd).toBeCloseTo(attempts * promptCost, 9);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    const spent = await budgets.spent(`key:${key.id}`, epoch);
    expect(spent).toBeCloseTo(record.costUsd!, 6);
    expect(spent).toBeLessThanOrEqual(limit);
  });
});

describe('a call that used more than its hold was sized for', () => {
  // The hold is an estimate of the prompt; the upstream's count is what is billed, and may be far above it.
  const usage = { prompt_tokens: 5_000, completion_tokens: maxTokens, total_tokens: 5_000 + maxTokens };
  const answer = {
    id: 'chatcmpl-over',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage,
  };
  const answerCost = (usage.prompt_tokens * rates.input + usage.completion_tokens * rates.output) / 1_000_000;

  it.each([
    { holds: 'one hold', before: [], billed: 0 },
    { holds: 'a retry that grew the hold', before: [{ hang: true }], billed: promptCost },
  ])('$holds: the spend is the whole cost, past what was held', async ({ before, billed }) => {
    const key = await createBudgetedKey(gateway, 10, `over-${before.length}`);
    openai.reset(); // the hangs the retries above did not reach
    openai.enqueue(...before, { body: answer });
    const finished = records.next();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'impatient', max_tokens: maxTokens, messages: [{ role: 'user', content: prompt }] }),
    });
    expect(response.status).toBe(200);
    const record = await finished;
    expect(record.costUsd).toBeCloseTo(answerCost + billed, 9);
    expect(answerCost).toBeGreaterThan(maxCost);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo(record.costUsd!, 6);
  });
});
