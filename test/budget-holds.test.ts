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
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-holds-')) },
    // Two mock providers: the cheap one always fails (retryable), so the pricier fallback serves.
    providers: { cheap: { use: 'mock', fail: 'server_error' }, pricey: { use: 'mock' } },
    models: { story: { deployments: [{ target: 'cheap/echo' }], retries: { attempts: 0 }, fallbacks: ['pricey/echo'] } },
    prices: { 'cheap/echo': { input: 1, output: 1 }, 'pricey/echo': { input: 100, output: 100 } },
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 50 },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(() => gateway.close());

const createKey = (limitUsd: number) => createBudgetedKey(gateway, limitUsd, 'holds');

function chat(secret: string | undefined, body: unknown) {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret && { authorization: `Bearer ${secret}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// About 1,000 prompt tokens and at most 100 out: a most of $0.0011 at the cheap price, $0.11 at the pricey one.
const prompt = { messages: [{ role: 'user', content: 'x'.repeat(4000) }], max_tokens: 100 };

describe('budget holds', () => {
  it('reserve at the most expensive deployment the plan may reach: a pricier fallback cannot overspend', async () => {
    const key = await createKey(0.25);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    const served: string[] = [];
    let refused = 0;
    for (let i = 0; i < 5; i++) {
      const response = await chat(key.secret, { model: 'story', ...prompt });
      await response.arrayBuffer();
      if (response.status === 200) served.push(response.headers.get('x-switchyard-provider')!);
      else {
        expect(response.status).toBe(429);
        refused++;
      }
      await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    }
    const spent = await budgets.spent(`key:${key.id}`, epoch);
    console.info(`fallback 100x pricier, budget $0.25: ${served.length} served, ${refused} refused, spent $${spent.toFixed(6)}`);
    expect(served.length).toBeGreaterThan(0);
    expect(served.every((provider) => provider === 'pricey')).toBe(true);
    expect(refused).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(0.25);
  });

  it('a request whose maximum cost exceeds the whole budget is told so, with max_tokens named', async () => {
    const key = await createKey(0.05);
    const response = await chat(key.secret, { model: 'pricey/echo', ...prompt });
    expect(response.status).toBe(429);
    const body = (await response.json()) as { error: { message: string; type: string; code: string; param: string | null } };
    expect(body.error.code).toBe('insufficient_quota');
    expect(body.error.param).toBe('max_tokens');
    expect(body.error.message).toMatch(/^This request's maximum cost \(\$0\.\d+\) exceeds the key's budget \(\$0\.05\); lower max_tokens\.$/);
    expect(body.error.message).not.toMatch(/spent/);

    // A budget that is merely used up still says so.
    const small = await createKey(0.12);
    expect((await chat(small.secret, { model: 'pricey/echo', ...prompt })).status).toBe(200);
    const spentUp = await chat(small.secret, { model: 'pricey/echo', ...prompt });
    expect(spentUp.status).toBe(429);
    expect(((await spentUp.json()) as { error: { message: string } }).error.message).toBe('The budget for this API key is spent for this period.');
  });

  it('a budget held by requests in flight, not spent, is told so: it comes back as they finish', async () => {
    const key = await createKey(0.2);
    // At most $0.11 each: one running holds more than half of the $0.20, and nothing is spent until it ends.
    const running = chat(key.secret, { model: 'pricey/echo', ...prompt, provider_options: { mock: { latency_ms: 500 } } });
    await expect.poll(() => gateway.gateway.runtime.storage!.budgets.reserved(`key:${key.id}`, epoch)).toBeGreaterThan(0.1);
    const held = await chat(key.secret, { model: 'pricey/echo', ...prompt });
    expect(held.status).toBe(429);
    expect(((await held.json()) as { error: unknown }).error).toEqual({
      message: 'The budget for this API key is held by requests in flight ($0 of $0.2 spent); try again when they finish.',
      type: 'insufficient_quota',
      code: 'insufficient_quota',
      param: null,
    });
    expect((await running).status).toBe(200);
    await expect.poll(() => gateway.gateway.runtime.storage!.budgets.reserved(`key:${key.id}`, epoch)).toBe(0);
    // Spent past the room for one more: that one is told the budget is spent.
    const spentUp = await chat(key.secret, { model: 'pricey/echo', ...prompt });
    expect(spentUp.status).toBe(429);
    expect(((await spentUp.json()) as { error: { message: string } }).error.message).toBe('The budget for this API key is spent for this period.');
  });

  it('unauthenticated requests leave no (none) rows in the ledger; they are counted instead', async () => {
    const ledger = gateway.gateway.runtime.storage!.ledger;
    const before = gateway.gateway.runtime.unattributedRequests;
    const finished = records.length;
    const key = await createKey(10);
    const statuses = [
      (await chat(undefined, { model: 'pricey/echo', messages: [{ role: 'user', content: 'hi' }] })).status,
      (await chat('sy-not-a-real-key-0000000000000000', { model: 'pricey/echo', messages: [{ role: 'user', content: 'hi' }] })).status,
      (await chat(undefined, { model: 'pricey/echo', messages: 'garbage' })).status,
      (await chat(undefined, { model: 7, max_tokens: 1e309 })).status,
      (await chat(key.secret, { model: 'pricey/echo', messages: [{ role: 'user', content: 'hi' }] })).status,
    ];
    // Auth runs before the body is read, so a garbage body without a key is a 401 too.
    expect(statuses).toEqual([401, 401, 401, 401, 200]);
    await expect.poll(() => records.length).toBe(finished + 5);
    expect(gateway.gateway.runtime.unattributedRequests - before).toBe(4);
    await expect.poll(async () => (await ledger.query({ groupBy: 'key', from: epoch, to: farFuture })).find((row) => row.group === key.id)?.requests).toBe(1);
    const rows = await ledger.query({ groupBy: 'key', from: epoch, to: farFuture });
    expect(rows.map((row) => row.group)).not.toContain('(none)');
  });
});
