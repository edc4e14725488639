import type { Logger, StorageSet } from '@switchyard/core';
import { SqliteHandle } from './database.js';
import { SqliteBudgetStore } from './sqlite-budget-store.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { SqliteUsageLedger } from './sqlite-usage-ledger.js';

export interface OpenSqliteStorageOptions {
  /** An absolute path, or `:memory:`. */
  file: string;
  busyTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Opens one database for the key store, the ledger and budgets. Their `migrate()`
 * runs the migrations once; their `close()` closes the shared connection once.
 */
export function openSqliteStorage(options: OpenSqliteStorageOptions): StorageSet {
  const handle = new SqliteHandle(options.file, options.busyTimeoutMs ?? 5000, (applied) =>
    options.logger?.info(
      { store: 'sqlite', file: options.file, migrations: applied.map((m) => `${m.version}-${m.name}`) },
      'applied database migrations',
    ),
  );
  return {
    keys: new SqliteKeyStore(handle),
    ledger: new SqliteUsageLedger(handle),
    budgets: new SqliteBudgetStore(handle),
  };
}
