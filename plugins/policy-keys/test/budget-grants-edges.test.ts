import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type BudgetAccount, type BudgetStore, type StorageSet } from '@switchyard/core';
import { openSqliteStorage } from '@switchyard/store-sqlite';
import postgres from '@switchyard/store-postgres';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { BudgetGrants, type BudgetHold } from '../src/budget-grants.js';
import { BudgetLeaseKeeper } from '../src/budget-lease-keeper.js';
import { counted } from './support/counted-store.js';
import { losingReplies } from './support/lost-reply-store.js';

/**
 * Budget grants where the money paths are easiest to get wrong: a store that fails
 * mid-way (a payment batch, a grant's end, a request's own settlement), a store call
 * that times out but still runs, hostile numbers for real and maximum costs, and
 * requests charged to several accounts near their limits. Real SQLite files (and
 * PostgreSQL when it runs here); every total is checked to the micro-dollar.
 */

const logger = createLogger({ level: 'silent' });
const window1 = '2029-11-01T00:00:00.000Z';
const lease = { holder: 'grants-edges', ttlMs: 60_000 };
const micros = (usd: number) => Math.round(usd * 1e6);
const dirs: string[] = [];
const opened: StorageSet[] = [];

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(opened.splice(0).map((storage) => storage.budgets.close()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-grants-edges-'));
  dirs.push(dir);
  return path.join(dir, 'gateway.db');
}

/** SQLite storage on `file`; a short busy timeout makes a locked file fail fast, as an outage (503). */
async function openBudgets(file: string, options: { thread?: 'main' | 'worker'; busyTimeoutMs?: number; callTimeoutMs?: number } = {}): Promise<BudgetStore> {
  const storage = openSqliteStorage({ file, thread: options.thread ?? 'main', busyTimeoutMs: options.busyTimeoutMs ?? 5, callTimeoutMs: options.callTimeoutMs, logger });
  opened.push(storage);
  await storage.budgets.migrate();
  return storage.budgets;
}

/** Another process holding the file's write lock until it lets go. */
function lockFile(file: string): { release(): void } {
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  return {
    release() {
      other.exec('COMMIT');
      other.close();
    },
  };
}

async function held(grants: BudgetGrants, accounts: BudgetAccount[], usd: number): Promise<BudgetHold> {
  const result = await grants.hold(accounts, usd);
  if (!result.ok) throw new Error(`expected a hold, ${result.exhausted} is exhausted`);
  return result.hold;
}

async function totals(store: BudgetStore, owner: string): Promise<{ spent: number; reserved: number }> {
  return { spent: micros(await store.spent(owner, window1)), reserved: micros(await store.reserved(owner, window1)) };
}

describe('budget grants when the store fails mid-way', () => {
  it('a payment batch an outage kept from the store is paid when its grant ends, not lost', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const file = tempFile();
    const budgets = await openBudgets(file);
    const grants = new BudgetGrants(budgets, lease, { requests: 32, idleMs: 1_000, payWithinMs: 5 }, logger);
    const key: BudgetAccount = { owner: 'key:failed-batch', windowStart: window1, limitUsd: 10 };
    const [a, b, c] = [await held(grants, [key], 0.01), await held(grants, [key], 0.01), await held(grants, [key], 0.01)];

    // Two requests' payments go in one batch, which the locked file refuses (SQLITE_BUSY: a 503 outage).
    const lock = lockFile(file);
    const failed = Promise.allSettled([grants.settle(a, 0.004), grants.settle(b, 0.003)]);
    await vi.advanceTimersByTimeAsync(5);
    expect((await failed).map((outcome) => outcome.status === 'rejected' && (outcome.reason as { code?: string }).code)).toEqual(['store_unavailable', 'store_unavailable']);
    lock.release();

    // The store is back: the last request pays, and the grant ends paying what the outage kept out.
    const last = grants.settle(c, 0.002);
    await vi.advanceTimersByTimeAsync(5);
    await last;
    expect(await totals(budgets, key.owner)).toEqual({ spent: 9_000, reserved: 0 });
    await grants.close();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 9_000, reserved: 0 });
  });

  it('a grant end the store failed is settled again while this process keeps renewing its leases, and its unpaid spend with it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const file = tempFile();
    const budgets = await openBudgets(file);
    const keeper = new BudgetLeaseKeeper(budgets, 3_000, logger);
    const grants = new BudgetGrants(budgets, keeper.lease, { requests: 32, idleMs: 1_000, payWithinMs: 5 }, logger);
    const key: BudgetAccount = { owner: 'key:failed-end', windowStart: window1, limitUsd: 10 };
    const [a, b] = [await held(grants, [key], 0.01), await held(grants, [key], 0.01)];

    // The batch fails, and so does the grant's end right after it: the file is still locked.
    const lock = lockFile(file);
    const failed = Promise.allSettled([grants.settle(a, 0.004), grants.settle(b, 0.003)]);
    await vi.advanceTimersByTimeAsync(5);
    await failed;
    lock.release();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 0, reserved: 320_000 });

    // A lease renewed every second (a third of it) never expires: only settling again gives it back.
    for (let second = 0; second < 5; second++) {
      await keeper.tick();
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(await totals(budgets, key.owner)).toEqual({ spent: 7_000, reserved: 0 });
    // Settled once: more ticks change nothing.
    await vi.advanceTimersByTimeAsync(60_000);
    await grants.close();
    await keeper.stop();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 7_000, reserved: 0 });
  });

  it("a request's own reservation whose settlement failed is settled again, exactly once", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const file = tempFile();
    const budgets = await openBudgets(file);
    const grants = new BudgetGrants(budgets, lease, { requests: 0, idleMs: 1_000 }, logger);
    const key: BudgetAccount = { owner: 'key:own-settle', windowStart: window1, limitUsd: 1 };
    const hold = await held(grants, [key], 0.05);
    expect(hold.kind).toBe('own');

    const lock = lockFile(file);
    await expect(grants.settle(hold, 0.0123)).rejects.toMatchObject({ code: 'store_unavailable' });
    lock.release();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 0, reserved: 50_000 });
    await vi.advanceTimersByTimeAsync(500);
    expect(await totals(budgets, key.owner)).toEqual({ spent: 12_300, reserved: 0 });
    await vi.advanceTimersByTimeAsync(60_000);
    await grants.close();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 12_300, reserved: 0 });
  });

  it('close() settles what the store failed, once more, without waiting for the next retry', async () => {
    const file = tempFile();
    const budgets = await openBudgets(file);
    const grants = new BudgetGrants(budgets, lease, { requests: 32, idleMs: 600_000, payWithinMs: 0 }, logger);
    const key: BudgetAccount = { owner: 'key:close-retry', windowStart: window1, limitUsd: 10 };
    const hold = await held(grants, [key], 0.01);
    const lock = lockFile(file);
    await expect(grants.settle(hold, 0.0042)).rejects.toMatchObject({ code: 'store_unavailable' });
    lock.release();
    await grants.close();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 4_200, reserved: 0 });
  });

  it('close() with the store still failing says how many settlements and how much spend did not reach it, in one line', async () => {
    const file = tempFile();
    const budgets = await openBudgets(file);
    const lines: Record<string, unknown>[] = [];
    const logged = createLogger({ level: 'error', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const grants = new BudgetGrants(budgets, lease, { requests: 0, idleMs: 600_000 }, logged);
    const key: BudgetAccount = { owner: 'key:close-still-failing', windowStart: window1, limitUsd: 10 };
    const first = await held(grants, [key], 0.01);
    const second = await held(grants, [key], 0.02);
    const lock = lockFile(file);
    await expect(grants.settle(first, 0.0042)).rejects.toMatchObject({ code: 'store_unavailable' });
    await expect(grants.settle(second, 0.0105)).rejects.toMatchObject({ code: 'store_unavailable' });
    await grants.close();
    lock.release();
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, unsettled: 2, unpaidUsd: 0.0147, msg: expect.stringContaining("settling a budget reservation failed; the budget store did not take 2 settlements before shutdown: their holds go back when their leases run out, and up to $0.0147 of spend") }),
    ]);
    // The holds go back with their leases; that spend is not in the budget.
    expect(await totals(budgets, key.owner)).toEqual({ spent: 0, reserved: 30_000 });
  });

  it('a grant whose lease ran out during an outage, and which another instance swept, is given up: later requests pay into a new one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const file = tempFile();
    const budgets = await openBudgets(file);
    const keeper = new BudgetLeaseKeeper(budgets, 3_000, logger);
    // Idle grants are kept ten minutes (idle_ms allows it): far longer than a lease.
    const grants = new BudgetGrants(budgets, keeper.lease, { requests: 32, idleMs: 600_000, payWithinMs: 0, leaseHolds: (madeAt) => keeper.holds(madeAt) }, logger);
    const key: BudgetAccount = { owner: 'key:lapsed-lease', windowStart: window1, limitUsd: 10 };
    const first = grants.settle(await held(grants, [key], 0.01), 0.001);
    await vi.advanceTimersByTimeAsync(0);
    await first;

    // The store is down for four seconds: renewals fail, the grant's three-second lease runs out.
    const lock = lockFile(file);
    for (let second = 0; second < 4; second++) {
      await keeper.tick();
      await vi.advanceTimersByTimeAsync(1_000);
    }
    lock.release();
    // Back: another instance's sweep comes first and releases the expired grant; then this one renews.
    expect(await budgets.releaseExpired()).toBe(1);
    await keeper.tick();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 1_000, reserved: 0 });

    const later = grants.settle(await held(grants, [key], 0.01), 0.005);
    await vi.advanceTimersByTimeAsync(0);
    await later;
    await grants.close();
    await keeper.stop();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 6_000, reserved: 0 });
  });

  it('a payment the SQLite worker timed out on still runs, late: it is not paid a second time when the grant ends', async () => {
    const file = tempFile();
    // The worker waits up to 30 s for the lock; its caller is told "unavailable" after 1 s. Not
    // less: every call has that bound, the reservation before the lock too, and on a loaded
    // machine a reservation took over 100 ms (the test failed once so).
    const budgets = await openBudgets(file, { thread: 'worker', busyTimeoutMs: 30_000, callTimeoutMs: 1_000 });
    const grants = new BudgetGrants(budgets, lease, { requests: 32, idleMs: 600_000, payWithinMs: 0 }, logger);
    const key: BudgetAccount = { owner: 'key:late-payment', windowStart: window1, limitUsd: 10 };
    const hold = await held(grants, [key], 0.01);
    const lock = lockFile(file);
    await expect(grants.settle(hold, 0.0042)).rejects.toMatchObject({ code: 'store_unavailable', cause: { code: 'ERR_SQLITE_WORKER_TIMEOUT' } });
    lock.release();
    // The worker runs every call in order: once close() has its answers, the late payment ran too.
    await grants.close();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 4_200, reserved: 0 });
  });
});

