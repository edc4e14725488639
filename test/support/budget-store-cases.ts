import { findPostgres, freshSchemaName } from '@switchyard/testing';
import pg from 'pg';
import { afterAll } from 'vitest';

/** How budgets are held: by grants (the default), or a reservation per request. */
const grantSettings = [
  ['grants', {}],
  ['a reservation per request', { requests: 0 }],
] as const;

export interface BudgetStoreCase {
  store: string;
  /** A fresh `storage:` section for one gateway (PostgreSQL: a schema of its own, dropped after the file). */
  storage: () => Record<string, unknown>;
  grantsName: (typeof grantSettings)[number][0];
  grants: (typeof grantSettings)[number][1];
}

/**
 * Every store that keeps budgets and the ledger durably, as `[name, storage]` pairs: SQLite, and
 * PostgreSQL when it runs (findPostgres fails loudly in CI without it). Each `storage()` call is
 * a fresh `storage:` section for one gateway (PostgreSQL: a schema of its own); the schemas handed
 * out are dropped after the file.
 */
export async function durableStores(): Promise<Array<[store: string, storage: () => Record<string, unknown>]>> {
  const postgres = await findPostgres();
  const schemas: string[] = [];
  afterAll(async () => {
    if (!postgres.available || schemas.length === 0) return;
    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });
  const stores: Array<[string, () => Record<string, unknown>]> = [['sqlite', () => ({ use: 'sqlite' })]];
  if (postgres.available) {
    const url = postgres.url;
    stores.push(['postgres', () => ({ use: 'postgres', url, schema: schemas[schemas.push(freshSchemaName()) - 1] })]);
  }
  return stores;
}

/** {@link durableStores} under each way of holding: the cases a money test runs on. */
export async function budgetStoreCases(): Promise<BudgetStoreCase[]> {
  const stores = await durableStores();
  return stores.flatMap(([store, storage]) => grantSettings.map(([grantsName, grants]) => ({ store, storage, grantsName, grants })));
}
