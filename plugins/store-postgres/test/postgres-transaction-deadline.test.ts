import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresOutage } from '../src/is-postgres-outage.js';
import { inTransaction, quoteIdentifier } from '../src/sql.js';
import { dropSchemas, findPostgres, freshSchemaName } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

/**
 * Every statement has its timeouts (statement_timeout_ms on the server, query_timeout_ms in
 * the client), but a transaction (a reservation, a settlement) had none of its own: one whose
 * statements each finished just in time held its pooled connection, its row locks and its
 * caller for as many times that as it had statements. It now has one deadline,
 * query_timeout_ms from its BEGIN (the pool's `query_timeout`, which the plugin sets from it).
 */
describe.skipIf(!target.available)('postgres: a transaction past its deadline', () => {
  const schema = freshSchemaName();
  const marks = `${quoteIdentifier(schema)}.marks`;
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await admin.query(`CREATE TABLE ${marks} (n integer)`);
  });

  afterAll(async () => {
    await admin?.end();
    await dropSchemas(url, [schema]);
  });

  /** The sessions the server still has for `applicationName`. */
  async function sessionsOf(applicationName: string): Promise<number> {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    return rows[0]!.n;
  }

  it('is rolled back, its connection let go, and its caller told of an outage, though each statement finished in time', async () => {
    const applicationName = `switchyard-deadline-${schema}`;
    // The timeouts the plugin sets (query_timeout_ms, statement_timeout_ms): each statement below takes a fifth of the shorter.
    const pool = new pg.Pool({ connectionString: url, max: 1, query_timeout: 1000, statement_timeout: 4000, application_name: applicationName });
    try {
      const error = await inTransaction(pool, async (client) => {
        await client.query(`INSERT INTO ${marks} (n) VALUES (1)`);
        // 25 statements of 0.2 s: 5 s in all, five times the deadline.
        for (let statement = 0; statement < 25; statement++) await client.query('SELECT pg_sleep(0.2)');
      }).then(
        () => undefined,
        (failure: unknown) => failure,
      );
      // The store's outage (503 store_unavailable at its boundary), as for a statement past its timeout.
      expect(error).toMatchObject({ code: '57014', message: expect.stringContaining('1000 ms') });
      expect(isPostgresOutage(error)).toBe(true);
      // Its connection left the pool; the server ends the session once the statement under way returns.
      expect(pool.totalCount).toBe(0);
      while ((await sessionsOf(applicationName)) > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      // And nothing it wrote stays.
      expect((await admin.query(`SELECT count(*)::int AS n FROM ${marks}`)).rows[0]).toEqual({ n: 0 });
      // The pool serves the next transaction on a new connection.
      await inTransaction(pool, (client) => client.query(`INSERT INTO ${marks} (n) VALUES (2)`));
      expect((await admin.query(`SELECT n FROM ${marks}`)).rows).toEqual([{ n: 2 }]);
    } finally {
      await pool.end();
    }
  }, 30_000);
});
