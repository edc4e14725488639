import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHARACTERS_PER_TOKEN, estimatePromptTokens, textLength, type ChatRequest, type RequestRecord } from '@switchyard/core';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream that answered 200 and then broke (the connection reset mid-stream with no
 * usage event, or mid-body) had the prompt, and generated what it streamed: its provider
 * bills both. The request's record, its cost and the key's budget carry the prompt's
 * estimate and an estimate of the output the client got, marked as estimated, on the
 * translated path and the fast path alike.
 */

const epoch = new Date(0).toISOString();
const rates = { input: 100, output: 200 };
// 400 letters and spaces: 100 tokens of text, more with the overheads.
const prompt = 'abcdefg '.repeat(50);
const canonical: ChatRequest = { model: 'x', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] };
const promptTokens = estimatePromptTokens(canonical);
const story = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen';

const costOf = (usage: { inputTokens: number; outputTokens: number }) => (usage.inputTokens * rates.input + usage.outputTokens * rates.output) / 1e6;

/** The text an Anthropic Messages client read from a stream's events. */
function streamedMessageText(body: string): string {
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const event = JSON.parse(line.slice('data: '.length)) as { type?: string; delta?: { type?: string; text?: string } };
    if (event.type === 'content_block_delta' && event.delta?.type === 'text_delta') text += event.delta.text ?? '';
  }
  return text;
}

/** The text and tool-call arguments an OpenAI chat client read from a stream's chunks. */
function streamedOutput(body: string): string {
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const chunk = JSON.parse(line.slice('data: '.length)) as {
      choices?: Array<{ delta?: { content?: string | null; tool_calls?: Array<{ function?: { arguments?: string } }> } }>;
    };
    const delta = chunk.choices?.[0]?.delta;
    text += delta?.content ?? '';
    for (const call of delta?.tool_calls ?? []) text += call.function?.arguments ?? '';
  }
  return text;
}

