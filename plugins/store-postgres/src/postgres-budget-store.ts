import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
  DEFAULT_RESERVATION_TTL_MS,
  MAX_PAYMENT_ID_LENGTH,
  MAX_RELEASED_RESERVATIONS,
  type BudgetAccount,
  type BudgetStore,
  type Logger,
  type ReservationLease,
  type ReserveResult,
} from '@switchyard/core';
import { isPostgresOutage } from './is-postgres-outage.js';
import { onceMoreOnNewConnection } from './once-more-on-new-connection.js';
import { inTransaction, toNumber, tryChoreLock, type Tables } from './sql.js';
import { UncertainReservations } from './uncertain-reservations.js';

/** Dollars as whole micro-dollars: integer arithmetic, so limits hold exactly. */
export function toMicros(usd: number): number {
  if (typeof usd !== 'number' || !Number.isFinite(usd)) throw new TypeError(`not a finite amount of dollars: ${String(usd)}`);
  // -0 (from a tiny negative amount) is 0.
  return Math.round(usd * 1_000_000) + 0;
}

/**
 * An amount to hold, pay or give back, as the SQLite store takes it: whole micro-dollars,
 * not negative (a negative hold lowered `reserved_micros`, so later requests held past the
 * limit; a negative settlement lowered spend) and exact (past 2^53 it would be rounded).
 */
function amountMicros(usd: number): number {
  const micros = toMicros(usd);
  if (micros < 0) throw new RangeError(`not an amount to hold or pay, it is negative: ${usd}`);
  if (!Number.isSafeInteger(micros)) throw new RangeError(`not an exact amount of micro-dollars: ${usd}`);
  return micros;
}

/**
 * A limit in micro-dollars the columns can hold: one beyond the largest exact amount
 * (2^53 micro-dollars, about 9 billion USD) holds every amount, so it is that amount.
 * Taken as it came, a team budget of 1e13 USD was 1e19 micro-dollars, past bigint:
 * every request charged to it failed.
 */
function limitMicros(usd: number): number {
  return Math.min(toMicros(usd), Number.MAX_SAFE_INTEGER);
}

export function fromMicros(micros: number): number {
  return micros / 1_000_000;
}

/**
 * The end of a lease `ttlMs` (the parameter named) from now on the database's clock. Each
 * instance wrote it from its own clock and swept by its own: one whose clock was behind by
 * more than a lease wrote leases already over for the others, whose sweep released its live
 * holds, and the budget then admitted past its limit. One clock for all instances: the database's.
 */
function leaseEnd(parameter: string): string {
  return `now() + ${parameter}::double precision * interval '1 millisecond'`;
}

/** A lease with a finite, positive lifetime (a day at most); none means the default, unrenewable. */
function checkedLease(lease: ReservationLease | undefined): ReservationLease {
  if (!lease) return { holder: '', ttlMs: DEFAULT_RESERVATION_TTL_MS };
  if (!Number.isFinite(lease.ttlMs) || lease.ttlMs <= 0 || lease.ttlMs > 86_400_000) throw new RangeError(`not a lease lifetime: ${lease.ttlMs}`);
  return lease;
}

/** A payment id as `settlePart` takes it: absent, or a non-empty string of bounded length. */
function checkedPaymentId(paymentId: unknown): string | null {
  if (paymentId === undefined) return null;
  if (typeof paymentId !== 'string' || paymentId.length === 0 || paymentId.length > MAX_PAYMENT_ID_LENGTH) throw new TypeError('not a payment id');
  return paymentId;
}

/** How long a release's placeholder row is kept after the sweep released it (see `releaseUncertain`). */
const placeholderRetentionMs = 24 * 3_600_000;

/** An account to charge, with its limit in micro-dollars. */
interface ChargedAccount {
  owner: string;
  windowStart: string;
  limit: number;
}

interface AccountRow {
  owner: string;
  window_start: string;
  spent_micros: string;
  reserved_micros: string;
}

/**
 * Budget accounts (`owner`, `window_start`) with spent and reserved micro-dollars,
 * and the open reservations. Exact across any number of gateway instances: a
 * reservation locks its account rows, always in (owner, window_start) order so two
 * reservations over the same accounts cannot deadlock, and checks and increments
 * them in the same transaction.
 */
export class PostgresBudgetStore implements BudgetStore {
  /** Reservations whose reserve's COMMIT got no reply: released by their id (see reserve). */
  readonly uncertain: UncertainReservations;

