import type { RequestRecord } from '@switchyard/core';
import { expect } from 'vitest';
import type { TestGateway } from './start-test-gateway.js';

const epoch = new Date(0).toISOString();
const farFuture = '2999-01-01T00:00:00.000Z';

/**
 * Sends budgeted chat request number `i` with a key's secret (every other one streamed,
 * prompts of varied length) and resolves with its status once its answer is read, 0 when
 * the connection failed: traffic for tests that break the store under it.
 */
export function budgetedChatSender(gateway: TestGateway, secret: string): (i: number) => Promise<number> {
  return (i) =>
    fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', stream: i % 2 === 0, max_tokens: 30, messages: [{ role: 'user', content: `request ${i} ${'word '.repeat(i % 7)}` }] }),
    }).then(
      async (response) => (await response.text(), response.status),
      () => 0,
    );
}

/**
 * Once the store is back (polled up to `timeoutMs`): nothing of the key is held, the
 * ledger has one record per request the gateway finished for it, at the cost those
 * records say, and the budget spent that cost to the micro-dollar (what is under one
 * may still be carried in the process).
 */
export async function expectBudgetAgreesWithLedger(gateway: TestGateway, keyId: string, records: readonly RequestRecord[], timeoutMs: number): Promise<void> {
  const { budgets, ledger } = gateway.gateway.runtime.storage!;
  const owner = `key:${keyId}`;
  const keyed = () => records.filter((record) => record.keyId === keyId);
  const ledgerRow = async () => (await ledger.query({ groupBy: 'key', from: epoch, to: farFuture, keyId }))[0];
  await expect.poll(() => budgets.reserved(owner, epoch), { timeout: timeoutMs }).toBe(0);
  await expect.poll(async () => (await ledgerRow())?.requests, { timeout: timeoutMs }).toBe(keyed().length);
  const recordedCost = keyed().reduce((sum, record) => sum + record.costUsd, 0);
  expect((await ledgerRow())!.costUsd).toBeCloseTo(recordedCost, 9);
  await expect.poll(async () => Math.abs((await budgets.spent(owner, epoch)) * 1e6 - recordedCost * 1e6), { timeout: timeoutMs }).toBeLessThan(1);
}
