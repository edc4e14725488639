import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { estimatePromptTokens, type ChatRequest, type RequestRecord } from '@switchyard/core';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { ledgerRow } from './support/ledger-row.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream that answered 200 with something the gateway cannot read (a stream whose
 * first event is not JSON, is nested past the depth bound or has the wrong shape; a whole
 * body that is not JSON) took the request, and its provider bills the prompt it read: the
 * attempt is billed the prompt's estimate, marked estimated, as a 200 cut before its first
 * event is (test/money-broken-answers.test.ts), beside whatever answered on a fallback.
 * Chat Completions, Messages and Responses clients, on the translated path and the fast path.
 */

const epoch = new Date(0).toISOString();
const rates = { input: 100, output: 200 };
const backupRates = { input: 300, output: 700 };
// 400 letters and spaces: 100 tokens of text, more with the overheads.
const prompt = 'abcdefg '.repeat(50);
const canonical: ChatRequest = { model: 'x', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] };
const promptTokens = estimatePromptTokens(canonical);
const promptCost = (promptTokens * rates.input) / 1e6;

/** JSON nested past the gateway's depth bound (512), in an otherwise well-formed place. */
const deep = `${'['.repeat(600)}${']'.repeat(600)}`;
const sseHeaders = { 'content-type': 'text/event-stream' };
const chunk = (fields: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",${fields}}\n\n`;
const readableTail = chunk('"choices":[{"index":0,"delta":{"content":"never seen"},"finish_reason":"stop"}]') + 'data: [DONE]\n\n';

/** Streams whose first event the gateway cannot read, then events it could. */
const unreadableChatStreams = [
  ['not JSON', 'data: {"id":"chatcmpl-1","choices":[{"delta"\n\n'],
  ['nested past the depth bound', chunk(`"x":${deep},"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]`)],
  ['JSON, not an object', 'data: [1,2,3]\n\n'],
] as const;

/** Whole answers the gateway cannot read. */
const unreadableWholeBodies = [
  ['not JSON', 'Hello, not JSON'],
  ['JSON cut short', '{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,'],
  ['nested past the depth bound', `{"id":"chatcmpl-1","object":"chat.completion","x":${deep},"choices":[]}`],
] as const;

/** The assistant text an OpenAI chat client read, whole or from a stream's chunks. */
function answerContent(text: string, stream: boolean): string {
  if (!stream) return (JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
  let content = '';
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    content += (JSON.parse(line.slice('data: '.length)) as { choices?: Array<{ delta?: { content?: string | null } }> }).choices?.[0]?.delta?.content ?? '';
  }
  return content;
}

describe.each([false, true])('a 200 answer the gateway cannot read (server.fast_path %s)', (fastPath) => {
  let openai: MockOpenAI;
  let anthropic: MockAnthropic;
  let gateway: TestGateway;
  let records: ReturnType<typeof recordQueue>;

  beforeAll(async () => {
    openai = await startMockOpenAI();
    anthropic = await startMockAnthropic();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-unreadable-answers-')), fast_path: fastPath },
      providers: {
        openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url },
        anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: anthropic.url },
      },
      prices: { 'openai/gpt-4o-mini': rates, 'openai/gpt-4o': backupRates, 'anthropic/claude-sonnet-4-5': rates },
      models: {
        'gpt-once': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
        'claude-once': { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } },
        'backup-once': { deployments: [{ target: 'openai/gpt-4o' }], retries: { attempts: 0 } },
        'gpt-falls-back': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 }, fallbacks: ['backup-once'] },
      },
      // No circuit breaker: the failing deployment is tried on every request.
      chain: ['auth', 'key-scope', 'route', 'adapter'],
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
    });
    records = recordQueue(gateway);
  });
  afterAll(async () => {
    await gateway.close();
    await openai.close();
    await anthropic.close();
  });
  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  async function post(route: string, headers: Record<string, string>, body: unknown): Promise<{ status: number; path: string | null; text: string; record: RequestRecord }> {
    const finished = records.next();
    const response = await fetch(`${gateway.baseURL}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, path: response.headers.get('x-switchyard-path'), text, record: await finished };
  }

  const chat = (secret: string, model: string, stream: boolean) =>
    post('/chat/completions', { authorization: `Bearer ${secret}` }, { model, stream, max_tokens: 100, messages: [{ role: 'user', content: prompt }] });

  /** A 502 upstream_invalid_response whose one failed attempt is billed the prompt's estimate: record, ledger row, budget. */
  async function expectPromptBilled(answer: { status: number; text: string; record: RequestRecord }, keyId: string) {
    expect(answer.status).toBe(502);
    expect((JSON.parse(answer.text) as { error: { code: string } }).error.code).toBe('upstream_invalid_response');
    const { record } = answer;
    expect(record.errorCode).toBe('upstream_invalid_response');
    expect(record.attempts).toHaveLength(1);
    expect(record.attempts[0]).toMatchObject({ errorCode: 'upstream_invalid_response', billedUsage: { inputTokens: promptTokens, outputTokens: 0 }, billedUsageEstimated: true });
    expect(record.usage).toMatchObject({ inputTokens: promptTokens, outputTokens: 0 });
    expect(record.usageEstimated).toBe(true);
    expect(record.costUsd).toBeCloseTo(promptCost, 12);
    const row = await ledgerRow(gateway, record.id, keyId);
    expect(row).toMatchObject({ input_tokens: promptTokens, output_tokens: 0, usage_estimated: true });
    expect(row.cost_usd).toBeCloseTo(promptCost, 9);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${keyId}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${keyId}`, epoch)).toBeCloseTo(promptCost, 9);
  }

  it.each(unreadableChatStreams)('an OpenAI stream whose first event is %s: a 502, the prompt billed as a failed attempt', async (name, first) => {
    const key = await createBudgetedKey(gateway, 5, `stream-${name}`);
    openai.enqueue({ status: 200, body: first + readableTail, headers: sseHeaders });
    await expectPromptBilled(await chat(key.secret, 'gpt-once', true), key.id);
  });

  it.each(unreadableWholeBodies)('an OpenAI whole answer that is %s: a 502, the prompt billed as a failed attempt', async (name, body) => {
    const key = await createBudgetedKey(gateway, 5, `whole-${name}`);
    openai.enqueue({ status: 200, body, headers: { 'content-type': 'application/json' } });
    await expectPromptBilled(await chat(key.secret, 'gpt-once', false), key.id);
  });

  it('an OpenAI whole answer of the wrong shape and no usage: the prompt billed as a failed attempt', async () => {
    const key = await createBudgetedKey(gateway, 5, 'whole-wrong-shape');
    const body = { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: null, finish_reason: 'stop' }] };
    openai.enqueue({ status: 200, body });
    await expectPromptBilled(await chat(key.secret, 'gpt-once', false), key.id);
  });

  it.each([false, true])('an unreadable first event, then the fallback answers (stream %s): both attempts billed, each at its own price', async (stream) => {
    const key = await createBudgetedKey(gateway, 5, `fallback-${stream}`);
    const served = { inputTokens: 700, outputTokens: 70 };
    openai.enqueue(
      stream ? { status: 200, body: unreadableChatStreams[0][1] + readableTail, headers: sseHeaders } : { status: 200, body: 'Hello, not JSON', headers: { 'content-type': 'application/json' } },
      { reply: { content: 'from the backup', usage: { prompt_tokens: served.inputTokens, completion_tokens: served.outputTokens } } },
    );
    const answer = await chat(key.secret, 'gpt-falls-back', stream);
    expect(answer.status).toBe(200);
    expect(answerContent(answer.text, stream)).toBe('from the backup');
    expect(answer.path === 'fast').toBe(fastPath);
    expect(openai.requests.map((request) => (request.body as { model: string }).model)).toEqual(['gpt-4o-mini', 'gpt-4o']);
    const { record } = answer;
    expect(record.model).toBe('gpt-4o');
    expect(record.attempts).toHaveLength(2);
    expect(record.attempts[0]).toMatchObject({
      deployment: { model: 'gpt-4o-mini' },
      errorCode: 'upstream_invalid_response',
      billedUsage: { inputTokens: promptTokens, outputTokens: 0 },
      billedUsageEstimated: true,
    });
    expect(record.attempts[1]).toMatchObject({ deployment: { model: 'gpt-4o' } });
    expect(record.attempts[1]!.errorCode).toBeUndefined();
    // One record, the whole bill: the failed attempt's prompt at gpt-4o-mini's price, the answer at gpt-4o's.
    const cost = promptCost + (served.inputTokens * backupRates.input + served.outputTokens * backupRates.output) / 1e6;
    expect(record.usage).toMatchObject({ inputTokens: served.inputTokens + promptTokens, outputTokens: served.outputTokens });
    expect(record.usageEstimated).toBe(true);
    expect(record.costUsd).toBeCloseTo(cost, 12);
    const row = await ledgerRow(gateway, record.id, key.id);
    expect(row).toMatchObject({ status: 200, input_tokens: served.inputTokens + promptTokens, output_tokens: served.outputTokens, usage_estimated: true });
    expect(row.cost_usd).toBeCloseTo(cost, 9);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo(cost, 9);
  });

  it.each([
    ['not JSON', 'event: message_start\ndata: {"type":"message_start","message":\n\n'],
    ['nested past the depth bound', `event: message_start\ndata: {"type":"message_start","x":${deep}}\n\n`],
    ['JSON, not an object', 'event: message_start\ndata: [1,2,3]\n\n'],
  ])('an Anthropic stream to a Messages client whose first event is %s: the prompt billed as a failed attempt', async (name, first) => {
    const key = await createBudgetedKey(gateway, 5, `messages-${name}`);
    anthropic.enqueue({ status: 200, body: `${first}event: message_stop\ndata: {"type":"message_stop"}\n\n`, headers: sseHeaders });
    const answer = await post(
      '/messages',
      { 'x-api-key': key.secret, 'anthropic-version': '2023-06-01' },
      { model: 'claude-once', stream: true, max_tokens: 100, messages: [{ role: 'user', content: prompt }] },
    );
    expect(answer.status).toBe(502);
    expect(answer.text).toContain('upstream_invalid_response');
    expectAnthropicBilled(answer.record);
    await expectSettled(answer.record, key.id);
  });

  it('an Anthropic whole answer to a Messages client that is not JSON: the prompt billed as a failed attempt', async () => {
    const key = await createBudgetedKey(gateway, 5, 'messages-whole');
    anthropic.enqueue({ status: 200, body: '{"id":"msg_1","type":"message","content":[', headers: { 'content-type': 'application/json' } });
    const answer = await post(
      '/messages',
      { 'x-api-key': key.secret, 'anthropic-version': '2023-06-01' },
      { model: 'claude-once', max_tokens: 100, messages: [{ role: 'user', content: prompt }] },
    );
    expect(answer.status).toBe(502);
    expectAnthropicBilled(answer.record);
    await expectSettled(answer.record, key.id);
  });

  it.each([
    ['stream whose first event is not JSON', true, 'event: response.created\ndata: {"type":"response.created","response":\n\n'],
    ['whole answer that is not JSON', false, '{"id":"resp_1","object":"response","output":['],
  ])('a Responses %s: the prompt billed as a failed attempt', async (name, stream, body) => {
    const key = await createBudgetedKey(gateway, 5, `responses-${name}`);
    openai.enqueue({ status: 200, body, headers: stream ? sseHeaders : { 'content-type': 'application/json' } });
    const answer = await post('/responses', { authorization: `Bearer ${key.secret}` }, { model: 'gpt-once', stream, max_output_tokens: 100, input: prompt });
    expect(answer.status).toBe(502);
    expect(answer.text).toContain('upstream_invalid_response');
    expect(answer.record.attempts).toHaveLength(1);
    expect(answer.record.attempts[0]).toMatchObject({ errorCode: 'upstream_invalid_response', billedUsage: { outputTokens: 0 }, billedUsageEstimated: true });
    expect(answer.record.attempts[0]!.billedUsage!.inputTokens).toBe(promptTokens);
    expect(answer.record.usageEstimated).toBe(true);
    await expectSettled(answer.record, key.id);
  });

  /** The attempt is billed the estimate of the request's canonical form: the same prompt as a chat client's, the same estimate. */
  function expectAnthropicBilled(record: RequestRecord) {
    expect(record.errorCode).toBe('upstream_invalid_response');
    expect(record.attempts).toHaveLength(1);
    expect(record.attempts[0]).toMatchObject({ errorCode: 'upstream_invalid_response', billedUsage: { outputTokens: 0 }, billedUsageEstimated: true });
    expect(record.attempts[0]!.billedUsage!.inputTokens).toBe(promptTokens);
    expect(record.usageEstimated).toBe(true);
  }

  /** The record's cost is its billed prompt at the deployment's rates; the ledger and the key's budget say the same, nothing left held. */
  async function expectSettled(record: RequestRecord, keyId: string) {
    const cost = (record.usage!.inputTokens * rates.input) / 1e6;
    expect(record.usage!.outputTokens).toBe(0);
    expect(cost).toBeGreaterThan(0);
    expect(record.costUsd).toBeCloseTo(cost, 12);
    const row = await ledgerRow(gateway, record.id, keyId);
    expect(row).toMatchObject({ input_tokens: record.usage!.inputTokens, usage_estimated: true });
    expect(row.cost_usd).toBeCloseTo(cost, 9);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${keyId}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${keyId}`, epoch)).toBeCloseTo(cost, 9);
  }
});