  constructor(
    private readonly pool: Pool,
    private readonly t: Tables,
    private readonly logger: Logger,
    private readonly migrateOnce: () => Promise<void>,
    private readonly closePool: () => Promise<void>,
    /** How many released reservations are kept for a late settle; past it the oldest released are forgotten. */
    private readonly maxReleased = MAX_RELEASED_RESERVATIONS,
  ) {
    this.uncertain = new UncertainReservations((reservationId) => this.releaseUncertain(reservationId), logger);
  }

  migrate(): Promise<void> {
    return this.migrateOnce();
  }

  /**
   * The id is drawn before the call. When the reply to the COMMIT is lost (a timeout, a
   * dropped connection) the reservation may hold budget although the caller hears an
   * outage: it is released by that id (`uncertain`). An outage before the COMMIT needs
   * nothing: the connection is dropped and the server rolls the transaction back.
   */
  async reserve(accounts: BudgetAccount[], amountUsd: number, lease?: ReservationLease): Promise<ReserveResult> {
    const amount = amountMicros(amountUsd);
    const { holder, ttlMs } = checkedLease(lease);
    // One entry per account; if the caller names one twice, the stricter limit applies.
    const unique = new Map<string, ChargedAccount>();
    for (const account of accounts) {
      const id = JSON.stringify([account.owner, account.windowStart]);
      const limit = limitMicros(account.limitUsd);
      const seen = unique.get(id);
      if (!seen || limit < seen.limit) unique.set(id, { owner: account.owner, windowStart: account.windowStart, limit });
    }
    const list = [...unique.values()];
    const reservationId = `res_${randomUUID()}`;
    let committing = false;

    try {
      // A connection lost before the COMMIT was sent: the server never commits that transaction,
      // so the reserve may run once more (on a new connection). One lost at the COMMIT is uncertain.
      const attempt = (pool: Pool) =>
        inTransaction(pool, async (client) => {
          committing = false;
          const result = await this.reserveIn(client, list, amount, reservationId, { holder, ttlMs });
          // What follows is the COMMIT: should its reply be lost, the reservation may or may not hold.
          committing = result.ok;
          return result;
        });
      return await onceMoreOnNewConnection(this.pool, attempt, () => !committing);
    } catch (error) {
      if (committing && isPostgresOutage(error)) this.uncertain.add(reservationId);
      throw error;
    }
  }

  /** Inside a transaction: checks and holds the amount on every account, and inserts the reservation. */
  private async reserveIn(client: PoolClient, list: readonly ChargedAccount[], amount: number, reservationId: string, lease: ReservationLease): Promise<ReserveResult> {
    const owners = list.map((a) => a.owner);
    const windows = list.map((a) => a.windowStart);
    const limits = list.map((a) => a.limit);
    if (list.length > 0) {
      // New accounts first, inserted in lock order (ON CONFLICT DO NOTHING leaves existing rows unlocked).
      await client.query(
        `INSERT INTO ${this.t.budgetAccounts} (owner, window_start, limit_micros)
         SELECT owner, window_start, limit_micros FROM unnest($1::text[], $2::text[], $3::bigint[]) AS a(owner, window_start, limit_micros)
         ORDER BY owner, window_start
         ON CONFLICT (owner, window_start) DO NOTHING`,
        [owners, windows, limits],
      );
      const { rows } = await client.query<AccountRow>(
        `SELECT owner, window_start, spent_micros, reserved_micros FROM ${this.t.budgetAccounts}
         WHERE (owner, window_start) IN (SELECT * FROM unnest($1::text[], $2::text[]))
         ORDER BY owner, window_start
         FOR UPDATE`,
        [owners, windows],
      );
      const current = new Map(rows.map((row) => [JSON.stringify([row.owner, row.window_start]), row]));
      // The first exhausted account in the caller's order is the one reported.
      for (const account of list) {
        const row = current.get(JSON.stringify([account.owner, account.windowStart]));
        if (!row) throw new Error(`budget account ${account.owner} ${account.windowStart} vanished while reserving`);
        if (toNumber(row.spent_micros) + toNumber(row.reserved_micros) + amount > account.limit) {
          return { ok: false, exhausted: account.owner }; // no amount reserved anywhere (at most empty account rows were created)
        }
      }
      await client.query(
        `UPDATE ${this.t.budgetAccounts} b
         SET reserved_micros = b.reserved_micros + $4, limit_micros = a.limit_micros, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::bigint[]) AS a(owner, window_start, limit_micros)
         WHERE b.owner = a.owner AND b.window_start = a.window_start`,
        [owners, windows, limits, amount],
      );
    }
    await client.query(
      `INSERT INTO ${this.t.budgetReservations} (id, amount_micros, owners, window_starts, holder, expires_at)
       VALUES ($1, $2, $3, $4, $5, ${leaseEnd('$6')})`,
      [reservationId, amount, owners, windows, lease.holder, lease.ttlMs],
    );
    return { ok: true, reservationId };
  }

