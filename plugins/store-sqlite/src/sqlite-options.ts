import type { JsonSchema } from '@switchyard/core';
import { sqliteCacheSizeKb } from './database.js';

export interface SqliteOptions {
  /** The database file, relative to the gateway's data folder; `:memory:` for a throwaway one. */
  path: string;
  /** How long a write waits for another process holding the file's write lock. */
  busy_timeout_ms: number;
  /** SQLite's page cache for the connection, in KiB. */
  cache_size_kb: number;
  /**
   * Largest stored Responses API response (its JSON: response, input and conversation
   * items) in bytes; a larger one is answered but not stored (logged and counted).
   */
  max_stored_response_bytes: number;
  /**
   * Where the connection runs: `worker` (default) in a worker thread of its own, so
   * a slow write never blocks request handling; `main` on the event loop, for
   * debugging and comparison.
   */
  thread: 'worker' | 'main';
  /**
   * How long a call to the worker may take before it answers 503 `store_unavailable`
   * (default: `busy_timeout_ms` + 5000, so a lock wait ends in SQLITE_BUSY first).
   */
  call_timeout_ms?: number;
}

export const sqliteOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, default: 'switchyard.db' },
    max_stored_response_bytes: { type: 'integer', minimum: 1024, maximum: 268_435_456, default: 4_194_304 },
    busy_timeout_ms: { type: 'integer', minimum: 0, maximum: 600_000, default: 5000 },
    cache_size_kb: { type: 'integer', minimum: sqliteCacheSizeKb.min, maximum: sqliteCacheSizeKb.max, default: sqliteCacheSizeKb.default },
    thread: { type: 'string', enum: ['worker', 'main'], default: 'worker' },
    call_timeout_ms: { type: 'integer', minimum: 1, maximum: 600_000 },
  },
};
