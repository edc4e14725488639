import { createLogger, DEFAULT_RESERVATION_TTL_MS, guardStore, MAX_RELEASED_RESERVATIONS, StoreHealth, type BudgetStore, type KeyStore, type Logger, type ResponseStore, type StorageSet, type UsageLedger } from '@switchyard/core';
import { isSqliteOutage } from './is-sqlite-outage.js';
import { checkedCacheSizeKb, type SqliteConnectionSettings } from './database.js';
import type { HostedSqliteSettings, HostedSqliteStoreName } from './hosted-sqlite-stores.js';
import { SqliteFileConnection } from './sqlite-file-connection.js';
import { SqliteWorkerClient } from './sqlite-worker-client.js';
import type { SqliteLog } from './sqlite-worker-messages.js';

export interface OpenSqliteStorageOptions {
  /** An absolute path, or `:memory:`. */
  file: string;
  busyTimeoutMs?: number;
  /** SQLite's page cache, in KiB (default 2048). */
  cacheSizeKb?: number;
  /** `Retry-After` (seconds) of a 503 `store_unavailable` (default 1). */
  retryAfterSeconds?: number;
  /** `worker` (default): the connection lives in a worker thread; `main`: on the event loop. */
  thread?: 'worker' | 'main';
  /** Worker mode: how long a call may take before it fails as an outage (default busy timeout + 5 s). */
  callTimeoutMs?: number;
  logger?: Logger;
  /** Largest stored Responses API payload in bytes (default 4 MiB); larger ones are not stored. */
  maxStoredResponseBytes?: number;
  /** Open only a file that is there (another process made it): one gone is an outage, not a new empty database. */
  mustExist?: boolean;
}

/**
 * Opens one database for the key store, the ledger, budgets and stored responses. A write waits up to
 * `busyTimeoutMs` for another process's lock; past it, or when the file is
 * read-only or full, the call fails with 503 `store_unavailable`. Their `migrate()`
 * runs the migrations once; their `close()` closes the shared connection once.
 *
 * In worker mode (the default) the stores are proxies to the same classes running
 * in a worker thread that owns the connection; a call that gets no answer within
 * `callTimeoutMs`, or whose worker died, is an outage (503) too.
 */
export function openSqliteStorage(options: OpenSqliteStorageOptions): StorageSet {
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const connection: SqliteConnectionSettings = { busyTimeoutMs, ...(options.cacheSizeKb !== undefined && { cacheSizeKb: checkedCacheSizeKb(options.cacheSizeKb) }) };
  // A file locked past the busy timeout, read-only or full answers 503 store_unavailable, not 500.
  const health = new StoreHealth({ backend: 'sqlite', logger });
  const boundary = { health, isOutage: isSqliteOutage, retryAfterSeconds: options.retryAfterSeconds ?? 1 };

  const settings: HostedSqliteSettings = {
    defaultReservationTtlMs: DEFAULT_RESERVATION_TTL_MS,
    maxReleasedReservations: MAX_RELEASED_RESERVATIONS,
    ...(options.maxStoredResponseBytes !== undefined && { maxStoredResponseBytes: options.maxStoredResponseBytes }),
  };
  if (options.thread === 'main') {
    const log: SqliteLog = (level, fields, message) => logger[level](fields, message);
    const sqlite = new SqliteFileConnection({ file: options.file, connection, settings, log, mustExist: options.mustExist === true });
    // As before this mode kept the file at its path: one that cannot be opened at start fails the start.
    if (sqlite.opening.error !== undefined) throw sqlite.opening.error;
    return {
      keys: guardStore(followingStore<KeyStore>(sqlite, 'keys'), boundary),
      ledger: guardStore(followingStore<UsageLedger>(sqlite, 'ledger'), boundary),
      budgets: guardStore(followingStore<BudgetStore>(sqlite, 'budgets'), boundary),
      responses: guardStore(followingStore<ResponseStore>(sqlite, 'responses'), boundary),
      health: () => ({ ...health.section(), thread: 'main' }),
      answers: () => !health.failing,
    };
  }

  const client = new SqliteWorkerClient({
    file: options.file,
    connection,
    callTimeoutMs: options.callTimeoutMs ?? busyTimeoutMs + 5000,
    settings,
    logger,
    health,
    ...(options.mustExist === true && { mustExist: true }),
  });
  return {
    keys: guardStore(client.store<KeyStore>('keys'), boundary),
    ledger: guardStore(client.store<UsageLedger>('ledger'), boundary),
    budgets: guardStore(client.store<BudgetStore>('budgets'), boundary),
    responses: guardStore(client.store<ResponseStore>('responses'), boundary),
    health: () => ({ ...health.section(), ...client.healthDetails() }),
    answers: () => !health.failing,
  };
}

/**
 * A hosted store on the event loop, kept to the file at its path as the worker keeps its own:
 * each method call first checks the file (a stat) and then runs on the stores open now, or fails
 * with why none are (the file gone: 503). `close()` closes the connection once, whichever store
 * asks. A field that is no method is the open store's own.
 */
function followingStore<T extends object>(sqlite: SqliteFileConnection, name: HostedSqliteStoreName): T {
  const methods = new Map<string, unknown>();
  const method = (property: string) => async (...args: unknown[]) => {
    sqlite.beforeRun();
    const { stores, error } = sqlite.opening;
    if (error !== undefined) throw error;
    const store = stores.get(name)!;
    return (store[property] as (...args: unknown[]) => unknown).apply(store, args);
  };
  return new Proxy({} as T, {
    get: (_target, property) => {
      if (typeof property !== 'string' || property === 'then') return undefined;
      const field = sqlite.opening.stores.get(name)?.[property];
      if (field !== undefined && typeof field !== 'function') return field;
      let found = methods.get(property);
      if (!found) {
        found = property === 'close' ? async () => sqlite.close() : method(property);
        methods.set(property, found);
      }
      return found;
    },
  });
}