describe('budget grants when a payment counted but its reply was lost', () => {
  it('the payment is sent again with its id before the grant ends, and counts once', async () => {
    const budgets = await openBudgets(tempFile());
    const lossy = losingReplies(budgets);
    const grants = new BudgetGrants(lossy.store, lease, { requests: 32, idleMs: 600_000, payWithinMs: 5 }, logger);
    const key: BudgetAccount = { owner: 'key:lost-payment-reply', windowStart: window1, limitUsd: 10 };
    const [a, b, c] = [await held(grants, [key], 0.01), await held(grants, [key], 0.01), await held(grants, [key], 0.01)];

    // Two requests' payments go in one call, which commits; its reply is lost.
    lossy.loseNext('settlePart');
    const failed = await Promise.allSettled([grants.settle(a, 0.004), grants.settle(b, 0.003)]);
    expect(failed.map((outcome) => outcome.status === 'rejected' && (outcome.reason as { code?: string }).code)).toEqual(['store_unavailable', 'store_unavailable']);
    expect(await totals(budgets, key.owner)).toEqual({ spent: 7_000, reserved: 320_000 - 7_000 });

    // The grant ends with its last request: the lost payment goes again first, and is not counted again.
    await grants.settle(c, 0.002);
    await grants.close();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 9_000, reserved: 0 });
  });

  it("the payment sent again loses its reply too: the grant's end is tried again, and still counts it once", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    const budgets = await openBudgets(tempFile());
    const lossy = losingReplies(budgets);
    const grants = new BudgetGrants(lossy.store, lease, { requests: 32, idleMs: 1_000, payWithinMs: 0 }, logger);
    const key: BudgetAccount = { owner: 'key:lost-twice', windowStart: window1, limitUsd: 10 };
    const hold = await held(grants, [key], 0.01);
    lossy.loseNext('settlePart', 2);
    const failed = grants.settle(hold, 0.004321).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(0);
    expect(await failed).toMatchObject({ code: 'store_unavailable' });
    await vi.advanceTimersByTimeAsync(5_000);
    await grants.close();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 4_321, reserved: 0 });
  });
});

