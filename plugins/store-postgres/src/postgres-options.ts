import type { JsonSchema } from '@switchyard/core';

/** The options of the `postgres` storage plugin, after validation (defaults filled in). */
export interface PostgresStorageOptions {
  /** Connection string, `postgres://user:password@host:5432/db`; usually `${DATABASE_URL}`. */
  url: string;
  /** The schema every table lives in; created by `migrate()`. */
  schema: string;
  /** Connections in this instance's pool. */
  pool_size: number;
  /** Server-side limit on any one statement (also bounds waits on budget row locks). */
  statement_timeout_ms: number;
}

export const postgresOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { type: 'string', minLength: 1 },
    // A plain identifier: it is interpolated (quoted) into DDL, so nothing else is accepted.
    schema: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$', default: 'switchyard' },
    pool_size: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    statement_timeout_ms: { type: 'integer', minimum: 0, default: 5000 },
  },
};
