import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Worker as WorkerThread } from 'node:worker_threads';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { budgetedChatSender, expectBudgetAgreesWithLedger } from './support/budgeted-traffic.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// Every SQLite worker thread the gateway starts is kept here, so the test can kill the live one mid-traffic.
const sqliteThreads = vi.hoisted(() => [] as WorkerThread[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  class KeptWorker extends actual.Worker {
    constructor(script: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      super(script, options);
      if (String(script).endsWith('/sqlite-worker-main.js')) sqliteThreads.push(this);
    }
  }
  return { ...actual, Worker: KeptWorker };
});

let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-money-worker-')) },
    providers: { mock: { use: 'mock', chunk_delay_ms: 2 } },
    prices: { 'mock/echo': { input: 3.3, output: 7.7 } },
    // Payments sent together within 20 ms: a thread that dies takes some with it, unanswered.
    chain: ['auth', { 'key-scope': { budget_grants: { pay_within_ms: 20, idle_ms: 200 } } }, 'route', 'adapter'],
    storage: { use: 'sqlite' },
    usage: { flush_interval_ms: 10, max_batch: 8 },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(() => gateway?.close());

describe('the SQLite worker thread killed while budgeted requests run', () => {
  it('loses and doubles nothing: once the store is back, spend equals the ledger, nothing is held, every keyed request has one record', async () => {
    const key = await createBudgetedKey(gateway, 100, 'worker-dies');
    const send = budgetedChatSender(gateway, key.secret);
    // Warm up: the key is known and a grant is open before the thread dies.
    expect(await send(1000)).toBe(200);
    const statuses: Array<Promise<number>> = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 30; i++) statuses.push(send(round * 30 + i));
      // Mid-traffic: payments, settlements, reservations and ledger batches are in the thread's queue.
      await new Promise((resolve) => setTimeout(resolve, 15));
      // The thread killed last round is replaced at the store's next call: on a loaded machine that can
      // take longer than 15 ms, and killing the dead one again killed nothing (2 threads, not 4).
      await vi.waitFor(() => expect(sqliteThreads.length).toBeGreaterThan(round), { timeout: 10_000 });
      await sqliteThreads.at(-1)!.terminate();
    }
    const answered = await Promise.all(statuses);
    expect(answered.every((status) => status === 200 || status === 503)).toBe(true);
    // Killed three times, and started again for the calls still to come.
    await vi.waitFor(() => expect(sqliteThreads.length).toBeGreaterThanOrEqual(4), { timeout: 10_000 });

    // The store is back: settlements and payments an outage left unanswered are sent again until taken.
    await expectBudgetAgreesWithLedger(gateway, key.id, records, 20_000);
    // Served requests are the ones that cost something.
    expect(records.filter((record) => record.keyId === key.id && record.status === 200).length).toBe(answered.filter((status) => status === 200).length + 1);
  });
});
