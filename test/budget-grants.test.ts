import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { costOfUsage, createLogger, sumOfCosts, type BudgetAccount, type BudgetStore, type StorageSet } from '@switchyard/core';
import { BudgetGrants, type BudgetHold } from '@switchyard/policy-keys';
import { openSqliteStorage } from '@switchyard/store-sqlite';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { counted } from '../plugins/policy-keys/test/support/counted-store.js';

const logger = createLogger({ level: 'silent' });
const window1 = '2029-11-01T00:00:00.000Z';
const window2 = '2029-12-01T00:00:00.000Z';
const lease = { holder: 'gateway-under-test', ttlMs: 60_000 };
const dirs: string[] = [];
const opened: StorageSet[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.budgets.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function openBudgets(file = ':memory:', thread: 'main' | 'worker' = 'main'): Promise<BudgetStore> {
  const storage = openSqliteStorage({ file, thread, logger });
  opened.push(storage);
  await storage.budgets.migrate();
  return storage.budgets;
}

function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-grants-'));
  dirs.push(dir);
  return path.join(dir, 'gateway.db');
}

const micros = (usd: number) => Math.round(usd * 1e6);

async function held(grants: BudgetGrants, accounts: BudgetAccount[], usd: number): Promise<BudgetHold> {
  const result = await grants.hold(accounts, usd);
  if (!result.ok) throw new Error(`expected a hold, ${result.exhausted} is exhausted`);
  return result.hold;
}

