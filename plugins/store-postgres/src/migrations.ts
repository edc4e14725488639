import type { Pool, QueryConfig } from 'pg';
import { inTransaction, type Tables } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  statements(t: Tables): string[];
}

/** Append only: a released migration is never edited, a change is a new version. */
export const migrations: Migration[] = [
  {
    version: 1,
    name: 'keys, usage ledger, budgets',
    statements: (t) => [
      `CREATE TABLE ${t.keys} (
        id text PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        name text NOT NULL,
        team text,
        project text,
        user_name text,
        tags text[] NOT NULL DEFAULT '{}',
        scope jsonb NOT NULL DEFAULT '{}',
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`,
      `CREATE INDEX keys_team_seq ON ${t.keys} (team, seq)`,
      `CREATE INDEX keys_project_seq ON ${t.keys} (project, seq)`,
      // Only digests: the check makes it impossible to store anything that is not a SHA-256 hex digest.
      `CREATE TABLE ${t.keySecrets} (
        hash text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
        key_id text NOT NULL REFERENCES ${t.keys} (id) ON DELETE CASCADE,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        prefix text NOT NULL,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX key_secrets_key ON ${t.keySecrets} (key_id, seq)`,
      `CREATE TABLE ${t.keyAudit} (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        key_id text NOT NULL,
        action text NOT NULL,
        actor text NOT NULL,
        at timestamptz NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'
      )`,
      `CREATE INDEX key_audit_key ON ${t.keyAudit} (key_id, at, seq)`,
      `CREATE TABLE ${t.usage} (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id text NOT NULL,
        at timestamptz NOT NULL,
        endpoint text NOT NULL,
        key_id text,
        team text,
        project text,
        requested_model text,
        provider text,
        model text,
        stream boolean NOT NULL,
        input_tokens bigint NOT NULL,
        output_tokens bigint NOT NULL,
        cached_input_tokens bigint NOT NULL,
        reasoning_tokens bigint NOT NULL,
        cost_usd numeric NOT NULL,
        latency_ms integer NOT NULL,
        status integer NOT NULL,
        error_code text,
        cache_hit boolean NOT NULL,
        attempts integer NOT NULL
      )`,
      `CREATE INDEX usage_at ON ${t.usage} (at)`,
      `CREATE INDEX usage_key_at ON ${t.usage} (key_id, at)`,
      `CREATE TABLE ${t.budgetAccounts} (
        owner text NOT NULL,
        window_start text NOT NULL,
        spent_micros bigint NOT NULL DEFAULT 0,
        reserved_micros bigint NOT NULL DEFAULT 0,
        limit_micros bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (owner, window_start)
      )`,
      `CREATE TABLE ${t.budgetReservations} (
        id text PRIMARY KEY,
        amount_micros bigint NOT NULL,
        owners text[] NOT NULL,
        window_starts text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX budget_reservations_created ON ${t.budgetReservations} (created_at)`,
    ],
  },
  {
    version: 2,
    name: 'usage records unique by request id',
    // A batch retried after a lost reply must not count twice; the gateway's request ids are unique.
    statements: (t) => [`CREATE UNIQUE INDEX usage_id ON ${t.usage} (id)`],
  },
  {
    version: 3,
    name: 'budget reservation leases',
    // Rows from before leases get ten minutes from their creation, the unrenewable default.
    statements: (t) => [
      `ALTER TABLE ${t.budgetReservations} ADD COLUMN holder text NOT NULL DEFAULT ''`,
      `ALTER TABLE ${t.budgetReservations} ADD COLUMN expires_at timestamptz`,
      `UPDATE ${t.budgetReservations} SET expires_at = created_at + interval '10 minutes'`,
      `ALTER TABLE ${t.budgetReservations} ALTER COLUMN expires_at SET NOT NULL`,
      `CREATE INDEX budget_reservations_expiry ON ${t.budgetReservations} (expires_at)`,
      `CREATE INDEX budget_reservations_holder ON ${t.budgetReservations} (holder)`,
    ],
  },
  {
    version: 4,
    name: 'stored responses',
    // The payload is text, not jsonb: jsonb refuses a "\u0000" a client may have sent, and the gateway never queries inside it.
    statements: (t) => [
      `CREATE TABLE ${t.responses} (
        id text PRIMARY KEY,
        owner_key_id text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        payload text NOT NULL
      )`,
      `CREATE INDEX responses_expiry ON ${t.responses} (expires_at)`,
    ],
  },
  {
    version: 5,
    name: 'budget payments applied once',
    // The ids of the payments (settlePart) each open reservation took, so a payment sent
    // again after a timeout that hid its commit counts once. They go with their reservation.
    statements: (t) => [
      `CREATE TABLE ${t.budgetPayments} (
        reservation_id text NOT NULL REFERENCES ${t.budgetReservations} (id) ON DELETE CASCADE,
        payment_id text NOT NULL,
        PRIMARY KEY (reservation_id, payment_id)
      )`,
    ],
  },
  {
    version: 6,
    name: 'expired budget reservations remembered',
    // A reservation the sweep released stays, holding nothing, with the time of its release,
    // so a late settle by a holder that was only cut off still counts as spend; the sweep
    // deletes it a day later (until the store kept it until settled, bounded by a count). Only open ones (released_at NULL) expire: the expiry index
    // holds only those, so a sweep does not walk past a day of released ones.
    statements: (t) => [
      `ALTER TABLE ${t.budgetReservations} ADD COLUMN released_at timestamptz`,
      `DROP INDEX ${t.schema}.budget_reservations_expiry`,
      `CREATE INDEX budget_reservations_expiry ON ${t.budgetReservations} (expires_at) WHERE released_at IS NULL`,
      `CREATE INDEX budget_reservations_released ON ${t.budgetReservations} (released_at) WHERE released_at IS NOT NULL`,
    ],
  },
  {
    version: 7,
    name: 'usage estimated',
    // true where the record's counts hold the gateway's estimate (a cut stream, a prompt the
    // upstream had when the client left before any answer); records from before are false.
    statements: (t) => [`ALTER TABLE ${t.usage} ADD COLUMN usage_estimated boolean NOT NULL DEFAULT false`],
  },
];

