// Types only: the worker thread loads this file, and loading core's runtime there would cost a second of start-up.
import type { BudgetAccount, BudgetStore, ReservationLease, ReserveResult } from '@switchyard/core';
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { budgetWindowKey } from './budget-window-key.js';
import type { SqliteHandle } from './database.js';
import type { SqliteLog } from './sqlite-worker-messages.js';

/**
 * Money is counted in whole micro-dollars (1e-6 USD), so sums never drift. An amount
 * is exact up to Number.MAX_SAFE_INTEGER micro-dollars (about 9 billion USD); a larger
 * one would be rounded to another amount, so it is refused.
 */
export function toMicros(usd: number): number {
  if (typeof usd !== 'number' || !Number.isFinite(usd)) throw new TypeError(`not an amount: ${String(usd)}`);
  const micros = Math.round(usd * 1_000_000);
  if (!Number.isSafeInteger(micros)) throw new RangeError(`not an exact amount of micro-dollars: ${usd}`);
  // -0 (from a tiny negative amount) is 0.
  return micros + 0;
}

/** A limit beyond the largest exact amount holds every amount: it is that largest amount, never rounded. */
function limitMicros(usd: number): number {
  if (typeof usd !== 'number' || !Number.isFinite(usd)) throw new TypeError(`not a limit: ${String(usd)}`);
  const micros = Math.round(usd * 1_000_000);
  return micros > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : toMicros(usd);
}

function fromMicros(micros: number): number {
  return micros / 1_000_000;
}

/** A lease with a finite, positive lifetime (a day at most); none means the default, unrenewable. */
function checkedLease(lease: ReservationLease | undefined, defaultTtlMs: number): ReservationLease {
  if (!lease) return { holder: '', ttlMs: defaultTtlMs };
  if (!Number.isFinite(lease.ttlMs) || lease.ttlMs <= 0 || lease.ttlMs > 86_400_000) throw new RangeError(`not a lease lifetime: ${lease.ttlMs}`);
  return lease;
}

/** Core's MAX_PAYMENT_ID_LENGTH (this file imports only core's types: see above). */
const maxPaymentIdLength = 64;

/** Core's MAX_RELEASED_RESERVATIONS: how many released reservations are kept for a late settle. */
const maxReleasedReservations = 100_000;

/** A payment id as `settlePart` takes it: absent, or a non-empty string of bounded length. */
function checkedPaymentId(paymentId: unknown): string | undefined {
  if (paymentId === undefined) return undefined;
  if (typeof paymentId !== 'string' || paymentId.length === 0 || paymentId.length > maxPaymentIdLength) throw new TypeError('not a payment id');
  return paymentId;
}

const reservationIdBytes = 12;
const reservationIdPattern = /^res_[A-Za-z0-9_-]{16}$/;
const reservationIdsPerDraw = 256;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/**
 * `res_` and 12 random bytes. The bytes are drawn from the CSPRNG 256 ids' worth at a
 * time (one call instead of one per reservation, on the path of every request); each
 * byte is used once. The worker client draws them on the main thread (see `reserve`).
 */
export function newReservationId(): string {
  if (randomOffset + reservationIdBytes > randomPool.length) {
    randomPool = randomBytes(reservationIdBytes * reservationIdsPerDraw);
    randomOffset = 0;
  }
  const id = `res_${randomPool.toString('base64url', randomOffset, randomOffset + reservationIdBytes)}`;
  randomOffset += reservationIdBytes;
  return id;
}

/** An account a reservation holds, as its row keeps it: `[owner, window_start]`. */
type HeldAccount = [owner: string, windowStart: string];

/** An account to charge, keyed as its row is, with its limit in micro-dollars. */
interface ChargedAccount {
  owner: string;
  windowStart: string;
  limit: number;
}

/**
 * The accounts to charge, each once, in the order first named: the same account
 * named twice is charged once, against the lower of its limits. A linear scan: a
 * request names a few accounts (key, team, project).
 */
