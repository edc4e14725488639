import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { estimatePromptTokens, type RequestRecord } from '@switchyard/core';
import { startMockBedrock, startMockCohere, startMockOpenAI, type MockBedrock, type MockCohere, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream that answers 200 with a usage but choices the gateway cannot read was
 * billed by its provider all the same; the gateway tries the next deployment. Both
 * attempts reach the ledger and the budget, each at its own deployment's price.
 */

const epoch = new Date(0).toISOString();
const farFuture = '2999-01-01T00:00:00.000Z';

let primary: MockOpenAI;
let backup: MockOpenAI;
let cohere: MockCohere;
let bedrock: MockBedrock;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

beforeAll(async () => {
  primary = await startMockOpenAI();
  backup = await startMockOpenAI();
  cohere = await startMockCohere({ apiKey: 'cohere-test-key-0123456789' });
  bedrock = await startMockBedrock({ accessKeyId: 'AKIDEXAMPLE0123456789', secretAccessKey: 'bedrock-test-secret-0123456789' });
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-failed-attempts-')) },
    providers: {
      primary: { use: 'openai', api_key: 'sk-test-primary-0123', base_url: primary.url },
      backup: { use: 'openai', api_key: 'sk-test-backup-01234', base_url: backup.url },
      cohere: { api_key: 'cohere-test-key-0123456789', base_url: cohere.url },
      bedrock: { region: 'us-east-1', endpoint: bedrock.url, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-test-secret-0123456789' },
    },
    models: {
      // Retried once on the same deployment.
      retried: { deployments: [{ target: 'primary/model-a' }], retries: { attempts: 1, backoff_ms: 1 } },
      // Falls back to another provider and model, priced ten times higher.
      story: { deployments: [{ target: 'primary/model-a' }], retries: { attempts: 0 }, fallbacks: ['backup-once'] },
      'backup-once': { deployments: [{ target: 'backup/model-b' }], retries: { attempts: 0 } },
      // The same story from Cohere's and Bedrock's wire formats, priced as model-a.
      'cohere-story': { deployments: [{ target: 'cohere/model-c' }], retries: { attempts: 0 }, fallbacks: ['backup-once'] },
      'bedrock-story': { deployments: [{ target: 'bedrock/model-d' }], retries: { attempts: 0 }, fallbacks: ['backup-once'] },
    },
    prices: {
      'primary/model-a': { input: 1, output: 2 },
      'backup/model-b': { input: 10, output: 20 },
      'cohere/model-c': { input: 1, output: 2 },
      'bedrock/model-d': { input: 1, output: 2 },
    },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
  records = recordQueue(gateway);
});
afterAll(async () => {
  await gateway.close();
  await primary.close();
  await backup.close();
  await cohere.close();
  await bedrock.close();
});
beforeEach(() => {
  primary.reset();
  backup.reset();
  cohere.reset();
  bedrock.reset();
});

/** A 200 whose usage is readable and whose choices are not. */
const unreadableAnswer = {
  id: 'chatcmpl-bad',
  object: 'chat.completion',
  created: 1,
  model: 'model-a',
  choices: 'not a list',
  usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
};
const goodUsage = { prompt_tokens: 10, completion_tokens: 20 };

/** $ at model-a's price: 1000 × $1 + 500 × $2 per million. */
const unreadableCostAtA = 0.002;

function send(secret: string, endpoint: 'chat/completions' | 'messages', model: string): Promise<Response> {
  const body =
    endpoint === 'messages'
      ? { model, max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] }
      : { model, max_tokens: 50, messages: [{ role: 'user', content: 'hello' }] };
  return fetch(`${gateway.baseURL}/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify(body),
  });
}

/**
 * Asks `body` of /v1/embeddings with the key, whose first answer (enqueued by the test) the
 * provider billed 1000 tokens at $1 per million before the fallback served at $10:
 * the record, the ledger and the budget all carry both. Resolves with the request's record.
 */
async function expectEmbeddingsBilledWithFallback(key: { id: string; secret: string }, body: Record<string, unknown>): Promise<RequestRecord> {
  const record = records.next();
  const response = await fetch(`${gateway.baseURL}/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  const served = ((await response.json()) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
  const finished = await record;
  const expected = 0.001 + (served * 10) / 1_000_000;
  expect(finished.usage?.inputTokens).toBe(1000 + served);
  expect(finished.costUsd).toBeCloseTo(expected, 12);
  const { spent } = await spentAndLedger(key.id);
  expect(spent).toBeCloseTo(expected, 6);
  return finished;
}

/** The request's record, the ledger and the key's budget each charged `expected` USD. */
async function expectCharged(record: Promise<RequestRecord>, keyId: string, expected: number): Promise<void> {
  expect((await record).costUsd).toBeCloseTo(expected, 12);
  const { spent, ledgerCost } = await spentAndLedger(keyId);
  expect(ledgerCost).toBeCloseTo(expected, 12);
  expect(spent).toBeCloseTo(expected, 6);
}

async function spentAndLedger(keyId: string): Promise<{ spent: number; ledgerCost: number; ledgerInput: number; ledgerOutput: number; requests: number }> {
  const storage = gateway.gateway.runtime.storage!;
  await expect.poll(() => storage.budgets.reserved(`key:${keyId}`, epoch)).toBe(0);
  let row: Awaited<ReturnType<typeof storage.ledger.query>>[number] | undefined;
  await expect
    .poll(async () => {
      row = (await storage.ledger.query({ groupBy: 'key', from: epoch, to: farFuture })).find((candidate) => candidate.group === keyId);
      return row?.requests;
    })
    .toBe(1);
  return { spent: await storage.budgets.spent(`key:${keyId}`, epoch), ledgerCost: row!.costUsd, ledgerInput: row!.inputTokens, ledgerOutput: row!.outputTokens, requests: row!.requests };
}

describe('a failed attempt the provider billed', () => {
  it.each(['chat/completions', 'messages'] as const)('%s: a fallback to another model: both attempts are billed, each at its own price, in the ledger and the budget', async (endpoint) => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    primary.enqueue({ status: 200, body: unreadableAnswer });
    backup.enqueue({ reply: { content: 'fine', usage: goodUsage } });
    const record = records.next();
    const response = await send(key.secret, endpoint, 'story');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe('backup/model-b');
    await response.arrayBuffer();
    expect(primary.requests).toHaveLength(1);
    expect(backup.requests).toHaveLength(1);

    // 10 × $10 + 20 × $20 per million at model-b.
    const expected = unreadableCostAtA + 0.0005;
    const finished = await record;
    expect(finished.costUsd).toBeCloseTo(expected, 12);
    expect(finished.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_invalid_response', 'ok']);
    const { spent, ledgerCost, ledgerInput, ledgerOutput } = await spentAndLedger(key.id);
    expect(ledgerCost).toBeCloseTo(expected, 12);
    expect(ledgerInput).toBe(1010);
    expect(ledgerOutput).toBe(520);
    expect(spent).toBeCloseTo(expected, 6);
  });

  it('responses (the OpenAI pass-through): an unreadable Response with a usage is billed beside the fallback\'s answer', async () => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    primary.enqueue({ status: 200, body: { id: 'resp_bad', object: 'response', status: 'completed', output: 'not a list', usage: { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 } } });
    backup.enqueue({ reply: { content: 'fine', usage: goodUsage } });
    const record = records.next();
    const response = await fetch(`${gateway.baseURL}/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'story', max_output_tokens: 50, input: 'hello' }),
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const finished = await record;
    expect(finished.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_invalid_response', 'ok']);
    expect(finished.costUsd).toBeCloseTo(unreadableCostAtA + 0.0005, 12);
    const { spent } = await spentAndLedger(key.id);
    expect(spent).toBeCloseTo(unreadableCostAtA + 0.0005, 6);
  });

  it('embeddings: an answer without readable vectors but with a usage is billed beside the fallback\'s', async () => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    primary.enqueue({ status: 200, body: { object: 'list', data: 'not a list', model: 'model-a', usage: { prompt_tokens: 1000, total_tokens: 1000 } } });
    const finished = await expectEmbeddingsBilledWithFallback(key, { model: 'story', input: 'hello there' });
    expect(finished.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_invalid_response', 'ok']);
  });

  it('embeddings: an answer with a vector for each of two inputs to one is billed the count it named, beside the fallback\'s', async () => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    const vector = (value: number) => ({ object: 'embedding', index: 0, embedding: [value, value] });
    primary.enqueue({ status: 200, body: { object: 'list', data: [vector(0.1), { ...vector(0.2), index: 1 }], model: 'model-a', usage: { prompt_tokens: 1000, total_tokens: 1000 } } });
    const finished = await expectEmbeddingsBilledWithFallback(key, { model: 'story', input: 'hello there', encoding_format: 'float' });
    expect(finished.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_invalid_response', 'ok']);
  });

  it('a retry on the same deployment: both answers are billed', async () => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    primary.enqueue({ status: 200, body: unreadableAnswer }, { reply: { content: 'fine', usage: goodUsage } });
    const record = records.next();
    const response = await send(key.secret, 'chat/completions', 'retried');
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(primary.requests).toHaveLength(2);

    // 10 × $1 + 20 × $2 per million at model-a.
    const expected = unreadableCostAtA + 0.00005;
    await expectCharged(record, key.id, expected);
  });

  it('a request whose every attempt failed is billed what the provider reported, and answers the error', async () => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    primary.enqueue({ status: 200, body: unreadableAnswer });
    backup.enqueue({ status: 200, body: { ...unreadableAnswer, usage: { prompt_tokens: 100, completion_tokens: 10 } } });
    const record = records.next();
    const response = await send(key.secret, 'chat/completions', 'story');
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_invalid_response');

    // 100 × $10 + 10 × $20 per million at model-b.
    const expected = unreadableCostAtA + 0.0012;
    await expectCharged(record, key.id, expected);
  });

  it("an unreadable answer without a readable usage is billed the prompt's estimate at its own price, beside the answer that served", async () => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    primary.enqueue({ status: 200, body: { ...unreadableAnswer, usage: { prompt_tokens: -5, completion_tokens: 'x' } } });
    backup.enqueue({ reply: { content: 'fine', usage: goodUsage } });
    const record = records.next();
    const response = await send(key.secret, 'chat/completions', 'story');
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const finished = await record;
    // The 200 had the prompt: its estimate at model-a's $1, beside the answer's 10 × $10 + 20 × $20 per million at model-b.
    const estimate = estimatePromptTokens({ model: 'story', stream: false, messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }] });
    expect(finished.attempts[0]).toMatchObject({ errorCode: 'upstream_invalid_response', billedUsage: { inputTokens: estimate, outputTokens: 0 }, billedUsageEstimated: true });
    expect(finished.usageEstimated).toBe(true);
    await expectCharged(Promise.resolve(finished), key.id, estimate / 1_000_000 + 0.0005);
  });

  // Each provider's own usage, unreadable content: Cohere's `tokens` is the count billed (mapCohereUsage), Bedrock's cache reads add to the input.
  const otherWireFormats = [
    {
      name: 'cohere chat',
      upstream: () => cohere,
      model: 'cohere-story',
      body: { id: 'c-bad', message: 'not an object', finish_reason: 'COMPLETE', usage: { billed_units: { input_tokens: 1000, output_tokens: 500 }, tokens: { input_tokens: 1200, output_tokens: 520 } } },
    },
    {
      name: 'bedrock converse',
      upstream: () => bedrock,
      model: 'bedrock-story',
      body: { output: { message: { role: 'assistant', content: 'not a list' } }, stopReason: 'end_turn', usage: { inputTokens: 600, cacheReadInputTokens: 400, outputTokens: 500, totalTokens: 1500 } },
    },
  ] as const;

  it.each(otherWireFormats)('$name: an unreadable answer with a usage is billed beside the fallback\'s, in the record and the budget', async ({ upstream, model, body }) => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    upstream().enqueue({ status: 200, body });
    backup.enqueue({ reply: { content: 'fine', usage: goodUsage } });
    const record = records.next();
    const response = await send(key.secret, 'chat/completions', model);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-model')).toBe('backup/model-b');
    await response.arrayBuffer();
    expect(upstream().requests).toHaveLength(1);

    const expected = unreadableCostAtA + 0.0005;
    const finished = await record;
    expect(finished.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_invalid_response', 'ok']);
    expect(finished.usage?.inputTokens).toBe(1010);
    expect(finished.costUsd).toBeCloseTo(expected, 12);
    const { spent, ledgerCost } = await spentAndLedger(key.id);
    expect(ledgerCost).toBeCloseTo(expected, 12);
    expect(spent).toBeCloseTo(expected, 6);
  });

  const otherEmbeddings = [
    { name: 'cohere embed', upstream: () => cohere, model: 'cohere-story', body: { id: 'e-bad', embeddings: { float: 'not a list' }, texts: ['hello there'], meta: { billed_units: { input_tokens: 1000 } } } },
    { name: 'bedrock titan', upstream: () => bedrock, model: 'bedrock-story', body: { embedding: 'not a list', inputTextTokenCount: 1000 } },
  ] as const;

  it.each(otherEmbeddings)('$name: an answer without readable vectors but with a usage is billed beside the fallback\'s', async ({ upstream, model, body }) => {
    const key = await createBudgetedKey(gateway, 5, 'failed-attempts');
    upstream().enqueue({ status: 200, body });
    await expectEmbeddingsBilledWithFallback(key, { model, input: 'hello there' });
    expect(upstream().requests).toHaveLength(1);
  });
});