  /**
   * Releases a reservation whose reserve's outcome is unknown. A placeholder row (nothing
   * held, no accounts, the unrenewable default lease) is inserted under its id first: if
   * the reserve's transaction is still open on the server, the insert waits for it, and
   * if the reserve has not inserted its row yet, it never can. So either its row is there
   * and is released here, or it will never commit; the placeholder expires into the next
   * sweep, which finds nothing to give back.
   */
  private async releaseUncertain(reservationId: string): Promise<void> {
    // The storage is closing: this process renews no lease any more, so the lease gives it back.
    if (this.pool.ending) return;
    await inTransaction(this.pool, async (client) => {
      const placed = await client.query(
        `INSERT INTO ${this.t.budgetReservations} (id, amount_micros, owners, window_starts, holder, expires_at)
         VALUES ($1, 0, '{}', '{}', '', ${leaseEnd('$2')})
         ON CONFLICT (id) DO NOTHING`,
        [reservationId, DEFAULT_RESERVATION_TTL_MS],
      );
      if (placed.rowCount === 1) return;
      // A placeholder (an earlier try of this release that committed unanswered) stays: it still bars the reserve.
      const { rows } = await client.query<{ amount_micros: string; owners: string[]; window_starts: string[] }>(
        `DELETE FROM ${this.t.budgetReservations} WHERE id = $1 AND cardinality(owners) > 0 RETURNING amount_micros, owners, window_starts`,
        [reservationId],
      );
      const reservation = rows[0];
      if (reservation) await this.moveToSpent(client, reservation.owners, reservation.window_starts, toNumber(reservation.amount_micros), 0);
    });
  }

  async settle(reservationId: string, actualUsd: number): Promise<void> {
    const actual = amountMicros(actualUsd);
    // Run again after a lost connection: deleting the reservation claims it, so a first try that did commit leaves nothing to claim.
    const claim = (pool: Pool) => inTransaction(pool, async (client) => {
      // Deleting the reservation claims it: a second settle of the same id finds nothing.
      const { rows } = await client.query<{ amount_micros: string; owners: string[]; window_starts: string[] }>(
        `DELETE FROM ${this.t.budgetReservations} WHERE id = $1 RETURNING amount_micros, owners, window_starts`,
        [reservationId],
      );
      const reservation = rows[0];
      if (!reservation) return false;
      await this.moveToSpent(client, reservation.owners, reservation.window_starts, toNumber(reservation.amount_micros), actual);
      return true;
    });
    const settled = await onceMoreOnNewConnection(this.pool, claim);
    if (!settled) this.logger.warn({ reservationId }, 'budget reservation settled twice or unknown; ignored');
  }

  async settlePart(reservationId: string, actualUsd: number, releasedUsd: number, paymentId?: string): Promise<void> {
    const actual = amountMicros(actualUsd);
    const released = amountMicros(releasedUsd);
    const payment = checkedPaymentId(paymentId);
    // Run again after a lost connection only with a payment id: the store takes an id once. Without one, a first try that did commit would count twice.
    const pay = (pool: Pool) => inTransaction(pool, async (client) => {
      // Locked first, as settle() locks it by deleting it: the same order, so the two cannot deadlock.
      // The payment's id is recorded in the same statement (no extra round trip); one the
      // reservation already took is this payment sent again: `first` is false and nothing changes.
      const { rows } = await client.query<{ amount_micros: string; owners: string[]; window_starts: string[]; first: boolean }>(
        `WITH reservation AS (
           SELECT id, amount_micros, owners, window_starts FROM ${this.t.budgetReservations} WHERE id = $1 FOR UPDATE
         ), payment AS (
           INSERT INTO ${this.t.budgetPayments} (reservation_id, payment_id)
           SELECT id, $2::text FROM reservation WHERE $2::text IS NOT NULL
           ON CONFLICT DO NOTHING
           RETURNING 1
         )
         SELECT amount_micros, owners, window_starts, ($2::text IS NULL OR EXISTS (SELECT 1 FROM payment)) AS first FROM reservation`,
        [reservationId, payment],
      );
      const reservation = rows[0];
      if (!reservation?.first) return;
      const taken = Math.min(toNumber(reservation.amount_micros), actual + released);
      await client.query(`UPDATE ${this.t.budgetReservations} SET amount_micros = amount_micros - $2 WHERE id = $1`, [reservationId, taken]);
      await this.moveToSpent(client, reservation.owners, reservation.window_starts, taken, actual);
    });
    await onceMoreOnNewConnection(this.pool, pay, () => payment !== null);
  }