function distinctAccounts(accounts: readonly BudgetAccount[]): ChargedAccount[] {
  const distinct: ChargedAccount[] = [];
  for (const account of accounts) {
    const windowStart = budgetWindowKey(account.windowStart);
    const limit = limitMicros(account.limitUsd);
    const seen = distinct.find((d) => d.owner === account.owner && d.windowStart === windowStart);
    if (seen) seen.limit = Math.min(seen.limit, limit);
    else distinct.push({ owner: account.owner, windowStart, limit });
  }
  return distinct;
}

function prepareStatements(db: Database.Database) {
  return {
    /**
     * Holds the amount on an account if it fits under the limit (last parameter): one
     * statement for the check and the hold; no change when it does not fit. A new
     * account is inserted unchecked: its caller checks the amount against the limit.
     */
    holdWithin: db.prepare(
      `INSERT INTO budget_accounts (owner, window_start, spent_micros, reserved_micros) VALUES (?, ?, 0, ?)
       ON CONFLICT (owner, window_start) DO UPDATE SET reserved_micros = reserved_micros + excluded.reserved_micros
       WHERE spent_micros + reserved_micros + excluded.reserved_micros <= ?`,
    ),
    insertReservation: db.prepare(
      'INSERT INTO budget_reservations (id, amount_micros, created_at, holder, expires_at_ms, accounts) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    /** Ends a reservation and hands back what it held, in one statement. */
    takeReservation: db.prepare('DELETE FROM budget_reservations WHERE id = ? RETURNING amount_micros, accounts'),
    readReservation: db.prepare('SELECT amount_micros, accounts FROM budget_reservations WHERE id = ?'),
    shrinkReservation: db.prepare('UPDATE budget_reservations SET amount_micros = amount_micros - ? WHERE id = ?'),
    /** No change when the reservation already took this payment. */
    recordPayment: db.prepare('INSERT OR IGNORE INTO budget_payments (reservation_id, payment_id) VALUES (?, ?)'),
    forgetPayments: db.prepare('DELETE FROM budget_payments WHERE reservation_id = ?'),
    settleAccount: db.prepare(
      `UPDATE budget_accounts
       SET reserved_micros = MAX(reserved_micros - ?, 0), spent_micros = spent_micros + ?
       WHERE owner = ? AND window_start = ?`,
    ),
    spent: db.prepare('SELECT spent_micros FROM budget_accounts WHERE owner = ? AND window_start = ?'),
    reserved: db.prepare('SELECT reserved_micros FROM budget_accounts WHERE owner = ? AND window_start = ?'),
    renew: db.prepare("UPDATE budget_reservations SET expires_at_ms = ? WHERE holder = ? AND holder <> '' AND released_at_ms IS NULL"),
    expired: db.prepare('SELECT id, amount_micros, accounts FROM budget_reservations WHERE expires_at_ms < ? AND released_at_ms IS NULL ORDER BY expires_at_ms LIMIT ?'),
    /** Kept, holding nothing, so a late settle still finds which accounts to charge. */
    markReleased: db.prepare('UPDATE budget_reservations SET amount_micros = 0, released_at_ms = ? WHERE id = ?'),
    releasedCount: db.prepare('SELECT COUNT(*) FROM budget_reservations WHERE released_at_ms IS NOT NULL').pluck(),
    /** The oldest released first (ties by id, so which go is the same on every run). */
    forgotten: db
      .prepare('DELETE FROM budget_reservations WHERE id IN (SELECT id FROM budget_reservations WHERE released_at_ms IS NOT NULL ORDER BY released_at_ms, id LIMIT ?) RETURNING id')
      .pluck(),
  };
}

/** Thrown inside the reserve transaction to roll back its holds; answered as `{ ok: false }`. */
class BudgetExhausted extends Error {
  constructor(readonly owner: string) {
    super(`budget exhausted: ${owner}`);
  }
}

/**
 * Exact budgets in SQLite. `reserve` and `settle` run in `BEGIN IMMEDIATE`
 * transactions: the check of every account and the hold on all of them happen
 * under the file's write lock, so gateways in several processes sharing the file
 * never overspend together.
 */
export class SqliteBudgetStore implements BudgetStore {
  private readonly statements: () => ReturnType<typeof prepareStatements>;
  private readonly reserveTx: (accounts: BudgetAccount[], micros: number, lease: ReservationLease, reservationId: string) => ReserveResult;
  private readonly settleTx: (reservationId: string, actualMicros: number) => void;
  private readonly settlePartTx: (reservationId: string, actualMicros: number, releasedMicros: number, paymentId: string | undefined) => void;
  private readonly releaseTx: (nowMs: number, batchSize: number) => number;
  private readonly forgetTx: (batchSize: number) => number;

  /**
   * `defaultTtlMs`: the lifetime of a reservation made without a lease (core's DEFAULT_RESERVATION_TTL_MS);
   * `maxReleased`: how many released reservations are kept for a late settle (core's MAX_RELEASED_RESERVATIONS);
   * `log`: where a sweep that forgot some says how many.
   */
  constructor(
    private readonly handle: SqliteHandle,
    private readonly defaultTtlMs: number,
    private readonly maxReleased = maxReleasedReservations,
    private readonly log: SqliteLog = () => undefined,
  ) {
    this.statements = handle.prepare(prepareStatements);
    const db = handle.db;

    const reserve = db.transaction((accounts: BudgetAccount[], micros: number, lease: ReservationLease, reservationId: string): ReserveResult => {
      const s = this.statements();
      const held: HeldAccount[] = [];
      for (const account of distinctAccounts(accounts)) {
        // Checked in order: the first account it does not fit is the one reported. Throwing
        // rolls back the holds already made (the transaction, or its savepoint when shared).
        if (micros > account.limit || s.holdWithin.run(account.owner, account.windowStart, micros, account.limit).changes === 0) {
          throw new BudgetExhausted(account.owner);
        }
        held.push([account.owner, account.windowStart]);
      }
      const now = Date.now();
      s.insertReservation.run(reservationId, micros, new Date(now).toISOString(), lease.holder, now + lease.ttlMs, JSON.stringify(held));
      return { ok: true, reservationId };
    });
    this.reserveTx = (accounts, micros, lease, reservationId) => {
      try {
        return reserve.immediate(accounts, micros, lease, reservationId);
      } catch (error) {
        if (error instanceof BudgetExhausted) return { ok: false, exhausted: error.owner };
        throw error;
      }
    };

    const settle = db.transaction((reservationId: string, actualMicros: number) => this.settleOne(reservationId, actualMicros));
    this.settleTx = (reservationId, actualMicros) => settle.immediate(reservationId, actualMicros);

    const settlePart = db.transaction((reservationId: string, actualMicros: number, releasedMicros: number, paymentId: string | undefined) => {
      const s = this.statements();
      const row = s.readReservation.get(reservationId) as { amount_micros: number; accounts: string } | undefined;
      if (!row) return;
      // A payment id the reservation already took: this is the same payment sent again.
      if (paymentId !== undefined && s.recordPayment.run(reservationId, paymentId).changes === 0) return;
      const taken = Math.min(row.amount_micros, actualMicros + releasedMicros);
      s.shrinkReservation.run(taken, reservationId);
      this.moveToSpent(row.accounts, taken, actualMicros);
    });
    this.settlePartTx = (reservationId, actualMicros, releasedMicros, paymentId) => settlePart.immediate(reservationId, actualMicros, releasedMicros, paymentId);

    // An expired reservation's amount goes back to every account it held, and nothing is spent;
    // it is kept, holding nothing, until a late settle (see BudgetStore.settle), however late, or `forget`.
    const release = db.transaction((nowMs: number, batchSize: number) => {
      const s = this.statements();
      const rows = s.expired.all(nowMs, batchSize) as { id: string; amount_micros: number; accounts: string }[];
      for (const row of rows) {
        s.markReleased.run(nowMs, row.id);
        this.moveToSpent(row.accounts, row.amount_micros, 0);
      }
      return rows.length;
    });
    this.releaseTx = (nowMs, batchSize) => release.immediate(nowMs, batchSize);

    // Past `maxReleased` released reservations, the oldest released are forgotten: a settle of one then does nothing.
    const forget = db.transaction((batchSize: number) => {
      const s = this.statements();
      const excess = (s.releasedCount.get() as number) - this.maxReleased;
      if (excess <= 0) return 0;
      const ids = s.forgotten.all(Math.min(excess, batchSize)) as string[];
      for (const id of ids) s.forgetPayments.run(id);
      return ids.length;
    });
    this.forgetTx = (batchSize) => forget.immediate(batchSize);
  }

  /**
   * Inside a transaction: ends the reservation (and forgets its payment ids) and moves its amount
   * from reserved to `actualMicros` spent on each account it held. One the sweep released holds 0:
   * its late settle only spends.
   */
  private settleOne(reservationId: string, actualMicros: number): void {
    const s = this.statements();
    const row = s.takeReservation.get(reservationId) as { amount_micros: number; accounts: string } | undefined;
    if (!row) return;
    s.forgetPayments.run(reservationId);
    this.moveToSpent(row.accounts, row.amount_micros, actualMicros);
  }

  /** Inside a transaction: `heldMicros` stops being reserved and `actualMicros` is spent, on each account a reservation held (its `accounts` JSON). */
  private moveToSpent(accounts: string, heldMicros: number, actualMicros: number): void {
    const s = this.statements();
    for (const [owner, windowStart] of JSON.parse(accounts) as HeldAccount[]) s.settleAccount.run(heldMicros, actualMicros, owner, windowStart);
  }

  async migrate(): Promise<void> {
    this.handle.migrate();
  }

  /**
   * `reservationId`: the id to give the reservation, drawn by the worker client (so it
   * can release a reservation whose answer was lost with the thread); a new one when absent.
   */
  async reserve(accounts: BudgetAccount[], amountUsd: number, lease?: ReservationLease, reservationId?: string): Promise<ReserveResult> {
    const micros = toMicros(amountUsd);
    if (micros < 0) throw new RangeError(`cannot reserve a negative amount: ${amountUsd}`);
    if (reservationId !== undefined && (typeof reservationId !== 'string' || !reservationIdPattern.test(reservationId))) {
      throw new TypeError('not a reservation id');
    }
    return this.reserveTx(accounts, micros, checkedLease(lease, this.defaultTtlMs), reservationId ?? newReservationId());
  }

  async renewLeases(holder: string, ttlMs: number): Promise<number> {
    const { ttlMs: ttl } = checkedLease({ holder, ttlMs }, this.defaultTtlMs);
    return this.statements().renew.run(Date.now() + ttl, holder).changes;
  }

  async releaseExpired(now: Date = new Date()): Promise<number> {
    let released = 0;
    // Batches keep each write lock short when a crash left many behind.
    for (let batch = this.releaseTx(now.getTime(), 500); batch > 0; batch = this.releaseTx(now.getTime(), 500)) released += batch;
    let forgotten = 0;
    // Counted first without the write lock: nearly always there is nothing to forget.
    if ((this.statements().releasedCount.get() as number) > this.maxReleased) {
      for (let batch = this.forgetTx(500); batch > 0; batch = this.forgetTx(500)) forgotten += batch;
    }
    if (forgotten > 0) {
      this.log('warn', { store: 'sqlite', forgotten, kept: this.maxReleased }, 'forgot the oldest released budget reservations (too many were kept); a late settle of one is no longer spent');
    }
    return released;
  }

  async reserved(owner: string, windowStart: string): Promise<number> {
    const row = this.statements().reserved.get(owner, budgetWindowKey(windowStart)) as { reserved_micros: number } | undefined;
    return fromMicros(row?.reserved_micros ?? 0);
  }

  async settle(reservationId: string, actualUsd: number): Promise<void> {
    const micros = toMicros(actualUsd);
    if (micros < 0) throw new RangeError(`cannot settle a negative amount: ${actualUsd}`);
    this.settleTx(reservationId, micros);
  }

  async settlePart(reservationId: string, actualUsd: number, releasedUsd: number, paymentId?: string): Promise<void> {
    const actual = toMicros(actualUsd);
    const released = toMicros(releasedUsd);
    if (actual < 0 || released < 0) throw new RangeError(`cannot settle a negative amount: ${actualUsd}, ${releasedUsd}`);
    this.settlePartTx(reservationId, actual, released, checkedPaymentId(paymentId));
  }

  async spent(owner: string, windowStart: string): Promise<number> {
    const row = this.statements().spent.get(owner, budgetWindowKey(windowStart)) as { spent_micros: number } | undefined;
    return fromMicros(row?.spent_micros ?? 0);
  }

  async close(): Promise<void> {
    this.handle.close();
  }
}
