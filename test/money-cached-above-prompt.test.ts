import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durableStores } from './support/budget-store-cases.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A provider that reports more cached prompt tokens than prompt tokens (a broken or hostile
// upstream: 100 prompt tokens, 5,000 of them "cached"). The cost counts at most the prompt as
// cached (costOfUsage clamps), but the ledger's detail columns recorded the counts as sent, so
// GET /admin/usage and /admin/requests showed a key with 5,000 cached tokens out of 100, and the
// cached total of a group exceeded its prompt total. The record now holds the counts it was
// billed by: cached at most prompt.

const epoch = new Date(0).toISOString();
const farFuture = '2999-01-01T00:00:00.000Z';

const stores = await durableStores();

const answer =
  '{"id":"chatcmpl-c","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],' +
  '"usage":{"prompt_tokens":100,"completion_tokens":2,"total_tokens":102,"prompt_tokens_details":{"cached_tokens":5000}}}';

describe.each(stores)('cached tokens above the prompt (%s)', (_, storage) => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  beforeAll(async () => {
    upstream = await startMockOpenAI();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-cached-above-')) },
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      prices: { 'openai/gpt-4o-mini': { input: 1, cached_input: 0.5, output: 2 } },
      storage: storage(),
      usage: { flush_interval_ms: 20 },
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('are recorded as the prompt at most, and the record costs what the budget was paid', async () => {
    const key = await createBudgetedKey(gateway, 1, 'cached-above');
    upstream.enqueue({ body: answer, headers: { 'content-type': 'application/json' } });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    // The client reads the provider's answer as it was sent: its usage is the provider's.
    const body = (await response.json()) as { usage: { prompt_tokens: number; prompt_tokens_details?: { cached_tokens?: number } } };
    expect(body.usage.prompt_tokens).toBe(100);
    expect(body.usage.prompt_tokens_details?.cached_tokens).toBe(5000);
    const { budgets, ledger } = gateway.gateway.runtime.storage!;
    await expect.poll(async () => (await ledger.listRecords({ from: epoch, to: farFuture, keyId: key.id, limit: 10 })).records.length).toBe(1);
    const [record] = (await ledger.listRecords({ from: epoch, to: farFuture, keyId: key.id, limit: 10 })).records;
    expect(record).toMatchObject({ inputTokens: 100, cachedInputTokens: 100, outputTokens: 2 });
    const cost = (100 * 0.5 + 2 * 2) / 1_000_000;
    expect(record!.costUsd).toBeCloseTo(cost, 12);
    const [row] = await ledger.query({ groupBy: 'key', from: epoch, to: farFuture, keyId: key.id });
    expect(row).toMatchObject({ inputTokens: 100, cachedInputTokens: 100 });
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    expect(await budgets.spent(`key:${key.id}`, epoch)).toBeCloseTo(cost, 9);
    // The metric agrees with the ledger: cached at most the prompt (the model is not in models:, so its label is "(other)").
    const metrics = await (await fetch(`${gateway.origin}/metrics`)).text();
    const series = (kind: string) =>
      metrics.split('\n').find((line) => line.startsWith(`switchyard_tokens_total{provider="openai",model="(other)",kind="${kind}"}`));
    expect([series('input'), series('cached')]).toEqual([
      'switchyard_tokens_total{provider="openai",model="(other)",kind="input"} 100',
      'switchyard_tokens_total{provider="openai",model="(other)",kind="cached"} 100',
    ]);
  });
});
