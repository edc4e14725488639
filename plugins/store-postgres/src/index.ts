import pg from 'pg';
import { defineStorage, type StorageContext, type StorageSet } from '@switchyard/core';
import { runMigrations } from './migrations.js';
import { PostgresBudgetStore } from './postgres-budget-store.js';
import { PostgresKeyStore } from './postgres-key-store.js';
import { postgresOptionsSchema, type PostgresStorageOptions } from './postgres-options.js';
import { PostgresUsageLedger } from './postgres-usage-ledger.js';
import { tablesIn } from './sql.js';

/**
 * Opens the three stores on one connection pool. Nothing connects until the first
 * query (normally `migrate()`); closing any of the stores ends the shared pool.
 */
export function createPostgresStorage(options: PostgresStorageOptions, context: StorageContext): StorageSet {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.pool_size,
    statement_timeout: options.statement_timeout_ms,
    application_name: 'switchyard',
  });
  // An idle connection that dies (server restart, network) must not crash the gateway;
  // the pool replaces it. The message never includes the connection string.
  pool.on('error', (error) => context.logger.warn({ err: error.message }, 'postgres connection lost; it will be replaced'));

  const tables = tablesIn(options.schema);
  let migrating: Promise<void> | undefined;
  const migrateOnce = () => {
    migrating ??= runMigrations(pool, tables, options.schema).then(
      (applied) => {
        if (applied.length > 0) context.logger.info({ schema: options.schema, applied }, 'postgres schema migrated');
      },
      (error: unknown) => {
        migrating = undefined; // let a later call try again
        throw error;
      },
    );
    return migrating;
  };
  let closing: Promise<void> | undefined;
  const closePool = () => (closing ??= pool.end());

  return {
    keys: new PostgresKeyStore(pool, tables, migrateOnce, closePool),
    ledger: new PostgresUsageLedger(pool, tables, migrateOnce, closePool),
    budgets: new PostgresBudgetStore(pool, tables, context.logger, migrateOnce, closePool),
  };
}

/** PostgreSQL storage: keys, the usage ledger and budgets shared by every gateway instance. */
const postgres = defineStorage<PostgresStorageOptions>({
  name: 'postgres',
  optionsSchema: postgresOptionsSchema,
  create: createPostgresStorage,
});

export default postgres;
export { postgres, postgresOptionsSchema, type PostgresStorageOptions };
export { migrations, runMigrations, type Migration } from './migrations.js';
export { PostgresKeyStore, newKeyId } from './postgres-key-store.js';
export { PostgresUsageLedger } from './postgres-usage-ledger.js';
export { PostgresBudgetStore, toMicros, fromMicros } from './postgres-budget-store.js';
