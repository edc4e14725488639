import { createLogger, guardStore, StoreHealth, type Logger, type StorageSet } from '@switchyard/core';
import { isSqliteOutage } from './is-sqlite-outage.js';
import { SqliteHandle } from './database.js';
import { SqliteBudgetStore } from './sqlite-budget-store.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { SqliteResponseStore } from './sqlite-response-store.js';
import { SqliteUsageLedger } from './sqlite-usage-ledger.js';

export interface OpenSqliteStorageOptions {
  /** An absolute path, or `:memory:`. */
  file: string;
  busyTimeoutMs?: number;
  /** `Retry-After` (seconds) of a 503 `store_unavailable` (default 1). */
  retryAfterSeconds?: number;
  logger?: Logger;
  /** Largest stored Responses API payload in bytes (default 4 MiB); larger ones are not stored. */
  maxStoredResponseBytes?: number;
}

/**
 * Opens one database for the key store, the ledger, budgets and stored responses. A write waits up to
 * `busyTimeoutMs` for another process's lock; past it, or when the file is
 * read-only or full, the call fails with 503 `store_unavailable`. Their `migrate()`
 * runs the migrations once; their `close()` closes the shared connection once.
 */
export function openSqliteStorage(options: OpenSqliteStorageOptions): StorageSet {
  const handle = new SqliteHandle(options.file, options.busyTimeoutMs ?? 5000, (applied) =>
    options.logger?.info(
      { store: 'sqlite', file: options.file, migrations: applied.map((m) => `${m.version}-${m.name}`) },
      'applied database migrations',
    ),
  );
  // A file locked past the busy timeout, read-only or full answers 503 store_unavailable, not 500.
  const health = new StoreHealth({ backend: 'sqlite', logger: options.logger ?? createLogger({ level: 'silent' }) });
  const boundary = { health, isOutage: isSqliteOutage, retryAfterSeconds: options.retryAfterSeconds ?? 1 };
  return {
    keys: guardStore(new SqliteKeyStore(handle), boundary),
    ledger: guardStore(new SqliteUsageLedger(handle), boundary),
    budgets: guardStore(new SqliteBudgetStore(handle), boundary),
    responses: guardStore(
      new SqliteResponseStore(handle, options.maxStoredResponseBytes === undefined ? {} : { maxPayloadBytes: options.maxStoredResponseBytes }),
      boundary,
    ),
    health: () => health.section(),
  };
}
