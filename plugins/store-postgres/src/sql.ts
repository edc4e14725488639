import type { Pool, PoolClient } from 'pg';
import { isPostgresOutage } from './is-postgres-outage.js';

/** Fully qualified, quoted table names in one schema. */
export interface Tables {
  schema: string;
  migrations: string;
  keys: string;
  keySecrets: string;
  keyAudit: string;
  usage: string;
  budgetAccounts: string;
  budgetReservations: string;
  budgetPayments: string;
  responses: string;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

export function quoteIdentifier(name: string): string {
  if (!identifier.test(name)) throw new Error(`not a plain SQL identifier: ${JSON.stringify(name)}`);
  return `"${name}"`;
}

export function tablesIn(schema: string): Tables {
  const s = quoteIdentifier(schema);
  return {
    schema: s,
    migrations: `${s}.schema_migrations`,
    keys: `${s}.keys`,
    keySecrets: `${s}.key_secrets`,
    keyAudit: `${s}.key_audit`,
    usage: `${s}.usage`,
    budgetAccounts: `${s}.budget_accounts`,
    budgetReservations: `${s}.budget_reservations`,
    budgetPayments: `${s}.budget_payments`,
    responses: `${s}.responses`,
  };
}

/** SQLSTATEs after which a whole transaction can simply be run again. */
const retryable = new Set(['40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && retryable.has((error as { code?: unknown }).code as string);
}

/**
 * What a transaction past its deadline fails with: SQLSTATE 57014 (query_canceled), the
 * code of a statement past statement_timeout, so the store's boundary answers it alike
 * (503 `store_unavailable`) and a reservation's COMMIT cut by it counts as uncertain.
 */
export class TransactionDeadlineError extends Error {
  readonly code = '57014';

  constructor(limitMs: number) {
    super(`the transaction did not finish within ${limitMs} ms (query_timeout_ms) and was rolled back`);
    this.name = 'TransactionDeadlineError';
  }
}

/**
 * A transaction's deadline, from its first BEGIN: the pool's `query_timeout` (the plugin's
 * `query_timeout_ms`), as long as any one of its statements may take. Each statement has its
 * own timeouts, but a transaction of statements that each finished just in time held its
 * connection, its row locks and its caller for a multiple of them. None without one.
 */
function transactionLimitMs(pool: Pool): number | undefined {
  const limitMs = pool.options?.query_timeout;
  return typeof limitMs === 'number' && limitMs > 0 ? limitMs : undefined;
}

/** How `inTransaction` runs one transaction. */
export interface TransactionOptions {
  /** How many times a deadlock or serialization failure is run again, in all (5). */
  attempts?: number;
  /** The whole transaction's deadline from its first BEGIN, in ms (default the pool's `query_timeout`). */
  limitMs?: number;
}

/**
 * Runs `work` in one transaction on one pooled connection: committed if it returns,
 * rolled back if it throws. A deadlock or serialization failure (which Postgres
 * resolves by aborting one side) reruns the whole transaction a few times. The whole
 * of it, reruns included, has one deadline (transactionLimitMs): past it the caller gets
 * a TransactionDeadlineError at once and the connection is dropped, so the server rolls
 * the transaction back (once the statement under way, bounded by statement_timeout, returns).
 */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
  const { attempts = 5 } = options;
  const limitMs = options.limitMs ?? transactionLimitMs(pool);
  let deadline: number | undefined;
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    if (limitMs !== undefined) deadline ??= Date.now() + limitMs;
    let broken = false;
    try {
      if (deadline === undefined) return await transactionOn(client, work, () => false);
      return await withinDeadline(deadline, limitMs!, (expired) => transactionOn(client, work, expired));
    } catch (error) {
      if (isPostgresOutage(error)) {
        // A timed-out or broken connection would only time out again on ROLLBACK: drop it,
        // and the server rolls the transaction back when the connection goes.
        broken = true;
      } else if (isReadOnlyRefusal(error)) {
        // A connection to a standby (opened before a failover's new primary took its name)
        // stays one however long the pool keeps it: the next connection may reach the primary.
        broken = true;
      } else {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is unusable: drop it instead of returning it to the pool
        }
      }
      if (attempt < attempts && isRetryable(error)) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
        continue;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }
}

/** BEGIN, `work`, COMMIT; never the COMMIT once `expired()`: its caller was told it failed. */
async function transactionOn<T>(client: PoolClient, work: (client: PoolClient) => Promise<T>, expired: () => boolean): Promise<T> {
  await client.query('BEGIN');
  const result = await work(client);
  if (expired()) throw new Error('the transaction passed its deadline before its COMMIT');
  await client.query('COMMIT');
  return result;
}

/**
 * `run`'s outcome, or a TransactionDeadlineError once `deadline` (a Date.now() time) passes.
 * `run` is told when it expired; what it does or throws after that goes nowhere.
 */
function withinDeadline<T>(deadline: number, limitMs: number, run: (expired: () => boolean) => Promise<T>): Promise<T> {
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(new TransactionDeadlineError(limitMs));
    }, Math.max(0, deadline - Date.now()));
  });
  const running = run(() => expired);
  running.catch(() => undefined);
  return Promise.race([running, expiry]).finally(() => clearTimeout(timer));
}

/** 25006 `read_only_sql_transaction`: a write sent to a read-only standby. */
function isReadOnlyRefusal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '25006';
}

/** A Postgres `bigint`/`numeric` (which `pg` hands over as a string) as a number. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

/** A `timestamptz` (a Date from `pg`, or text inside JSON) as an ISO string. */
export function toIso(value: unknown): string {
  return (value instanceof Date ? value : new Date(value as string)).toISOString();
}

/**
 * Leader election for a periodic chore that every instance runs (a sweep): tries a
 * transaction-scoped advisory lock named after the chore and the schema, without
 * waiting. True means this transaction is the one doing the chore; false means
 * another instance is doing it right now, so this one skips it. The lock goes with
 * the transaction, so an instance that dies mid-chore holds nothing.
 */
export async function tryChoreLock(client: PoolClient, chore: string, tables: Tables): Promise<boolean> {
  // One lock per schema: deployments sharing a database but not a schema do their chores independently.
  const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`, [
    `switchyard:${chore}:${tables.schema}`,
  ]);
  return rows[0]?.locked === true;
}
