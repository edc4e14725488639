import { randomBytes } from 'node:crypto';
import type { StorageSet } from '@switchyard/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

/**
 * A failover's aftermath: the pool opened a connection while the database's name still led to
 * the old primary, now a read-only standby (a DNS answer cached for its TTL, a proxy that had
 * not switched yet). Every write on it is refused with 25006 however long it stays open, and a
 * pool under steady load never lets it idle out. The standby is played by a role whose sessions
 * are read-only, so the test touches no other connection to the shared server.
 */
describe.skipIf(!target.available)('postgres: a pooled connection to a read-only standby', () => {
  const schema = freshSchemaName();
  const role = `sy_standby_${randomBytes(4).toString('hex')}`;
  const window = '2029-12-01T00:00:00.000Z';
  const lease = { holder: 'gw-standby', ttlMs: 60_000 };
  let admin: pg.Client;
  let storage: StorageSet;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const database = new URL(url).pathname.slice(1);
    await admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD 'standby'`);
    await admin.query(`GRANT CREATE ON DATABASE "${database}" TO "${role}"`);
    const asRole = Object.assign(new URL(url), { username: role, password: 'standby' }).toString();
    // One connection: every call goes over the same one while it is kept.
    storage = await openStorage(asRole, schema, { pool_size: 1 });
    await storage.budgets.migrate();
  });

  afterAll(async () => {
    await storage?.budgets.close();
    await dropSchemas(url, [schema]);
    const database = new URL(url).pathname.slice(1);
    await admin.query(`REVOKE CREATE ON DATABASE "${database}" FROM "${role}"`).catch(() => undefined);
    await admin.query(`DROP ROLE IF EXISTS "${role}"`).catch(() => undefined);
    await admin?.end();
  });

  const reserve = () => storage.budgets.reserve([{ owner: 'key:standby', windowStart: window, limitUsd: 10 }], 0.01, lease);

  it('is dropped at its first read-only refusal (25006): once the name leads to the new primary, the next reservation is served', async () => {
    expect(await reserve()).toMatchObject({ ok: true });

    // The failover: the old primary's sessions end, and the pool's next connection reaches it as a standby.
    await admin.query(`ALTER ROLE "${role}" SET default_transaction_read_only = on`);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1`, [role]);
    let refused: unknown;
    for (let attempt = 0; attempt < 5 && refused === undefined; attempt++) {
      // The first call may meet the terminated connection (57P01); the one after, the standby.
      await reserve().catch((error: { cause?: { code?: string } }) => void (error.cause?.code === '25006' && (refused = error)));
    }
    expect(refused).toMatchObject({ code: 'store_unavailable' });

    // The name now leads to the new primary: a new connection writes.
    await admin.query(`ALTER ROLE "${role}" RESET default_transaction_read_only`);
    expect(await reserve()).toMatchObject({ ok: true });
  });
});
