/** Node socket errors that mean the database could not be reached or went away. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * SQLSTATE classes and codes that mean the database is not serving right now, as
 * opposed to a problem with the statement: connection exceptions (08), insufficient
 * resources (53), operator intervention (57: shutdown, statement timeout, cancel).
 */
function isUnavailableSqlState(code: string): boolean {
  return /^(08|53|57)[0-9A-Z]{3}$/.test(code);
}

/** What `pg` and `pg-pool` throw when a connection fails, ends or a timeout passes. */
const driverMessages = [
  'timeout exceeded when trying to connect', // pg-pool: no connection in time
  'timeout expired', // pg Client: connectionTimeoutMillis passed while opening
  'Query read timeout',
  'Connection terminated',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end',
];

/**
 * Whether a `pg` error means the database is unavailable (refused, reset, timed
 * out, shutting down) rather than a bug or a constraint: the store boundary turns
 * these into 503 `store_unavailable`.
 */
export function isPostgresOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (socketCodes.has(code) || isUnavailableSqlState(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return driverMessages.some((text) => message.includes(text));
}
