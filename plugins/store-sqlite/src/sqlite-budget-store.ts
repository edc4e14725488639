import type { BudgetAccount, BudgetStore, ReserveResult } from '@switchyard/core';
import type Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { SqliteHandle } from './database.js';

/** Money is counted in whole micro-dollars (1e-6 USD), so sums never drift. */
export function toMicros(usd: number): number {
  if (!Number.isFinite(usd)) throw new TypeError(`not an amount: ${usd}`);
  return Math.round(usd * 1_000_000);
}

function fromMicros(micros: number): number {
  return micros / 1_000_000;
}

/** Window starts are compared as strings; equal instants written differently are one window. */
function windowKey(windowStart: string): string {
  const ms = Date.parse(windowStart);
  return Number.isNaN(ms) ? windowStart : new Date(ms).toISOString();
}

function prepareStatements(db: Database.Database) {
  return {
    balance: db.prepare(
      'SELECT spent_micros + reserved_micros AS used FROM budget_accounts WHERE owner = ? AND window_start = ?',
    ),
    hold: db.prepare(
      `INSERT INTO budget_accounts (owner, window_start, spent_micros, reserved_micros) VALUES (@owner, @window_start, 0, @amount)
       ON CONFLICT (owner, window_start) DO UPDATE SET reserved_micros = reserved_micros + excluded.reserved_micros`,
    ),
    insertReservation: db.prepare('INSERT INTO budget_reservations (id, amount_micros, created_at) VALUES (?, ?, ?)'),
    linkAccount: db.prepare('INSERT INTO reservation_accounts (reservation_id, owner, window_start) VALUES (?, ?, ?)'),
    reservation: db.prepare('SELECT amount_micros FROM budget_reservations WHERE id = ?'),
    settleAccounts: db.prepare(
      `UPDATE budget_accounts
       SET reserved_micros = MAX(reserved_micros - @amount, 0), spent_micros = spent_micros + @actual
       WHERE (owner, window_start) IN (SELECT owner, window_start FROM reservation_accounts WHERE reservation_id = @id)`,
    ),
    deleteReservation: db.prepare('DELETE FROM budget_reservations WHERE id = ?'),
    spent: db.prepare('SELECT spent_micros FROM budget_accounts WHERE owner = ? AND window_start = ?'),
  };
}

/**
 * Exact budgets in SQLite. `reserve` and `settle` run in `BEGIN IMMEDIATE`
 * transactions: the check of every account and the hold on all of them happen
 * under the file's write lock, so gateways in several processes sharing the file
 * never overspend together.
 */
export class SqliteBudgetStore implements BudgetStore {
  private readonly statements: () => ReturnType<typeof prepareStatements>;
  private readonly reserveTx: (accounts: BudgetAccount[], micros: number) => ReserveResult;
  private readonly settleTx: (reservationId: string, actualMicros: number) => void;

  constructor(private readonly handle: SqliteHandle) {
    this.statements = handle.prepare(prepareStatements);
    const db = handle.db;

    const reserve = db.transaction((accounts: BudgetAccount[], micros: number): ReserveResult => {
      const s = this.statements();
      // The same account named twice is charged once.
      const unique = new Map<string, { owner: string; windowStart: string; limit: number }>();
      for (const account of accounts) {
        const windowStart = windowKey(account.windowStart);
        const limit = toMicros(account.limitUsd);
        const id = JSON.stringify([account.owner, windowStart]);
        const seen = unique.get(id);
        unique.set(id, { owner: account.owner, windowStart, limit: seen ? Math.min(seen.limit, limit) : limit });
      }
      for (const account of unique.values()) {
        const row = s.balance.get(account.owner, account.windowStart) as { used: number } | undefined;
        if ((row?.used ?? 0) + micros > account.limit) return { ok: false, exhausted: account.owner };
      }
      const reservationId = `res_${randomBytes(12).toString('base64url')}`;
      s.insertReservation.run(reservationId, micros, new Date().toISOString());
      for (const account of unique.values()) {
        s.hold.run({ owner: account.owner, window_start: account.windowStart, amount: micros });
        s.linkAccount.run(reservationId, account.owner, account.windowStart);
      }
      return { ok: true, reservationId };
    });
    this.reserveTx = (accounts, micros) => reserve.immediate(accounts, micros);

    const settle = db.transaction((reservationId: string, actualMicros: number) => {
      const s = this.statements();
      const row = s.reservation.get(reservationId) as { amount_micros: number } | undefined;
      if (!row) return;
      s.settleAccounts.run({ id: reservationId, amount: row.amount_micros, actual: actualMicros });
      s.deleteReservation.run(reservationId);
    });
    this.settleTx = (reservationId, actualMicros) => settle.immediate(reservationId, actualMicros);
  }

  async migrate(): Promise<void> {
    this.handle.migrate();
  }

  async reserve(accounts: BudgetAccount[], amountUsd: number): Promise<ReserveResult> {
    const micros = toMicros(amountUsd);
    if (micros < 0) throw new RangeError(`cannot reserve a negative amount: ${amountUsd}`);
    return this.reserveTx(accounts, micros);
  }

  async settle(reservationId: string, actualUsd: number): Promise<void> {
    const micros = toMicros(actualUsd);
    if (micros < 0) throw new RangeError(`cannot settle a negative amount: ${actualUsd}`);
    this.settleTx(reservationId, micros);
  }

  async spent(owner: string, windowStart: string): Promise<number> {
    const row = this.statements().spent.get(owner, windowKey(windowStart)) as { spent_micros: number } | undefined;
    return fromMicros(row?.spent_micros ?? 0);
  }

  async close(): Promise<void> {
    this.handle.close();
  }
}