describe('BudgetGrants', () => {
  it('serves many requests from one reservation and pays each one its real cost, exactly', async () => {
    const { store, calls } = counted(await openBudgets());
    const grants = new BudgetGrants(store, lease, { requests: 32, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:k1', windowStart: window1, limitUsd: 100 };
    let paid = 0;
    for (let i = 0; i < 200; i++) {
      const hold = await held(grants, [key], 0.01);
      const actual = (i % 9) * 0.000137;
      paid += micros(actual);
      await grants.settle(hold, actual);
    }
    // One grant of 32 requests' maximum: real costs far below the maximum never used it up.
    expect(calls.reserve).toBe(1);
    expect(calls.settlePart).toBe(200 - Math.ceil(200 / 9));
    expect(micros(await store.spent(key.owner, window1))).toBe(paid);
    expect(micros(await store.reserved(key.owner, window1))).toBe(micros(0.32) - paid);
    await grants.close();
    expect(await store.reserved(key.owner, window1)).toBe(0);
    expect(micros(await store.spent(key.owner, window1))).toBe(paid);
  });

  it('pays a grant\'s requests together within pay_within_ms: one store call for many settlements, each settlement resolved once paid', async () => {
    const { store, calls } = counted(await openBudgets());
    const grants = new BudgetGrants(store, lease, { requests: 32, idleMs: 60_000, payWithinMs: 20 }, logger);
    const key: BudgetAccount = { owner: 'key:batched', windowStart: window1, limitUsd: 100 };
    const holds = await Promise.all(Array.from({ length: 10 }, () => held(grants, [key], 0.01)));
    const settled = Promise.all(holds.map((hold, i) => grants.settle(hold, 0.000101 * (i + 1))));
    expect(calls.settlePart ?? 0).toBe(0);
    await settled;
    expect(calls.settlePart).toBe(1);
    expect(micros(await store.spent(key.owner, window1))).toBe(101 * 55);
    // A settlement left when the process closes is paid before its grant ends.
    const last = grants.settle(await held(grants, [key], 0.01), 0.002);
    await grants.close();
    expect(micros(await store.spent(key.owner, window1))).toBe(101 * 55 + 2_000);
    expect(await store.reserved(key.owner, window1)).toBe(0);
    await last;
  });

  it('grows a grant to the requests in flight: 64 clients at once reserve in the store for a small share of their requests', async () => {
    const { store, calls } = counted(await openBudgets(tempFile(), 'worker'));
    const grants = new BudgetGrants(store, lease, { requests: 4, idleMs: 60_000, payWithinMs: 2 }, logger);
    const key: BudgetAccount = { owner: 'key:busy-clients', windowStart: window1, limitUsd: 1_000 };
    let paid = 0;
    await Promise.all(
      Array.from({ length: 64 }, async (_, client) => {
        for (let i = 0; i < 20; i++) {
          const hold = await held(grants, [key], 0.01);
          await new Promise((resolve) => setTimeout(resolve, (client + i) % 3));
          paid += 1_000;
          await grants.settle(hold, 0.001);
        }
      }),
    );
    await grants.close();
    console.info(`64 clients × 20 requests through grants of 4 requests and more: ${calls.reserve} reservations, ${calls.settlePart} payments`);
    // 90-200 here; grants that stayed at 4 requests took ~1,100 (most requests then reserve their own).
    expect(calls.reserve).toBeLessThan((64 * 20) / 3);
    expect(micros(await store.spent(key.owner, window1))).toBe(paid);
    expect(await store.reserved(key.owner, window1)).toBe(0);
  });

  it('close() waits for a payment still on its way and then ends the grant, however slowly the store answers it', async () => {
    const budgets = await openBudgets();
    // A store that answers payments after everything else (as separate database connections may).
    const slow: BudgetStore = Object.create(budgets) as BudgetStore;
    slow.settlePart = async (reservationId, actualUsd, releasedUsd) => {
      if (actualUsd > 0) await new Promise((resolve) => setTimeout(resolve, 50));
      return budgets.settlePart!(reservationId, actualUsd, releasedUsd);
    };
    const grants = new BudgetGrants(slow, lease, { requests: 32, idleMs: 60_000, payWithinMs: 1_000 }, logger);
    const key: BudgetAccount = { owner: 'key:slow-payments', windowStart: window1, limitUsd: 100 };
    const settled = Promise.all(Array.from({ length: 5 }, async () => grants.settle(await held(grants, [key], 0.01), 0.003)));
    await new Promise((resolve) => setImmediate(resolve));
    await grants.close();
    expect(micros(await budgets.spent(key.owner, window1))).toBe(15_000);
    expect(await budgets.reserved(key.owner, window1)).toBe(0);
    await settled;
  });

  it('reserves per request when the budget is too small for a grant of two requests within 1/20 of it', async () => {
    const { store, calls } = counted(await openBudgets());
    const grants = new BudgetGrants(store, lease, { requests: 32, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:small', windowStart: window1, limitUsd: 0.3 };
    const outcomes: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      const result = await grants.hold([key], 0.03);
      outcomes.push(result.ok);
      if (result.ok) await grants.settle(result.hold, 0.03);
    }
    expect(outcomes).toEqual([...Array(10).fill(true), false, false]);
    expect(calls.reserve).toBe(12);
    expect(calls.settlePart ?? 0).toBe(0);
    expect(micros(await store.spent(key.owner, window1))).toBe(micros(0.3));
  });

  it('requests: 0 turns grants off', async () => {
    const { store, calls } = counted(await openBudgets());
    const grants = new BudgetGrants(store, lease, { requests: 0, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:off', windowStart: window1, limitUsd: 100 };
    for (let i = 0; i < 5; i++) await grants.settle(await held(grants, [key], 0.01), 0.001);
    expect(calls.reserve).toBe(5);
    expect(calls.settle).toBe(5);
    expect(await store.reserved(key.owner, window1)).toBe(0);
  });

  it.each([32, 0])('costs with fractions of a nano-dollar add up to what the ledger sums, to the micro-dollar (requests: %i)', async (requests) => {
    const { store } = counted(await openBudgets());
    const grants = new BudgetGrants(store, lease, { requests, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: `key:sub-nano-${requests}`, windowStart: window1, limitUsd: 100 };
    // One cached token of Nova Micro ($0.00875 a million) is 8.75 nano-dollars, what the ledger records;
    // rounded to 9 nano-dollars each, 20,000 of them paid 180 micro-dollars for 175.
    const price = { input: 0.035, cached_input: 0.00875, output: 0.14 };
    const actual = costOfUsage(price, { inputTokens: 1, cachedInputTokens: 1, outputTokens: 0 });
    let ledger = 0;
    for (let i = 0; i < 20_000; i++) {
      ledger += actual;
      await grants.settle(await held(grants, [key], 0.00001), actual);
    }
    await grants.close();
    expect(micros(sumOfCosts(ledger))).toBe(175);
    expect(micros(await store.spent(key.owner, window1))).toBe(175);
  });

  it('near the limit, admits exactly what fits: grants shrink to single reservations, and nothing is refused while room is left', async () => {
    const { store } = counted(await openBudgets());
    const grants = new BudgetGrants(store, lease, { requests: 32, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:edge', windowStart: window1, limitUsd: 1 };
    let admitted = 0;
    for (let i = 0; i < 120; i++) {
      const result = await grants.hold([key], 0.01);
      if (!result.ok) {
        expect(result.exhausted).toBe(key.owner);
        continue;
      }
      admitted++;
      await grants.settle(result.hold, 0.01);
    }
    expect(admitted).toBe(100);
    expect(micros(await store.spent(key.owner, window1))).toBe(1_000_000);
    await grants.close();
    expect(await store.reserved(key.owner, window1)).toBe(0);
  });

  it('under concurrency never holds beyond the limit, and every admitted request is paid to the micro-dollar', async () => {
    const budgets = await openBudgets(tempFile(), 'worker');
    const grants = new BudgetGrants(budgets, lease, { requests: 8, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:busy', windowStart: window1, limitUsd: 2 };
    const team: BudgetAccount = { owner: 'team:busy', windowStart: window1, limitUsd: 1.5 };
    let paid = 0;
    let admitted = 0;
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const result = await grants.hold([key, team], 0.01);
        if (!result.ok) return;
        admitted++;
        await new Promise((resolve) => setTimeout(resolve, i % 5));
        const actual = i % 3 === 0 ? 0.01 : 0.004;
        paid += micros(actual);
        await grants.settle(result.hold, actual);
      }),
    );
    await grants.close();
    const spent = micros(await budgets.spent(team.owner, window1));
    expect(spent).toBe(paid);
    expect(spent).toBeLessThanOrEqual(1_500_000);
    // At least all that fit at once (1.5 / 0.01); more once settlements below the maximum freed room.
    expect(admitted).toBeGreaterThanOrEqual(150);
    expect(await budgets.reserved(team.owner, window1)).toBe(0);
    expect(micros(await budgets.spent(key.owner, window1))).toBe(paid);
  });

  it("gives back what one key's grant holds unused when another key of the same team is refused", async () => {
    const budgets = await openBudgets();
    const grants = new BudgetGrants(budgets, lease, { requests: 32, idleMs: 60_000 }, logger);
    const team: BudgetAccount = { owner: 'team:shared', windowStart: window1, limitUsd: 1 };
    const a: BudgetAccount = { owner: 'key:a', windowStart: window1, limitUsd: 10 };
    const b: BudgetAccount = { owner: 'key:b', windowStart: window1, limitUsd: 10 };
    // Key a spends 0.94 in requests of at most 0.01 (grants of 0.05, 1/20 of the team's limit, each used up by
    // five), then 0.001 from a sixth grant's last 0.01: that grant stays open with 0.009 unused.
    for (let i = 0; i < 94; i++) await grants.settle(await held(grants, [a, team], 0.01), 0.01);
    await grants.settle(await held(grants, [a, team], 0.01), 0.001);
    expect(micros(await budgets.reserved(team.owner, window1))).toBe(9_000);
    // Key b's request (0.055) fits only if a's unused 0.009 goes back: 0.941 + 0.055 ≤ 1 < 0.941 + 0.009 + 0.055.
    const forB = await grants.hold([b, team], 0.055);
    expect(forB.ok).toBe(true);
    await grants.settle((forB as { hold: BudgetHold }).hold, 0.055);
    expect(micros(await budgets.spent(team.owner, window1))).toBe(996_000);
    expect(await budgets.reserved(team.owner, window1)).toBe(0);
    expect(await grants.hold([a, team], 0.005)).toEqual({ ok: false, exhausted: team.owner });
    expect((await grants.hold([a, team], 0.004)).ok).toBe(true);
  });

  it('a new window gets a new grant; the old one is given back once idle', async () => {
    const budgets = await openBudgets();
    // The grants' own clock: no grant idles out before both are checked, however slow the machine.
    let now = Date.now();
    const grants = new BudgetGrants(budgets, lease, { requests: 32, idleMs: 30 }, logger, () => now);
    const november: BudgetAccount = { owner: 'key:monthly', windowStart: window1, limitUsd: 10 };
    const december: BudgetAccount = { ...november, windowStart: window2 };
    await grants.settle(await held(grants, [november], 0.01), 0.002);
    await grants.settle(await held(grants, [december], 0.01), 0.003);
    expect(await budgets.reserved(november.owner, window1)).toBeGreaterThan(0);
    expect(await budgets.reserved(november.owner, window2)).toBeGreaterThan(0);
    now += 1_000;
    await expect.poll(() => budgets.reserved(november.owner, window1), { timeout: 2_000, interval: 10 }).toBe(0);
    await expect.poll(() => budgets.reserved(november.owner, window2), { timeout: 2_000, interval: 10 }).toBe(0);
    expect(micros(await budgets.spent(november.owner, window1))).toBe(2_000);
    expect(micros(await budgets.spent(november.owner, window2))).toBe(3_000);
  });

  it('a changed limit is a new grant, sized and checked against the new limit', async () => {
    const { store, calls } = counted(await openBudgets());
    const grants = new BudgetGrants(store, lease, { requests: 32, idleMs: 60_000 }, logger);
    const owner = 'key:relimited';
    await grants.settle(await held(grants, [{ owner, windowStart: window1, limitUsd: 10 }], 0.01), 0.01);
    await grants.settle(await held(grants, [{ owner, windowStart: window1, limitUsd: 1 }], 0.01), 0.01);
    expect(calls.reserve).toBe(2);
    // The first grant went back when the limit changed; the new one holds 1/20 of the new limit, less what was paid from it.
    expect(micros(await store.reserved(owner, window1))).toBe(50_000 - 10_000);
    expect(micros(await store.spent(owner, window1))).toBe(20_000);
  });

  it('a process that dies keeps what its requests paid; the lease gives back only the unspent rest', async () => {
    const file = tempFile();
    const budgets = await openBudgets(file);
    const dying = new BudgetGrants(budgets, { holder: 'dies', ttlMs: 1_000 }, { requests: 32, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:crash', windowStart: window1, limitUsd: 10 };
    for (let i = 0; i < 10; i++) await dying.settle(await held(dying, [key], 0.01), 0.00125);
    // In flight when it died: held, never paid.
    await held(dying, [key], 0.01);
    expect(micros(await budgets.reserved(key.owner, window1))).toBe(micros(0.32) - 12_500);
    // Never closed: another process sweeps once the lease ran out.
    const other = await openBudgets(file);
    expect(await other.releaseExpired(new Date(Date.now() + 2_000))).toBe(1);
    expect(await other.reserved(key.owner, window1)).toBe(0);
    expect(micros(await other.spent(key.owner, window1))).toBe(12_500);
  });

  it('two processes on one file never spend past the limit together', async () => {
    const file = tempFile();
    const first = new BudgetGrants(await openBudgets(file, 'worker'), { holder: 'one', ttlMs: 60_000 }, { requests: 16, idleMs: 60_000 }, logger);
    const second = new BudgetGrants(await openBudgets(file, 'worker'), { holder: 'two', ttlMs: 60_000 }, { requests: 16, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:two-processes', windowStart: window1, limitUsd: 3 };
    let paid = 0;
    await Promise.all(
      Array.from({ length: 400 }, async (_, i) => {
        const grants = i % 2 === 0 ? first : second;
        const result = await grants.hold([key], 0.01);
        if (!result.ok) return;
        await new Promise((resolve) => setImmediate(resolve));
        paid += 10_000;
        await grants.settle(result.hold, 0.01);
      }),
    );
    await Promise.all([first.close(), second.close()]);
    const reader = await openBudgets(file);
    expect(micros(await reader.spent(key.owner, window1))).toBe(paid);
    expect(paid).toBeLessThanOrEqual(3_000_000);
    // Refusals came at most two grants (1/20 of the limit each) early.
    expect(paid).toBeGreaterThanOrEqual(3_000_000 - 2 * 150_000);
    expect(await reader.reserved(key.owner, window1)).toBe(0);
  });

  it("a payment the store fails is the caller's error, and no request draws from that grant again", async () => {
    const budgets = await openBudgets();
    let failPayments = true;
    const failing: BudgetStore = Object.create(budgets) as BudgetStore;
    failing.settlePart = async (reservationId, actualUsd, releasedUsd) => {
      if (failPayments && actualUsd > 0) throw new Error('SQLITE_BUSY: database is locked');
      return budgets.settlePart!(reservationId, actualUsd, releasedUsd);
    };
    const { store, calls } = counted(failing);
    const grants = new BudgetGrants(store, lease, { requests: 32, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:failing', windowStart: window1, limitUsd: 10 };
    await expect(grants.settle(await held(grants, [key], 0.01), 0.005)).rejects.toThrow('SQLITE_BUSY');
    // The failed grant ended (its hold went back); the next request opens a new one.
    expect(calls.settle).toBe(1);
    expect(await budgets.reserved(key.owner, window1)).toBe(0);
    failPayments = false;
    await grants.settle(await held(grants, [key], 0.01), 0.005);
    expect(calls.reserve).toBe(2);
    expect(micros(await budgets.spent(key.owner, window1))).toBe(5_000);
    await grants.close();
    expect(await budgets.reserved(key.owner, window1)).toBe(0);
  });

  it('a payment a store throws at once (not a rejected promise) fails its own settlement only; the payments sent with it still go through', async () => {
    const budgets = await openBudgets();
    const throwing: BudgetStore = Object.create(budgets) as BudgetStore;
    const broken: BudgetAccount = { owner: 'key:throwing', windowStart: window1, limitUsd: 10 };
    const sound: BudgetAccount = { owner: 'key:sound', windowStart: window1, limitUsd: 10 };
    const brokenReservations = new Set<string>();
    throwing.reserve = async (accounts, amountUsd, holderLease) => {
      const result = await budgets.reserve(accounts, amountUsd, holderLease);
      if (result.ok && accounts[0]!.owner === broken.owner) brokenReservations.add(result.reservationId);
      return result;
    };
    throwing.settlePart = (reservationId, actualUsd, releasedUsd) => {
      if (brokenReservations.has(reservationId) && actualUsd > 0) throw new Error('custom store bug');
      return budgets.settlePart!(reservationId, actualUsd, releasedUsd);
    };
    // Both payments are due in the same turn: the broken grant's first.
    const grants = new BudgetGrants(throwing, lease, { requests: 32, idleMs: 60_000, payWithinMs: 20 }, logger);
    const brokenHold = await held(grants, [broken], 0.01);
    const soundHold = await held(grants, [sound], 0.01);
    const settled = await Promise.allSettled([grants.settle(brokenHold, 0.004), grants.settle(soundHold, 0.006)]);
    expect(settled[0]).toMatchObject({ status: 'rejected', reason: { message: 'custom store bug' } });
    expect(settled[1]!.status).toBe('fulfilled');
    expect(micros(await budgets.spent(sound.owner, window1))).toBe(6_000);
    await grants.close();
    expect(await budgets.reserved(sound.owner, window1)).toBe(0);
  });

  it('a give-back or an end the store refuses is logged, not thrown: close() still resolves and the lease is left to return the amount', async () => {
    // A store rejects; a custom one may throw at once instead: both are logged the same way.
    for (const [kind, refuse] of [
      ['rejects', () => Promise.reject(new Error('SQLITE_READONLY: attempt to write a readonly database'))],
      ['throws', () => {
        throw new Error('SQLITE_READONLY: attempt to write a readonly database');
      }],
    ] as const) {
      const budgets = await openBudgets();
      const refusing: BudgetStore = Object.create(budgets) as BudgetStore;
      refusing.settle = refuse;
      const lines: string[] = [];
      const warnings = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
      const grants = new BudgetGrants(refusing, lease, { requests: 32, idleMs: 60_000 }, warnings);
      const key: BudgetAccount = { owner: `key:refused-end-${kind}`, windowStart: window1, limitUsd: 10 };
      await grants.settle(await held(grants, [key], 0.01), 0.002);
      await expect(grants.close()).resolves.toBeUndefined();
      expect(lines.some((line) => line.includes('ending a budget grant failed; the budget store did not take 1 settlement before shutdown: their holds go back when their leases run out') && line.includes('SQLITE_READONLY'))).toBe(true);
      // Paid before: still spent; the grant's rest stays held until its lease expires and a sweep releases it.
      expect(micros(await budgets.spent(key.owner, window1))).toBe(2_000);
      expect(micros(await budgets.reserved(key.owner, window1))).toBe(320_000 - 2_000);
      await budgets.releaseExpired(new Date(Date.now() + lease.ttlMs + 1_000));
      expect(await budgets.reserved(key.owner, window1)).toBe(0);
    }
  });

  it('an idle grant the sweeper ends, on a store that throws at once, is logged: the timer does not throw', async () => {
    const budgets = await openBudgets();
    const throwing: BudgetStore = Object.create(budgets) as BudgetStore;
    throwing.settle = () => {
      throw new Error('custom store bug');
    };
    const lines: string[] = [];
    const warnings = createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } });
    const grants = new BudgetGrants(throwing, lease, { requests: 32, idleMs: 10 }, warnings);
    const key: BudgetAccount = { owner: 'key:swept', windowStart: window1, limitUsd: 10 };
    await grants.settle(await held(grants, [key], 0.01), 0.002);
    await expect.poll(() => lines.some((line) => line.includes('ending a budget grant failed') && line.includes('custom store bug')), { timeout: 2_000 }).toBe(true);
    await grants.close();
  });

  it('while the store does not answer, every request reserves its own (and is refused with the outage)', async () => {
    const { store, calls } = counted(await openBudgets());
    let answers = true;
    const grants = new BudgetGrants(store, lease, { requests: 32, idleMs: 60_000, storeAnswers: () => answers }, logger);
    const key: BudgetAccount = { owner: 'key:outage', windowStart: window1, limitUsd: 10 };
    await grants.settle(await held(grants, [key], 0.01), 0.001);
    answers = false;
    const during = await held(grants, [key], 0.01);
    expect(during.kind).toBe('own');
    await grants.settle(during, 0.001);
    answers = true;
    expect((await held(grants, [key], 0.01)).kind).toBe('grant');
    expect(calls.reserve).toBe(2);
  });

  it('says when a settlement may have brought spend to the limit: an over-run, or a grant used up', async () => {
    const budgets = await openBudgets();
    const grants = new BudgetGrants(budgets, lease, { requests: 4, idleMs: 60_000 }, logger);
    const key: BudgetAccount = { owner: 'key:alerts', windowStart: window1, limitUsd: 10 };
    expect(await grants.settle(await held(grants, [key], 0.01), 0.004)).toBe(false);
    expect(await grants.settle(await held(grants, [key], 0.01), 0.012)).toBe(true);
    // The grant held 0.04: 0.016 is paid, 0.024 left; one request paying 0.024 uses it up.
    expect(await grants.settle(await held(grants, [key], 0.01), 0.024)).toBe(true);
  });

  it('property: any interleaving of holds and settlements pays exactly what was spent, never holds past the limit, and gives everything back', async () => {
    const budgets = await openBudgets();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          limitMicros: fc.integer({ min: 1, max: 5_000_000 }),
          requests: fc.integer({ min: 0, max: 40 }),
          steps: fc.array(
            fc.record({ maxMicros: fc.integer({ min: 0, max: 200_000 }), spendRatio: fc.double({ min: 0, max: 1.5, noNaN: true }), settleFirst: fc.nat(6) }),
            { maxLength: 60 },
          ),
        }),
        async ({ limitMicros, requests, steps }) => {
          const key: BudgetAccount = { owner: `key:prop${run++}`, windowStart: window1, limitUsd: limitMicros / 1e6 };
          const grants = new BudgetGrants(budgets, lease, { requests, idleMs: 60_000 }, logger);
          const open: Array<{ hold: BudgetHold; maxMicros: number; spendRatio: number }> = [];
          let paid = 0;
          let overrun = 0;
          const settle = async (entry: { hold: BudgetHold; maxMicros: number; spendRatio: number }) => {
            const actual = Math.floor(entry.maxMicros * entry.spendRatio);
            paid += actual;
            overrun += Math.max(0, actual - entry.maxMicros);
            await grants.settle(entry.hold, actual / 1e6);
          };
          for (const step of steps) {
            for (let i = 0; i < step.settleFirst && open.length > 0; i++) await settle(open.shift()!);
            const inFlight = open.reduce((sum, entry) => sum + entry.maxMicros, 0);
            const result = await grants.hold([key], step.maxMicros / 1e6);
            // Within one process, a refusal means the request truly did not fit beside what is spent and in flight.
            if (!result.ok) expect(paid + inFlight + step.maxMicros).toBeGreaterThan(limitMicros);
            else open.push({ hold: result.hold, ...step });
            const spent = micros(await budgets.spent(key.owner, window1));
            const reserved = micros(await budgets.reserved(key.owner, window1));
            expect(spent + reserved).toBeLessThanOrEqual(limitMicros + overrun);
          }
          for (const entry of open.splice(0)) await settle(entry);
          await grants.close();
          expect(micros(await budgets.spent(key.owner, window1))).toBe(paid);
          expect(await budgets.reserved(key.owner, window1)).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
