import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageSet } from '@switchyard/core';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

describe.skipIf(!target.available)('the reservation lease sweep runs on one instance at a time (advisory lock)', () => {
  const schema = freshSchemaName();
  let first: StorageSet;
  let second: StorageSet;
  let admin: pg.Client;
  const lockName = `switchyard:budget-sweep:"${schema}"`;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    first = await openStorage(url, schema);
    await first.keys.migrate();
    await first.budgets.migrate();
    second = await openStorage(url, schema);
  });

  afterAll(async () => {
    await first?.keys.close();
    await second?.keys.close();
    await admin?.end();
    await dropSchemas(url, [schema]);
  });

  it('while another session holds the sweep lock, a sweep releases nothing and returns at once; after, it releases the expired holds', async () => {
    const account = { owner: 'key:swept', windowStart: '1970-01-01T00:00:00.000Z', limitUsd: 10 };
    const reserved = await first.budgets.reserve([account], 2, { holder: 'dead-instance', ttlMs: 1000 });
    expect(reserved.ok).toBe(true);
    const later = new Date(Date.now() + 60_000); // past the lease
    await admin.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockName]);
    try {
      expect(await second.budgets.releaseExpired(later)).toBe(0);
      expect(await first.budgets.releaseExpired(later)).toBe(0);
      expect(await second.budgets.reserved(account.owner, account.windowStart)).toBe(2);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockName]);
    }
    expect(await second.budgets.releaseExpired(later)).toBe(1);
    expect(await first.budgets.reserved(account.owner, account.windowStart)).toBe(0);
  });

  it('two instances sweeping at once release each reservation exactly once', async () => {
    const account = { owner: 'key:raced', windowStart: '1970-01-01T00:00:00.000Z', limitUsd: 100 };
    for (let i = 0; i < 20; i++) expect((await first.budgets.reserve([account], 1, { holder: 'dead-instance', ttlMs: 1000 })).ok).toBe(true);
    const later = new Date(Date.now() + 60_000);
    const [a, b] = await Promise.all([first.budgets.releaseExpired(later), second.budgets.releaseExpired(later)]);
    expect(a + b).toBe(20);
    expect(await first.budgets.reserved(account.owner, account.windowStart)).toBe(0);
  });

  it('a sweep does not wait for the lock holder: the lock is tried, not queued for', async () => {
    // Held by a session in an open transaction, as a sweeping instance would hold it.
    await admin.query('BEGIN');
    try {
      await admin.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockName]);
      // Would hang until the statement timeout if the sweep waited for the lock.
      expect(await second.budgets.releaseExpired(new Date(Date.now() + 60_000))).toBe(0);
    } finally {
      await admin.query('ROLLBACK');
    }
  });
});