/** 'SYRD': the first half of the advisory lock key; the second is a hash of the schema name. */
const lockNamespace = 0x53595244;

/** How long the migrations may take unless told (see `migrationTimeoutMs`). */
export const defaultMigrationTimeoutMs = 600_000;

/**
 * The migrations' own bound: the larger of 10 minutes and the pool's per-request timeouts. An
 * upgrade's statements (an index build, a table rewrite on a large ledger) and the wait for another
 * instance migrating take longer than one request may: under `statement_timeout_ms` /
 * `query_timeout_ms` the migration was cancelled and rolled back at every start.
 */
export function migrationTimeoutMs(pool: Pool): number {
  const { statement_timeout: statementMs, query_timeout: queryMs } = pool.options ?? {};
  return Math.max(defaultMigrationTimeoutMs, typeof statementMs === 'number' ? statementMs : 0, typeof queryMs === 'number' ? queryMs : 0);
}

/**
 * Brings the schema up to the latest version. Everything happens in one transaction
 * that first takes a transaction-scoped advisory lock for this schema, so gateway
 * instances starting together run the migrations one after the other: the first
 * applies them, the others find them applied. Safe to call any number of times.
 *
 * The transaction has its own bound, `timeoutMs` (default `migrationTimeoutMs(pool)`), in place of
 * the per-request ones: the deadline of the whole, each statement's read timeout in the client, and
 * the server's `statement_timeout`, set with `SET LOCAL` so it goes with the transaction (committed
 * or rolled back) and the connection returns to the pool with the per-request one.
 */
export async function runMigrations(pool: Pool, tables: Tables, schemaName: string, timeoutMs = migrationTimeoutMs(pool)): Promise<number[]> {
  return inTransaction(
    pool,
    async (client) => {
      const run = (text: string, values?: unknown[]) => client.query({ text, values, query_timeout: timeoutMs } as QueryConfig);
      await run(`SELECT set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
      await run('SELECT pg_advisory_xact_lock($1::int4, hashtext($2))', [lockNamespace, schemaName]);
      // Created only when missing, so a role that owns an existing schema but may not create one still migrates.
      const existing = await run('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schemaName]);
      if (existing.rowCount === 0) await run(`CREATE SCHEMA ${tables.schema}`);
      await run(
        `CREATE TABLE IF NOT EXISTS ${tables.migrations} (
          version integer PRIMARY KEY,
          name text NOT NULL,
          applied_at timestamptz NOT NULL DEFAULT now()
        )`,
      );
      const { rows } = await run(`SELECT version FROM ${tables.migrations}`);
      const done = new Set(rows.map((row: { version: number }) => row.version));
      const applied: number[] = [];
      for (const migration of migrations) {
        if (done.has(migration.version)) continue;
        for (const statement of migration.statements(tables)) await run(statement);
        await run(`INSERT INTO ${tables.migrations} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        applied.push(migration.version);
      }
      return applied;
    },
    { limitMs: timeoutMs },
  );
}
