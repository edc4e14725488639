import { createLogger, DEFAULT_RESERVATION_TTL_MS, guardStore, MAX_RELEASED_RESERVATIONS, StoreHealth, type BudgetStore, type KeyStore, type Logger, type ResponseStore, type StorageSet, type UsageLedger } from '@switchyard/core';
import { isSqliteOutage } from './is-sqlite-outage.js';
import { checkedCacheSizeKb, SqliteHandle, type SqliteConnectionSettings } from './database.js';
import { hostedSqliteStores, type HostedSqliteSettings } from './hosted-sqlite-stores.js';
import { SqliteWorkerClient } from './sqlite-worker-client.js';

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
    const handle = new SqliteHandle(options.file, connection, (applied) =>
      logger.info({ store: 'sqlite', file: options.file, migrations: applied.map((m) => `${m.version}-${m.name}`) }, 'applied database migrations'),
      options.mustExist,
    );
    return {
      keys: guardStore(hostedSqliteStores.keys(handle), boundary),
      ledger: guardStore(hostedSqliteStores.ledger(handle), boundary),
      budgets: guardStore(
        hostedSqliteStores.budgets(handle, settings, (level, fields, message) => logger[level](fields, message)),
        boundary,
      ),
      responses: guardStore(hostedSqliteStores.responses(handle, settings), boundary),
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
