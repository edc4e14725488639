import type { SqliteHandle } from './database.js';
import type { SqliteLog } from './sqlite-worker-messages.js';
import { SqliteBudgetStore } from './sqlite-budget-store.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { SqliteResponseStore } from './sqlite-response-store.js';
import { SqliteUsageLedger } from './sqlite-usage-ledger.js';

/**
 * Every store that lives on the SQLite connection, by the name the main thread's
 * proxies call it with. The same synchronous classes serve both modes: in-thread
 * they are called directly, in the worker they are built here and called by name.
 * Hosting a new store class is one line here and one in `openSqliteStorage`.
 */
export const hostedSqliteStores = {
  keys: (handle: SqliteHandle) => new SqliteKeyStore(handle),
  ledger: (handle: SqliteHandle) => new SqliteUsageLedger(handle),
  budgets: (handle: SqliteHandle, settings: HostedSqliteSettings, log: SqliteLog) =>
    new SqliteBudgetStore(handle, settings.defaultReservationTtlMs, settings.maxReleasedReservations, log),
  responses: (handle: SqliteHandle, settings: HostedSqliteSettings) =>
    new SqliteResponseStore(handle, settings.maxStoredResponseBytes === undefined ? {} : { maxPayloadBytes: settings.maxStoredResponseBytes }),
} satisfies Record<string, (handle: SqliteHandle, settings: HostedSqliteSettings, log: SqliteLog) => object>;

/**
 * Values from core the stores need, handed in by the main thread: the worker does
 * not load core's runtime (a second of start-up for one constant).
 */
export interface HostedSqliteSettings {
  defaultReservationTtlMs: number;
  /** Released budget reservations kept for a late settle (core's MAX_RELEASED_RESERVATIONS; the store's own copy when absent). */
  maxReleasedReservations?: number;
  /** Largest stored Responses API payload in bytes (the response store's default when absent). */
  maxStoredResponseBytes?: number;
}

/** The name of a store the SQLite worker hosts. */
export type HostedSqliteStoreName = keyof typeof hostedSqliteStores;
