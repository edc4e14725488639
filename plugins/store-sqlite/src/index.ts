import { defineStorage } from '@switchyard/core';
import path from 'node:path';
import { openSqliteStorage } from './open-sqlite-storage.js';
import { sqliteOptionsSchema, type SqliteOptions } from './sqlite-options.js';

/**
 * Embedded storage: virtual keys, the usage ledger, budgets and stored responses in one SQLite file
 * in the gateway's data folder. No server; several gateway processes on one
 * machine may share the file.
 */
const sqlite = defineStorage<SqliteOptions>({
  name: 'sqlite',
  optionsSchema: sqliteOptionsSchema,
  create: (options, context) =>
    openSqliteStorage({
      file: options.path === ':memory:' ? ':memory:' : path.resolve(context.dataDir, options.path),
      busyTimeoutMs: options.busy_timeout_ms,
      cacheSizeKb: options.cache_size_kb,
      maxStoredResponseBytes: options.max_stored_response_bytes,
      thread: options.thread,
      ...(options.call_timeout_ms !== undefined && { callTimeoutMs: options.call_timeout_ms }),
      ...(context.existing === true && { mustExist: true }),
      logger: context.logger,
    }),
});

export default sqlite;
export { sqlite, sqliteOptionsSchema, type SqliteOptions };
export { openSqliteStorage, type OpenSqliteStorageOptions } from './open-sqlite-storage.js';
export { migrations, type Migration } from './migrations.js';
export { SqliteResponseStore, type SqliteResponseStoreOptions } from './sqlite-response-store.js';
export { SqliteWorkerClient, type SqliteWorkerClientOptions } from './sqlite-worker-client.js';
export { SQLITE_WORKER_EXITED, SQLITE_WORKER_TIMEOUT } from './sqlite-worker-messages.js';
export { hostedSqliteStores, type HostedSqliteStoreName } from './hosted-sqlite-stores.js';
