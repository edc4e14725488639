import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durableStores } from './support/budget-store-cases.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A provider that reports more reasoning tokens than generated tokens (a broken or hostile
// upstream: 2 completion tokens, 5,000 of them "reasoning"). Reasoning is a part of the output,
// billed at the output price, so the cost counts the 2; the metric said 5,000 reasoning tokens
// beside 2 output tokens, and the ledger's record (GET /admin/requests, /admin/usage) the same.
// Both now count the reasoning part at most the output, as cached is counted at most the
// prompt (test/money-cached-above-prompt.test.ts).

const epoch = new Date(0).toISOString();
const farFuture = '2999-01-01T00:00:00.000Z';

const stores = await durableStores();

const answer =
  '{"id":"chatcmpl-r","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],' +
  '"usage":{"prompt_tokens":100,"completion_tokens":2,"total_tokens":102,"completion_tokens_details":{"reasoning_tokens":5000}}}';

describe.each(stores)('reasoning tokens above the output (%s)', (_, storage) => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-reasoning-above-')) },
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      prices: { 'openai/gpt-4o-mini': { input: 1, output: 2 } },
      storage: storage(),
      usage: { flush_interval_ms: 20 },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('are counted as the output at most', async () => {
    const key = await createBudgetedKey(gateway, 1, 'reasoning-above');
    upstream.enqueue({ body: answer, headers: { 'content-type': 'application/json' } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    // The client reads the provider's answer as it was sent: its usage is the provider's.
    const body = (await response.json()) as { usage: { completion_tokens: number; completion_tokens_details?: { reasoning_tokens?: number } } };
    expect(body.usage.completion_tokens).toBe(2);
    expect(body.usage.completion_tokens_details?.reasoning_tokens).toBe(5000);
    const { ledger } = gateway.gateway.runtime.storage!;
    await expect.poll(async () => (await ledger.listRecords({ from: epoch, to: farFuture, keyId: key.id, limit: 10 })).records.length).toBe(1);
    const [record] = (await ledger.listRecords({ from: epoch, to: farFuture, keyId: key.id, limit: 10 })).records;
    expect(record).toMatchObject({ inputTokens: 100, outputTokens: 2, reasoningTokens: 2 });
    // Billed by the output tokens alone: 100 × $1 + 2 × $2 per million.
    expect(record!.costUsd).toBeCloseTo(0.000104, 12);
    // The model is not in models:, so its label is "(other)".
    const metrics = await (await fetch(`${gateway.origin}/metrics`)).text();
    const series = (kind: string) =>
      metrics.split('\n').find((line) => line.startsWith(`switchyard_tokens_total{provider="openai",model="(other)",kind="${kind}"}`));
    expect([series('output'), series('reasoning')]).toEqual([
      'switchyard_tokens_total{provider="openai",model="(other)",kind="output"} 2',
      'switchyard_tokens_total{provider="openai",model="(other)",kind="reasoning"} 2',
    ]);
  });
});