describe('budget grants when a payment sent again is refused', () => {
  it('the refusal is logged with the payment id and the payment dropped, once; the grant still ends and gives its hold back', async () => {
    const budgets = await openBudgets(tempFile());
    const lossy = losingReplies(budgets);
    // The re-send (and only it) is refused outright: a store error that is not an outage.
    let settleParts = 0;
    const refusing = new Proxy(lossy.store, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property !== 'settlePart' || typeof value !== 'function') return value;
        return (...args: unknown[]) => (++settleParts === 2 ? Promise.reject(new RangeError('refused')) : (value as (...a: unknown[]) => Promise<void>).apply(target, args));
      },
    });
    const lines: string[] = [];
    const capturing = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const grants = new BudgetGrants(refusing, lease, { requests: 32, idleMs: 600_000, payWithinMs: 0 }, capturing);
    const key: BudgetAccount = { owner: 'key:refused-resend', windowStart: window1, limitUsd: 10 };
    const hold = await held(grants, [key], 0.01);
    // The payment commits, its reply is lost: it is kept to be sent again when the grant ends.
    lossy.loseNext('settlePart');
    await expect(grants.settle(hold, 0.004)).rejects.toMatchObject({ code: 'store_unavailable' });
    await grants.close();
    expect(settleParts).toBe(2);
    const refusals = lines.filter((line) => line.includes('the store refused a budget payment sent again'));
    expect(refusals).toHaveLength(1);
    expect(JSON.parse(refusals[0]!)).toMatchObject({ level: 50, paymentId: 'pay_1' });
    // The first sending counted; the hold went back when the grant ended.
    expect(await totals(budgets, key.owner)).toEqual({ spent: 4_000, reserved: 0 });
  });
});

