import { createLogger, type BudgetStore } from '@switchyard/core';
import { BudgetLeaseKeeper } from '@switchyard/policy-keys';
import { openSqliteStorage } from '@switchyard/store-sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const account = { owner: 'key:key_lease', windowStart: new Date(0).toISOString(), limitUsd: 10 };
const logger = createLogger({ level: 'silent' });

/** The store, with a hook on each finished renewal and sweep, so tests await ticks instead of sleeping. */
function observed(budgets: BudgetStore) {
  const listeners: Array<(event: { kind: 'renewed' | 'released'; count: number }) => void> = [];
  const store: BudgetStore = Object.create(budgets) as BudgetStore;
  store.renewLeases = async (holder, ttlMs) => {
    const count = await budgets.renewLeases(holder, ttlMs);
    for (const listener of listeners) listener({ kind: 'renewed', count });
    return count;
  };
  store.releaseExpired = async (now) => {
    const count = await budgets.releaseExpired(now);
    for (const listener of listeners) listener({ kind: 'released', count });
    return count;
  };
  const next = (test: (event: { kind: 'renewed' | 'released'; count: number }) => boolean) =>
    new Promise<void>((resolve) => {
      const listener = (event: { kind: 'renewed' | 'released'; count: number }) => {
        if (!test(event)) return;
        listeners.splice(listeners.indexOf(listener), 1);
        resolve();
      };
      listeners.push(listener);
    });
  return { store, next };
}

describe('BudgetLeaseKeeper', () => {
  let budgets: BudgetStore;
  beforeEach(async () => {
    budgets = openSqliteStorage({ file: ':memory:' }).budgets;
    await budgets.migrate();
  });
  afterEach(() => budgets.close());

  it("keeps a live process's reservations past their lease, with one renewal per period for all of them", async () => {
    const { store, next } = observed(budgets);
    const keeper = new BudgetLeaseKeeper(store, 300, logger);
    for (let i = 0; i < 5; i++) await store.reserve([account], 0.5, keeper.lease);
    const started = performance.now();
    keeper.start();
    // Renewals (all five reservations at once) until well past the first lease.
    while (performance.now() - started < 900) await next((event) => event.kind === 'renewed' && event.count === 5);
    await keeper.stop();
    expect(await budgets.reserved(account.owner, account.windowStart)).toBeCloseTo(2.5, 9);
  });

  it("a second process's sweep releases a dead one's reservations once their lease ran out", async () => {
    const { store, next } = observed(budgets);
    const dead = new BudgetLeaseKeeper(store, 200, logger);
    await store.reserve([account], 1.5, dead.lease);
    await store.reserve([account], 0.25); // no lease: the default lifetime, far longer
    const alive = new BudgetLeaseKeeper(store, 200, logger);
    expect(alive.holder).not.toBe(dead.holder);
    const released = next((event) => event.kind === 'released' && event.count > 0);
    alive.start();
    await released;
    await alive.stop();
    expect(await budgets.reserved(account.owner, account.windowStart)).toBeCloseTo(0.25, 9);
    expect(await budgets.spent(account.owner, account.windowStart)).toBe(0);
  });

  it('logs and carries on when the store fails; stop() waits for the tick under way', async () => {
    const failing: BudgetStore = Object.create(budgets) as BudgetStore;
    let calls = 0;
    failing.renewLeases = async () => {
      calls++;
      throw new Error('store down');
    };
    failing.releaseExpired = async () => {
      calls++;
      throw new Error('store down');
    };
    const lines: string[] = [];
    const keeper = new BudgetLeaseKeeper(failing, 1000, createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } }));
    await keeper.tick();
    expect(calls).toBe(2);
    expect(lines.join('')).toContain('renewing budget reservation leases failed');
    expect(lines.join('')).toContain('releasing expired budget reservations failed');
    await keeper.stop();
  });
});
