import type { JsonSchema } from '@switchyard/core';

export interface SqliteOptions {
  /** The database file, relative to the gateway's data folder; `:memory:` for a throwaway one. */
  path: string;
  /** How long a write waits for another process holding the file's write lock. */
  busy_timeout_ms: number;
  /**
   * Largest stored Responses API response (its JSON: response, input and conversation
   * items) in bytes; a larger one is answered but not stored (logged and counted).
   */
  max_stored_response_bytes: number;
}

export const sqliteOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    path: { type: 'string', minLength: 1, default: 'switchyard.db' },
    busy_timeout_ms: { type: 'integer', minimum: 0, default: 5000 },
    max_stored_response_bytes: { type: 'integer', minimum: 1024, maximum: 268_435_456, default: 4_194_304 },
  },
};