describe.each([false, true])('a 200 answer that breaks (server.fast_path %s)', (fastPath) => {
  let openai: MockOpenAI;
  let anthropic: MockAnthropic;
  let gateway: TestGateway;
  let records: ReturnType<typeof recordQueue>;

  beforeAll(async () => {
    openai = await startMockOpenAI();
    anthropic = await startMockAnthropic();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-broken-answers-')), fast_path: fastPath },
      providers: {
        openai: { api_key: 'sk-test-abcdefgh', base_url: openai.url },
        anthropic: { api_key: 'sk-ant-test-abcdefgh', base_url: anthropic.url },
      },
      prices: { 'openai/gpt-4o-mini': rates, 'anthropic/claude-sonnet-4-5': rates },
      models: {
        'gpt-once': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
        'claude-once': { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } },
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
  });
  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  async function ask(secret: string, model: string, stream: boolean): Promise<{ status: number; text: string }> {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ model, stream, max_tokens: 100, messages: [{ role: 'user', content: prompt }] }),
    });
    return { status: response.status, text: await response.text().catch(() => '') };
  }

  /** The record is billed `usage`, marked estimated, and the key's budget settled to its cost, nothing left held. */
  async function expectBilled(record: RequestRecord, keyId: string, usage: { inputTokens: number; outputTokens: number }) {
    expect(record.usage).toMatchObject(usage);
    expect(record.usageEstimated).toBe(true);
    expect(record.costUsd).toBeCloseTo(costOf(usage), 12);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${keyId}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${keyId}`, epoch)).toBeCloseTo(costOf(usage), 9);
  }

  it.each([0, 1, 3])('an OpenAI stream reset after %s events, no usage event: the prompt and the output streamed', async (events) => {
    const key = await createBudgetedKey(gateway, 5, `openai-stream-${events}`);
    openai.enqueue({ reply: { content: story }, stream: { cutAfterEvents: events } });
    const finished = records.next();
    const answer = await ask(key.secret, 'gpt-once', true);
    const output = streamedOutput(answer.text);
    if (events > 1) expect(output).not.toBe('');
    // Cut before any event: nothing reached the client, the attempt failed and is billed all the same.
    if (events === 0) expect(answer.status).toBe(502);
    await expectBilled(await finished, key.id, { inputTokens: promptTokens, outputTokens: Math.ceil(textLength(output) / CHARACTERS_PER_TOKEN) });
  });

  it('an OpenAI tool call reset mid-arguments: its streamed name and arguments count as output', async () => {
    const key = await createBudgetedKey(gateway, 5, 'openai-tool');
    openai.enqueue({ reply: { toolCalls: [{ id: 'call_1', name: 'lookup', arguments: { city: 'Paris', days: 3 } }] }, stream: { cutAfterEvents: 3 } });
    const finished = records.next();
    const answer = await ask(key.secret, 'gpt-once', true);
    const record = await finished;
    expect(record.usage!.outputTokens).toBeGreaterThanOrEqual(Math.ceil(textLength(streamedOutput(answer.text)) / CHARACTERS_PER_TOKEN));
    expect(record.usage!.outputTokens).toBeGreaterThan(0);
    await expectBilled(record, key.id, { inputTokens: promptTokens, outputTokens: record.usage!.outputTokens });
  });

  it('an OpenAI whole answer cut mid-body: the prompt', async () => {
    const key = await createBudgetedKey(gateway, 5, 'openai-whole');
    const body = {
      id: 'chatcmpl-cut',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: story }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1000, completion_tokens: 20, total_tokens: 1020 },
    };
    openai.enqueue({ status: 200, body, cutBody: true });
    const finished = records.next();
    const answer = await ask(key.secret, 'gpt-once', false);
    expect(answer.status).toBeGreaterThanOrEqual(500);
    await expectBilled(await finished, key.id, { inputTokens: promptTokens, outputTokens: 0 });
  });

  it.each([1, 2, 5])('an Anthropic stream reset after %s events: the input it reported and the output streamed', async (events) => {
    const key = await createBudgetedKey(gateway, 5, `anthropic-stream-${events}`);
    anthropic.enqueue({ reply: { content: story, usage: { prompt_tokens: 321 } }, stream: { cutAfterEvents: events } });
    const finished = records.next();
    const answer = await ask(key.secret, 'claude-once', true);
    const output = streamedOutput(answer.text);
    // message_start reports an output of 1 token: billed when no more was streamed.
    await expectBilled(await finished, key.id, { inputTokens: 321, outputTokens: Math.max(1, Math.ceil(textLength(output) / CHARACTERS_PER_TOKEN)) });
  });

  it.each([{}, { sameWrite: true }])(
    'an Anthropic stream to a Messages client reset right after message_start (%o): the input it reported, not the prompt estimate',
    async (how) => {
      // message_start is the stream's first part: the provider call has returned with it, so the attempt is the request's answer.
      const key = await createBudgetedKey(gateway, 5, `anthropic-after-start-${JSON.stringify(how)}`);
      anthropic.enqueue({ reply: { content: story, usage: { prompt_tokens: 321 } }, stream: { cutAfterEvents: 1, ...how } });
      const finished = records.next();
      const response = await fetch(`${gateway.baseURL}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key.secret, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-once', stream: true, max_tokens: 100, messages: [{ role: 'user', content: prompt }] }),
      });
      expect(response.status).toBe(200);
      expect(streamedMessageText(await response.text().catch(() => ''))).toBe('');
      const record = await finished;
      expect(record.attempts).toHaveLength(1);
      expect(promptTokens).not.toBe(321);
      await expectBilled(record, key.id, { inputTokens: 321, outputTokens: 1 });
    },
  );

  it('an Anthropic stream to a Messages client (the fast path when on) reset mid-way: the input it reported and the output streamed', async () => {
    const key = await createBudgetedKey(gateway, 5, 'anthropic-messages');
    anthropic.enqueue({ reply: { content: story, usage: { prompt_tokens: 321 } }, stream: { cutAfterEvents: 5 } });
    const finished = records.next();
    const response = await fetch(`${gateway.baseURL}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key.secret, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-once', stream: true, max_tokens: 100, messages: [{ role: 'user', content: prompt }] }),
    });
    expect(response.headers.get('x-switchyard-path') === 'fast').toBe(fastPath);
    const output = streamedMessageText(await response.text().catch(() => ''));
    expect(output).not.toBe('');
    const record = await finished;
    await expectBilled(record, key.id, { inputTokens: 321, outputTokens: Math.max(1, Math.ceil(textLength(output) / CHARACTERS_PER_TOKEN)) });
  });

  it('a client that leaves mid-stream while the upstream is silent: the prompt and the output it was sent', async () => {
    const key = await createBudgetedKey(gateway, 5, 'client-leaves');
    // The role chunk and two chunks of text, then silence until the gateway hangs up.
    openai.enqueue({ reply: { content: story }, stream: { stallAfterEvents: 3 } });
    const finished = records.next();
    const leave = new AbortController();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'gpt-once', stream: true, max_tokens: 100, messages: [{ role: 'user', content: prompt }] }),
      signal: leave.signal,
    });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    // Read until both chunks of text came (a role chunk may carry an empty content).
    while ((received.match(/"content":"[^"]/g) ?? []).length < 2) received += decoder.decode((await reader.read()).value, { stream: true });
    leave.abort();
    const output = streamedOutput(received.slice(0, received.lastIndexOf('\n\n')));
    expect(output).not.toBe('');
    const record = await finished;
    expect(record.status).toBe(499);
    await expectBilled(record, key.id, { inputTokens: promptTokens, outputTokens: Math.ceil(textLength(output) / CHARACTERS_PER_TOKEN) });
  });
});
