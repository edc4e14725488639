import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations, runMigrations } from '../src/index.js';
import { tablesIn } from '../src/sql.js';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';
const latest = Math.max(...migrations.map((migration) => migration.version));

const schemas: string[] = [];
afterAll(async () => {
  if (target.available) await dropSchemas(url, schemas);
});

/**
 * The per-request timeouts of these tests: a migration that takes a few times longer is cut off by
 * them. Not shorter: query_timeout_ms is also the server's idle_in_transaction_session_timeout,
 * and a loaded machine's pause between two statements must not end the session.
 */
const perRequestMs = 400;

/**
 * Another instance in the middle of a long migration (an index build on a large ledger): it holds
 * the schema's migration lock, which runMigrations takes first. `release()` commits once the
 * gateway under test is seen waiting on the lock and several times `perRequestMs` has passed.
 */
async function holdMigrationLock(schema: string) {
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query('SELECT pg_advisory_xact_lock($1::int4, hashtext($2))', [0x53595244, schema]);
  const waiters = async () => {
    const { rows } = await holder.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks waiting
        WHERE waiting.locktype = 'advisory' AND NOT waiting.granted
          AND (waiting.classid, waiting.objid) IN (SELECT classid, objid FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory')`,
    );
    return rows[0]!.n;
  };
  return {
    async release() {
      while ((await waiters()) === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      // Held well past the per-request timeouts: a migration still bound by them has failed by now.
      await new Promise((resolve) => setTimeout(resolve, perRequestMs * 5));
      await holder.query('COMMIT');
      await holder.end();
    },
  };
}

async function schemaVersion(schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: number }>(`SELECT max(version)::int AS v FROM "${schema}".schema_migrations`);
    return rows[0]!.v;
  } finally {
    await client.end();
  }
}

describe.skipIf(!target.available)('postgres migrations that take longer than one request may (an upgrade on a large ledger)', () => {
  it('migrate() at start is not cut off at statement_timeout_ms / query_timeout_ms: it waits, then finishes', async () => {
    const schema = freshSchemaName();
    schemas.push(schema);
    const lock = await holdMigrationLock(schema);
    const storage = await openStorage(url, schema, { statement_timeout_ms: perRequestMs, query_timeout_ms: perRequestMs });
    try {
      // Before: 57014 `canceling statement due to statement timeout` (or the transaction's deadline at
      // query_timeout_ms), at every start, for as long as the migration took longer than those.
      const migrated = storage.keys.migrate();
      migrated.catch(() => undefined); // seen below, once the lock is let go
      await lock.release();
      await expect(migrated).resolves.toBeUndefined();
      expect(await schemaVersion(schema)).toBe(latest);
      // And the calls after it are bounded as before: a key lookup is answered.
      await expect(storage.keys.findBySecretHash('0'.repeat(64), new Date())).resolves.toBeUndefined();
    } finally {
      await storage.keys.close();
    }
  });

  it("runMigrations leaves the pool's connection with its own statement_timeout afterwards", async () => {
    const schema = freshSchemaName();
    schemas.push(schema);
    const lock = await holdMigrationLock(schema);
    const pool = new pg.Pool({ connectionString: url, max: 1, statement_timeout: perRequestMs, query_timeout: perRequestMs });
    try {
      const migrated = runMigrations(pool, tablesIn(schema), schema);
      migrated.catch(() => undefined); // seen below, once the lock is let go
      await lock.release();
      await expect(migrated).resolves.toEqual(migrations.map((migration) => migration.version));
      // The one connection, back in the pool: the migration's own bound went with its transaction.
      expect((await pool.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]).toEqual({ statement_timeout: `${perRequestMs}ms` });
      expect(pool.totalCount).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
