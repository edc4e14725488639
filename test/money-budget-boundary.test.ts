import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { budgetStoreCases } from './support/budget-store-cases.js';

const epoch = new Date(0).toISOString();
const farFuture = '2999-01-01T00:00:00.000Z';
const cases = await budgetStoreCases();

// Input is free and every answer uses all of its max_tokens: each request costs exactly what it holds.
const maxTokens = 100;
const outputPrice = 10; // $ per million tokens: $0.001 a request
const requestCost = (maxTokens * outputPrice) / 1e6;
const fits = 50;

describe.each(cases)('a budget with room for exactly $fits requests, 120 at once ($store, $grantsName)', ({ storage, grants }) => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  const records: RequestRecord[] = [];

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });

  it('serves exactly those that fit, refuses the rest 429, and spends the limit to the micro-dollar, holding nothing', async () => {
    upstream = await startMockOpenAI();
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-money-boundary-')) },
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
      prices: { 'openai/gpt-4o-mini': { input: 0, output: outputPrice } },
      storage: storage(),
      chain: ['auth', { 'key-scope': { budget_grants: grants } }, 'route', 'adapter'],
      usage: { flush_interval_ms: 20 },
    });
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    const limit = fits * requestCost;
    const key = await createBudgetedKey(gateway, limit, 'boundary');
    for (let i = 0; i < 120; i++) {
      upstream.enqueue({ reply: { content: 'all of it', usage: { prompt_tokens: 20, completion_tokens: maxTokens } }, delayMs: 20 });
    }
    const answers = await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        const response = await fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', max_tokens: maxTokens, messages: [{ role: 'user', content: `request ${i}` }] }),
        });
        const body = (await response.json()) as { error?: { code?: string } };
        return { status: response.status, code: body.error?.code };
      }),
    );
    const served = answers.filter((answer) => answer.status === 200).length;
    expect(served).toBe(fits);
    expect(answers.filter((answer) => answer.status !== 200).every((answer) => answer.status === 429 && answer.code === 'insufficient_quota')).toBe(true);
    expect(upstream.requests).toHaveLength(fits);

    const { budgets, ledger } = gateway.gateway.runtime.storage!;
    const owner = `key:${key.id}`;
    await expect.poll(() => budgets.reserved(owner, epoch)).toBe(0);
    await expect.poll(async () => Math.round((await budgets.spent(owner, epoch)) * 1e6)).toBe(Math.round(limit * 1e6));
    await expect.poll(async () => (await ledger.query({ groupBy: 'key', from: epoch, to: farFuture, keyId: key.id }))[0]?.requests).toBe(120);
    const [row] = await ledger.query({ groupBy: 'key', from: epoch, to: farFuture, keyId: key.id });
    expect(Math.round(row!.costUsd * 1e6)).toBe(Math.round(limit * 1e6));
  });
});