describe('budget grants and hostile numbers', () => {
  for (const [name, hostile] of [
    ['Infinity', Number.POSITIVE_INFINITY],
    ['1e302', 1e302],
    ['NaN', Number.NaN],
    ['-1', -1],
  ] as const) {
    it(`a real cost of ${name} is charged as its request's maximum: the payment it shares goes through, and the grant still keeps the limit`, async () => {
      const budgets = await openBudgets(':memory:');
      const grants = new BudgetGrants(budgets, lease, { requests: 32, idleMs: 600_000, payWithinMs: 20 }, logger);
      const key: BudgetAccount = { owner: `key:hostile-${name}`, windowStart: window1, limitUsd: 1 };
      const [a, b] = [await held(grants, [key], 0.01), await held(grants, [key], 0.01)];
      // Settled in the same turn: one payment for both.
      await Promise.all([grants.settle(a, 0.004), grants.settle(b, hostile)]);
      expect(await totals(budgets, key.owner)).toMatchObject({ spent: 14_000 });

      // What is left (0.986) admits exactly 98 more requests of at most 0.01, however the grant was settled.
      let admitted = 0;
      for (let i = 0; i < 150; i++) if ((await grants.hold([key], 0.01)).ok) admitted++;
      expect(admitted).toBe(98);
      const { spent, reserved } = await totals(budgets, key.owner);
      expect(spent + reserved).toBeLessThanOrEqual(1_000_000);
    });
  }

  it('a maximum cost no store can count (NaN, Infinity, beyond 2^53 micro-dollars) or beyond a limit is refused without a store call', async () => {
    const { store, calls } = counted(await openBudgets(':memory:'));
    const grants = new BudgetGrants(store, lease, { requests: 32, idleMs: 600_000 }, logger);
    const key: BudgetAccount = { owner: 'key:hostile-max', windowStart: window1, limitUsd: 100 };
    const team: BudgetAccount = { owner: 'team:hostile-max', windowStart: window1, limitUsd: 5 };
    for (const maxCost of [Number.NaN, Number.POSITIVE_INFINITY, 1e10, 1e300, 50]) {
      expect(await grants.hold([key, team], maxCost)).toEqual({ ok: false, exhausted: maxCost === 50 ? team.owner : key.owner });
    }
    expect(calls.reserve ?? 0).toBe(0);
    // A maximum that fits is held as before.
    await grants.settle(await held(grants, [key, team], 0.01), 0.001);
    expect(await totals(store, team.owner)).toMatchObject({ spent: 1_000 });
    await grants.close();
  });
});