  /** Inside a transaction: `heldMicros` stops being reserved and `actualMicros` is spent, on each account. */
  private async moveToSpent(client: PoolClient, owners: string[], windowStarts: string[], heldMicros: number, actualMicros: number): Promise<void> {
    if (owners.length === 0) return;
    await this.lockAccounts(client, owners, windowStarts);
    await client.query(
      `UPDATE ${this.t.budgetAccounts} b
       SET reserved_micros = GREATEST(b.reserved_micros - $3, 0), spent_micros = b.spent_micros + $4, updated_at = now()
       FROM unnest($1::text[], $2::text[]) AS a(owner, window_start)
       WHERE b.owner = a.owner AND b.window_start = a.window_start`,
      [owners, windowStarts, heldMicros, actualMicros],
    );
  }

  /** Inside a transaction: locks the account rows in the order reserve() locks them, so two transactions cannot deadlock. */
  private async lockAccounts(client: PoolClient, owners: string[], windowStarts: string[]): Promise<void> {
    await client.query(
      `SELECT 1 FROM ${this.t.budgetAccounts}
       WHERE (owner, window_start) IN (SELECT * FROM unnest($1::text[], $2::text[]))
       ORDER BY owner, window_start
       FOR UPDATE`,
      [owners, windowStarts],
    );
  }

  async renewLeases(holder: string, ttlMs: number): Promise<number> {
    const { ttlMs: ttl } = checkedLease({ holder, ttlMs });
    const result = await this.pool.query(
      `UPDATE ${this.t.budgetReservations} SET expires_at = ${leaseEnd('$2')} WHERE holder = $1 AND holder <> '' AND released_at IS NULL`,
      [holder, ttl],
    );
    return result.rowCount ?? 0;
  }

  /**
   * Every instance calls this periodically, but only one sweeps at a time: each batch
   * first takes a transaction-scoped advisory lock (`pg_try_advisory_xact_lock`), and an
   * instance that finds it taken returns 0 at once (the holder is doing the work) instead
   * of queueing N sweeps over the same rows. The lock goes with the transaction, so a
   * sweeper that dies holds nothing. Without `now`, leases are judged by the database's
   * clock, the one they were written with (see `leaseEnd`).
   */
  async releaseExpired(now?: Date): Promise<number> {
    let released = 0;
    // Batches keep each transaction's locks short when a crash left many behind.
    for (let batch = await this.releaseBatch('expires_at', now, 500, true); batch > 0; batch = await this.releaseBatch('expires_at', now, 500, true)) released += batch;
    while ((await this.forgetBatch(now, 500)) > 0);
    return released;
  }

  /**
   * Deletes up to `batchSize` release placeholders a day after their release, and past
   * `maxReleased` released reservations up to `batchSize` of the oldest released (their
   * payment ids go with them): a settle of one then does nothing. Those are logged with
   * how many, as their spend can no longer reach the budget. Returns how many rows went.
   */
  private async forgetBatch(now: Date | undefined, batchSize: number): Promise<number> {
    const { placeholders, forgotten } = await inTransaction(this.pool, async (client) => {
      if (!(await tryChoreLock(client, 'budget-sweep', this.t))) return { placeholders: 0, forgotten: 0 };
      // A release's placeholder (no accounts: see releaseUncertain) has nothing to settle; a day bars its reserve long enough.
      const cleared = await client.query(
        `DELETE FROM ${this.t.budgetReservations}
         WHERE id IN (
           SELECT id FROM ${this.t.budgetReservations}
           WHERE released_at < coalesce($1::timestamptz, now()) - $2::double precision * interval '1 millisecond' AND cardinality(owners) = 0
           LIMIT $3 FOR UPDATE SKIP LOCKED
         )`,
        [now ?? null, placeholderRetentionMs, batchSize],
      );
      const result = await client.query(
        `DELETE FROM ${this.t.budgetReservations}
         WHERE id IN (
           SELECT id FROM ${this.t.budgetReservations}
           WHERE released_at IS NOT NULL
           ORDER BY released_at, id
           LIMIT GREATEST(LEAST((SELECT count(*) FROM ${this.t.budgetReservations} WHERE released_at IS NOT NULL) - $1, $2), 0)
           FOR UPDATE SKIP LOCKED
         )`,
        [this.maxReleased, batchSize],
      );
      return { placeholders: cleared.rowCount ?? 0, forgotten: result.rowCount ?? 0 };
    });
    if (forgotten > 0) {
      this.logger.warn({ forgotten, kept: this.maxReleased }, 'forgot the oldest released budget reservations (too many were kept); a late settle of one is no longer spent');
    }
    return placeholders + forgotten;
  }

