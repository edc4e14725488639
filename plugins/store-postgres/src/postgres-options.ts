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
  /**
   * How long getting a connection may take: opening one (TCP and login) or waiting
   * for a free one in a full pool. Past it the call fails with 503 `store_unavailable`.
   */
  connect_timeout_ms: number;
  /**
   * Client-side limit on one query: covers a database that accepted the connection
   * and then stopped answering, which `statement_timeout_ms` (enforced by the
   * server) cannot. Past it the connection is dropped and the call fails with 503.
   * Also the deadline of a whole transaction (sql.ts inTransaction), from its BEGIN.
   */
  query_timeout_ms: number;
  /** An idle connection is closed after this long. */
  idle_timeout_ms: number;
  /** TCP keep-alive probes start after a connection is idle this long (0: off), so a dead peer is noticed. */
  keep_alive_ms: number;
  /**
   * How often the connection that LISTENs for key changes sends `SELECT 1`; one
   * unanswered within `query_timeout_ms` counts as a lost connection (reopened,
   * every cached key lookup dropped). It sends nothing else, so a server gone silent
   * with the socket open would otherwise go unnoticed.
   */
  listen_check_interval_ms: number;
  /** `Retry-After` (seconds) of a 503 `store_unavailable`. */
  retry_after_seconds: number;
  /**
   * Largest stored Responses API response (its JSON: response, input and conversation
   * items) in bytes; a larger one is answered but not stored (logged and counted).
   */
  max_stored_response_bytes: number;
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
    statement_timeout_ms: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 5000 },
    // Bounded below so a typo cannot make every call fail, above so an outage cannot hang requests.
    connect_timeout_ms: { type: 'integer', minimum: 50, maximum: 60_000, default: 2000 },
    query_timeout_ms: { type: 'integer', minimum: 50, maximum: 3_600_000, default: 6000 },
    idle_timeout_ms: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 30_000 },
    keep_alive_ms: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 10_000 },
    listen_check_interval_ms: { type: 'integer', minimum: 100, maximum: 300_000, default: 5000 },
    retry_after_seconds: { type: 'integer', minimum: 1, maximum: 3600, default: 2 },
    max_stored_response_bytes: { type: 'integer', minimum: 1024, maximum: 268_435_456, default: 4_194_304 },
  },
};
