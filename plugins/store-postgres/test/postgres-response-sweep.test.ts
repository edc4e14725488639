import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StorageSet, StoredResponse } from '@switchyard/core';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

function expiredResponse(i: number, expiresAt: Date): StoredResponse {
  const id = `resp_sweep_${i}_${Math.random().toString(36).slice(2)}`;
  return { id, ownerKeyId: 'key_sweep', response: { id }, inputItems: [], conversationItems: [], createdAt: new Date(expiresAt.getTime() - 1000), expiresAt };
}

describe.skipIf(!target.available)('the stored-response sweep runs on one instance at a time (the same advisory-lock leader election as budgets)', () => {
  const schema = freshSchemaName();
  let first: StorageSet;
  let second: StorageSet;
  let admin: pg.Client;
  const lockName = `switchyard:response-sweep:"${schema}"`;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    first = await openStorage(url, schema);
    await first.keys.migrate();
    second = await openStorage(url, schema);
  });

  afterAll(async () => {
    await first?.keys.close();
    await second?.keys.close();
    await admin?.end();
    await dropSchemas(url, [schema]);
  });

  it('while another session holds the sweep lock a sweep deletes nothing and returns at once; afterwards it deletes the expired rows', async () => {
    const expiresAt = new Date(Date.now() - 60_000);
    const rows = [1, 2, 3].map((i) => expiredResponse(i, expiresAt));
    for (const row of rows) await first.responses!.put(row);
    await admin.query('BEGIN');
    try {
      await admin.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockName]);
      // Would wait until the statement timeout if the sweep queued for the lock.
      expect(await second.responses!.deleteExpired()).toBe(0);
    } finally {
      await admin.query('ROLLBACK');
    }
    expect(await second.responses!.deleteExpired()).toBe(3);
  });

  it('two instances sweeping at once delete each expired row exactly once, across batches', async () => {
    const expiresAt = new Date(Date.now() - 60_000);
    const rows = Array.from({ length: 2500 }, (_, i) => expiredResponse(i, expiresAt));
    await admin.query(
      `INSERT INTO "${schema}".responses (id, owner_key_id, created_at, expires_at, payload)
       SELECT id, 'key_sweep', $2, $2, '{}' FROM unnest($1::text[]) AS id`,
      [rows.map((row) => row.id), expiresAt],
    );
    const [a, b] = await Promise.all([first.responses!.deleteExpired(), second.responses!.deleteExpired()]);
    expect(a + b).toBe(2500);
    const { rows: left } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".responses`);
    expect(left[0].n).toBe(0);
  });
});
