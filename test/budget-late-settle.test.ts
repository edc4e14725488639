import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const epoch = new Date(0).toISOString();

let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-late-settle-')) },
    // A slow upstream: the call is still running when its reservation is swept.
    providers: { slow: { use: 'mock', latency_ms: 1_500 } },
    prices: { 'slow/echo': { input: 100, output: 100 } },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 50 },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(() => gateway.close());

it('a call whose reservation was swept while it ran (its lease ran out: the gateway was cut off from the store) is still spent, as the ledger records it', async () => {
  const key = await createBudgetedKey(gateway, 1, 'late-settle');
  const owner = `key:${key.id}`;
  const budgets = gateway.gateway.runtime.storage!.budgets;
  const answer = fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
    body: JSON.stringify({ model: 'slow/echo', messages: [{ role: 'user', content: 'x'.repeat(400) }], max_tokens: 50 }),
  });
  await expect.poll(() => budgets.reserved(owner, epoch), { interval: 20 }).toBeGreaterThan(0);
  // Another instance's sweep, once the lease is over (judged an hour from now rather than waiting for it).
  expect(await budgets.releaseExpired(new Date(Date.now() + 3_600_000))).toBeGreaterThanOrEqual(1);
  expect(await budgets.reserved(owner, epoch)).toBe(0);

  const response = await answer;
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  await expect.poll(() => records.find((record) => record.keyId === key.id)).toBeDefined();
  const cost = records.find((record) => record.keyId === key.id)!.costUsd;
  expect(cost).toBeGreaterThan(0);
  await expect.poll(() => budgets.spent(owner, epoch)).toBeCloseTo(cost, 6);
  expect(await budgets.reserved(owner, epoch)).toBe(0);
});