  /**
   * Releases reservations made before `olderThan` that were never settled, whatever
   * their lease. Kept for operators; the gateway sweeps expired leases instead.
   */
  async releaseStale(olderThan: Date, batchSize = 1000): Promise<number> {
    const released = await this.releaseBatch('created_at', olderThan, batchSize);
    if (released > 0) this.logger.warn({ released }, 'released budget reservations that were never settled');
    return released;
  }

  async reserved(owner: string, windowStart: string): Promise<number> {
    const { rows } = await this.pool.query<{ reserved_micros: string }>(
      `SELECT reserved_micros FROM ${this.t.budgetAccounts} WHERE owner = $1 AND window_start = $2`,
      [owner, windowStart],
    );
    return fromMicros(toNumber(rows[0]?.reserved_micros));
  }

  /**
   * Releases up to `batchSize` open reservations with `column` before `before` and gives their
   * amounts back. Each is kept, holding nothing, until a late settle (see BudgetStore.settle),
   * however late, or `forgetBatch`.
   */
  private releaseBatch(column: 'expires_at' | 'created_at', before: Date | undefined, batchSize = 500, leaderOnly = false): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      if (leaderOnly && !(await tryChoreLock(client, 'budget-sweep', this.t))) return 0;
      // SKIP LOCKED: a reservation being settled right now is left to its settle().
      const { rows } = await client.query<{ amount_micros: string; owners: string[]; window_starts: string[] }>(
        `WITH released AS (
           SELECT id, amount_micros, owners, window_starts FROM ${this.t.budgetReservations}
           WHERE ${column} < coalesce($1::timestamptz, now()) AND released_at IS NULL
           ORDER BY ${column} LIMIT $2 FOR UPDATE SKIP LOCKED
         )
         UPDATE ${this.t.budgetReservations} r SET amount_micros = 0, released_at = coalesce($3::timestamptz, now())
         FROM released WHERE r.id = released.id
         RETURNING released.amount_micros, released.owners, released.window_starts`,
        // Released as of the sweep's `now` (a stale cut-off is not a time of release).
        [before ?? null, batchSize, column === 'expires_at' ? (before ?? null) : null],
      );
      const release = new Map<string, { owner: string; windowStart: string; micros: number }>();
      for (const row of rows) {
        row.owners.forEach((owner, i) => {
          const windowStart = row.window_starts[i]!;
          const id = JSON.stringify([owner, windowStart]);
          const entry = release.get(id) ?? { owner, windowStart, micros: 0 };
          entry.micros += toNumber(row.amount_micros);
          release.set(id, entry);
        });
      }
      if (release.size > 0) {
        const list = [...release.values()];
        const owners = list.map((a) => a.owner);
        const windowStarts = list.map((a) => a.windowStart);
        await this.lockAccounts(client, owners, windowStarts);
        await client.query(
          `UPDATE ${this.t.budgetAccounts} b
           SET reserved_micros = GREATEST(b.reserved_micros - a.micros, 0), updated_at = now()
           FROM unnest($1::text[], $2::text[], $3::bigint[]) AS a(owner, window_start, micros)
           WHERE b.owner = a.owner AND b.window_start = a.window_start`,
          [owners, windowStarts, list.map((a) => a.micros)],
        );
      }
      return rows.length;
    });
  }

  async spent(owner: string, windowStart: string): Promise<number> {
    const { rows } = await this.pool.query<{ spent_micros: string }>(
      `SELECT spent_micros FROM ${this.t.budgetAccounts} WHERE owner = $1 AND window_start = $2`,
      [owner, windowStart],
    );
    return fromMicros(toNumber(rows[0]?.spent_micros));
  }

  async close(): Promise<void> {
    await this.uncertain.close();
    await this.closePool();
  }
}
