import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { definePlugin, estimatePromptTokens, getContext, type ChatRequest, type RequestRecord } from '@switchyard/core';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An attempt the route step gave up on whose answer reaches it all the same, later: the
 * upstream answered in time, but a step's interceptor around the attempt (a plugin's
 * own, auditing each answer) held it past `attempt_timeout_ms`, so the fallback serves.
 * The upstream had the prompt and answered: the abandoned attempt is billed beside the
 * fallback's answer, at its own deployment's price, once, in the record and the budget
 * alike, and the record names the fallback as the deployment that served.
 */

const epoch = new Date(0).toISOString();
const dear = { input: 100, output: 200 };
const cheap = { input: 10, output: 20 };
const prompt = 'abcdefg '.repeat(50);
const canonical: ChatRequest = { model: 'x', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] };
const promptTokens = estimatePromptTokens(canonical);

/** Set by a test: the `openai` deployment's answers are then held until it resolves, not only until the attempt is given up. */
let holdUntil: Promise<void> | undefined;

/** Holds each answer of the `openai` deployment until the route step has given its attempt up (its signal aborted). */
const slowAudit = definePlugin<Record<string, never>>({
  name: 'slow-audit',
  optionsSchema: { type: 'object' },
  create: () => (_req, res, next) => {
    getContext(res).interceptors.push((dispatch) => async (deployment, options) => {
      const result = await dispatch(deployment, options);
      const signal = options?.signal;
      if (deployment.provider === 'openai' && signal && !signal.aborted) await once(signal, 'abort');
      if (deployment.provider === 'openai') await holdUntil;
      return result;
    });
    next();
  },
});

let openai: MockOpenAI;
let anthropic: MockAnthropic;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

beforeAll(async () => {
  openai = await startMockOpenAI();
  anthropic = await startMockAnthropic();
  gateway = await startTestGateway(
    {
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-late-answers-')) },
      providers: {
        openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url },
        anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: anthropic.url },
      },
      prices: { 'openai/gpt-4o-mini': dear, 'anthropic/claude-sonnet-4-5': cheap },
      models: {
        'translated-once': { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } },
        'impatient-once': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 }, attempt_timeout_ms: 200, fallbacks: ['translated-once'] },
      },
      chain: ['auth', 'key-scope', 'slow-audit', 'route', 'adapter'],
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
    },
    { plugins: [slowAudit] },
  );
  records = recordQueue(gateway);
});
afterAll(async () => {
  await gateway.close();
  await openai.close();
  await anthropic.close();
});

/**
 * Asks `impatient-once` with the late OpenAI answer and Anthropic's in time queued: answered by the
 * fallback. Resolves with the request's record, which names the fallback as the server.
 */
async function servedByTheFallback(secret: string, stream: boolean): Promise<RequestRecord> {
  openai.enqueue({ reply: { content: 'Late.', usage: { prompt_tokens: 150, completion_tokens: 7 } } });
  anthropic.enqueue({ reply: { content: 'Hi.', usage: { prompt_tokens: 120, completion_tokens: 5 } } });
  const finished = records.next();
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'impatient-once', stream, ...(stream && { stream_options: { include_usage: true } }), messages: [{ role: 'user', content: prompt }] }),
  });
  expect(response.status).toBe(200);
  expect(await response.text()).toContain('Hi.');
  const record = await finished;
  expect(record).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
  return record;
}

/** The key's budget: nothing left reserved, and spent what the record says. */
async function expectSpentAsRecorded(keyId: string, costUsd: number): Promise<void> {
  const budgets = gateway.gateway.runtime.storage!.budgets;
  await expect.poll(() => budgets.reserved(`key:${keyId}`, epoch)).toBe(0);
  expect(await budgets.spent(`key:${keyId}`, epoch)).toBeCloseTo(costUsd, 6);
}

describe('an abandoned attempt whose answer arrives after the fallback began', () => {
  it.each([false, true])('stream: %s: billed beside the fallback, each at its own price, once; the fallback named as the server', async (stream) => {
    const key = await createBudgetedKey(gateway, 10, `late-${stream}`);
    const record = await servedByTheFallback(key.secret, stream);
    expect(record.attempts.map((attempt) => attempt.errorCode)).toEqual(['upstream_timeout', undefined]);
    const answerCost = (120 * cheap.input + 5 * cheap.output) / 1_000_000;
    // A whole answer came with its usage; of a stream dropped before it was read, only the prompt is known: its estimate.
    const abandoned = stream ? { inputTokens: promptTokens, outputTokens: 0 } : { inputTokens: 150, outputTokens: 7 };
    const abandonedCost = (abandoned.inputTokens * dear.input + abandoned.outputTokens * dear.output) / 1_000_000;
    expect(record.usage).toMatchObject({ inputTokens: 120 + abandoned.inputTokens, outputTokens: 5 + abandoned.outputTokens });
    expect(record.costUsd).toBeCloseTo(answerCost + abandonedCost, 12);
    expect(record.usageEstimated).toBe(stream);
    await expectSpentAsRecorded(key.id, record.costUsd);
  });
});

describe('an abandoned attempt whose answer arrives only after the request is over', () => {
  it.each([false, true])('stream: %s: its prompt estimate is billed with the request, in the record and the budget', async (stream) => {
    const key = await createBudgetedKey(gateway, 10, `later-${stream}`);
    let release!: () => void;
    holdUntil = new Promise((resolve) => (release = resolve));
    try {
      const record = await servedByTheFallback(key.secret, stream);
      const answerCost = (120 * cheap.input + 5 * cheap.output) / 1_000_000;
      const abandonedCost = (promptTokens * dear.input) / 1_000_000;
      expect(record.usage).toMatchObject({ inputTokens: 120 + promptTokens, outputTokens: 5 });
      expect(record.costUsd).toBeCloseTo(answerCost + abandonedCost, 12);
      expect(record.usageEstimated).toBe(true);
      await expectSpentAsRecorded(key.id, record.costUsd);
    } finally {
      release();
      holdUntil = undefined;
    }
  });
});
