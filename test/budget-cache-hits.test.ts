import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';

const epoch = new Date(0).toISOString();
const farFuture = '2999-01-01T00:00:00.000Z';

let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-cache-budget-')) },
    providers: { mock: { use: 'mock' } },
    prices: { 'mock/echo': { input: 100, output: 100 } },
    // Hits charged like the call they replay.
    chain: ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', { cache: { bill_hits: true } }, 'route', 'adapter'],
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 20 },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(() => gateway.close());

const createKey = (limitUsd: number) => createBudgetedKey(gateway, limitUsd, 'cache-hits');

async function ask(secret: string): Promise<{ status: number; cache: string | null }> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'the same question every time' }], max_tokens: 20 }),
  });
  await response.arrayBuffer();
  return { status: response.status, cache: response.headers.get('x-switchyard-cache') };
}

describe('cache hits on a budgeted key with bill_hits', () => {
  it('pay into the budget what the ledger charges them, and are refused once the budget is spent', async () => {
    // About $0.002 a call at these prices: a few calls fit, then the budget is spent.
    const key = await createKey(0.01);
    const answers: Array<{ status: number; cache: string | null }> = [];
    for (let i = 0; i < 10; i++) answers.push(await ask(key.secret));
    const served = answers.filter((answer) => answer.status === 200);
    expect(served[0]!.cache).toBe('MISS');
    expect(served.slice(1).every((answer) => answer.cache === 'HIT')).toBe(true);
    // The hits spent the budget: the last ones are refused (they were served free of the budget before).
    expect(answers.at(-1)!.status).toBe(429);

    await expect.poll(() => records.filter((record) => record.keyId === key.id).length).toBe(10);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    const spent = await budgets.spent(`key:${key.id}`, epoch);
    const ledger = gateway.gateway.runtime.storage!.ledger;
    await expect.poll(async () => (await ledger.query({ groupBy: 'key', from: epoch, to: farFuture })).find((row) => row.group === key.id)?.requests).toBe(10);
    const row = (await ledger.query({ groupBy: 'key', from: epoch, to: farFuture })).find((candidate) => candidate.group === key.id)!;
    expect(spent).toBeLessThanOrEqual(0.01);
    expect(spent).toBeGreaterThan(0);
    // The budget and the ledger agree to the micro-dollar; a refused hit costs nothing in either.
    expect(Math.round(row.costUsd * 1e6)).toBe(Math.round(spent * 1e6));
    const refused = records.filter((record) => record.keyId === key.id && record.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((record) => record.costUsd === 0)).toBe(true);
  });
});