describe('budget grants and costs in fractions of a micro-dollar', () => {
  it('property: what the requests on an account cost adds up in its spend to the micro-dollar, with or without grants (each rounded alone, 0.4 micro-dollars spent 0)', async () => {
    const budgets = await openBudgets(':memory:');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        // Costs of 0 to 10 micro-dollars, with nano-dollar fractions (short embeddings inputs, a few tokens of a cheap model).
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 60 }),
        fc.constantFrom(0, 32),
        async (nanos, requests) => {
          const grants = new BudgetGrants(budgets, lease, { requests, idleMs: 600_000, payWithinMs: 0 }, logger);
          const key: BudgetAccount = { owner: `key:fractions-${run++}`, windowStart: window1, limitUsd: 1 };
          for (const cost of nanos) await grants.settle(await held(grants, [key], 0.00001), cost / 1e9);
          await grants.close();
          const total = nanos.reduce((sum, cost) => sum + cost, 0);
          // Less than one micro-dollar may wait for the next request to add up: never more, never spent twice.
          expect((await totals(budgets, key.owner)).spent).toBe(Math.floor(total / 1000));
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('budget grants near the limits of several accounts', () => {
  it("gives back this process's unused grants on every account the store names in turn: the key's first, then the team's", async () => {
    const budgets = await openBudgets(':memory:');
    const grants = new BudgetGrants(budgets, lease, { requests: 32, idleMs: 600_000, payWithinMs: 0 }, logger);
    const team: BudgetAccount = { owner: 'team:turns', windowStart: window1, limitUsd: 1 };
    const a: BudgetAccount = { owner: 'key:turns-a', windowStart: window1, limitUsd: 0.5 };
    const b: BudgetAccount = { owner: 'key:turns-b', windowStart: window1, limitUsd: 10 };
    // Spent elsewhere (another process): key a 0.4 and the team 0.9.
    for (const [account, usd] of [[a, 0.4], [team, 0.9]] as const) {
      const reservation = await budgets.reserve([account], usd);
      if (!reservation.ok) throw new Error('could not spend elsewhere');
      await budgets.settle(reservation.reservationId, usd);
    }
    // Each key's grant holds unused budget on the team: b's 0.049, a's 0.024.
    await grants.settle(await held(grants, [b, team], 0.01), 0.001);
    await grants.settle(await held(grants, [a, team], 0.01), 0.001);
    expect(await totals(budgets, a.owner)).toEqual({ spent: 401_000, reserved: 24_000 });
    expect(await totals(budgets, team.owner)).toEqual({ spent: 902_000, reserved: 73_000 });

    // 0.08 is refused on key a (0.401 + 0.024 + 0.08 > 0.5), then, a's grant given back, on the team
    // (0.902 + 0.049 + 0.08 > 1); it fits both (0.481 ≤ 0.5, 0.982 ≤ 1) once b's grant is given back too.
    const result = await grants.hold([a, team], 0.08);
    expect(result.ok).toBe(true);
    await grants.settle((result as { hold: BudgetHold }).hold, 0.08);
    await grants.close();
    expect(await totals(budgets, a.owner)).toEqual({ spent: 481_000, reserved: 0 });
    expect(await totals(budgets, team.owner)).toEqual({ spent: 982_000, reserved: 0 });
  });
});

const target = await findPostgres();

describe.skipIf(!target.available)('budget grants on PostgreSQL when the store fails mid-way', () => {
  const schema = freshSchemaName();
  let admin: pg.Client;

  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end();
  });

  it('a payment that committed but whose reply was lost is sent again with its id when the grant ends, and counts once', async () => {
    const url = target.available ? target.url : '';
    const storage = await postgres({ url, schema }).open({ dataDir: '/nonexistent', logger });
    opened.push(storage);
    await storage.budgets.migrate();
    const lossy = losingReplies(storage.budgets);
    const grants = new BudgetGrants(lossy.store, lease, { requests: 32, idleMs: 600_000, payWithinMs: 5 }, logger);
    const key: BudgetAccount = { owner: 'key:pg-lost-payment-reply', windowStart: window1, limitUsd: 10 };
    const [a, b] = [await held(grants, [key], 0.01), await held(grants, [key], 0.01)];
    lossy.loseNext('settlePart');
    const failed = await Promise.allSettled([grants.settle(a, 0.004), grants.settle(b, 0.003)]);
    expect(failed.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    await grants.close();
    expect(await totals(storage.budgets, key.owner)).toEqual({ spent: 7_000, reserved: 0 });
  });

  it('a payment batch and the end that a locked row timed out are paid exactly once when the store answers again', async () => {
    const url = target.available ? target.url : '';
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    // 1 s, not less: the reservations before the lock run under it too, and must not time out on a loaded machine.
    const storage = await postgres({ url, schema, statement_timeout_ms: 1_000 }).open({ dataDir: '/nonexistent', logger });
    opened.push(storage);
    await storage.budgets.migrate();
    const budgets = storage.budgets;
    const grants = new BudgetGrants(budgets, lease, { requests: 32, idleMs: 600_000, payWithinMs: 5 }, logger);
    const key: BudgetAccount = { owner: 'key:pg-failed-batch', windowStart: window1, limitUsd: 10 };
    const [a, b] = [await held(grants, [key], 0.01), await held(grants, [key], 0.01)];

    // Another session locks the grant's reservation row: the payment and the end time out (57014, an outage) and roll back.
    await admin.query('BEGIN');
    await admin.query(`SELECT id FROM "${schema}".budget_reservations FOR UPDATE`);
    const failed = await Promise.allSettled([grants.settle(a, 0.004), grants.settle(b, 0.003)]);
    expect(failed.map((outcome) => outcome.status === 'rejected' && (outcome.reason as { code?: string }).code)).toEqual(['store_unavailable', 'store_unavailable']);
    await admin.query('COMMIT');
    expect(await totals(budgets, key.owner)).toEqual({ spent: 0, reserved: 320_000 });

    await grants.close();
    expect(await totals(budgets, key.owner)).toEqual({ spent: 7_000, reserved: 0 });
  });
});
