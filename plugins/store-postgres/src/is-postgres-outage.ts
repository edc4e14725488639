/** Node socket errors that mean the database could not be reached or went away. */
const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN', // the interface went down under the gateway
  'EHOSTDOWN',
  'ENETRESET',
  'EADDRNOTAVAIL', // no local address or port to connect from (ports exhausted, an address gone): passes, as the rest do
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL', // the resolver failing (not a name that does not exist, which is ENOTFOUND)
  'UPSTREAM_LOOKUP_TIMEOUT', // the host name's lookup gave no answer in time (bounded-lookup-socket.ts)
]);

/**
 * SQLSTATE classes and codes that mean the database is not serving right now, as
 * opposed to a problem with the statement: connection exceptions (08), insufficient
 * resources (53), operator intervention (57: shutdown, statement timeout, cancel), a
 * system error under the server (58: 58030 `io_error`, a failing disk), 55P03
 * `lock_not_available`: a lock another session held past a `lock_timeout` the operator set
 * on the role or the database (a 500 before), the same wait as a statement timeout behind
 * a lock, and XX001/XX002 (a data or index page found corrupted), the operator's to mend as
 * SQLite's SQLITE_IOERR and SQLITE_CORRUPT are (a 500 blamed each request before).
 */
function isUnavailableSqlState(code: string): boolean {
  return /^(08|53|57|58)[0-9A-Z]{3}$/.test(code) || code === '55P03' || code === 'XX001' || code === 'XX002';
}

/**
 * SQLSTATE codes of a database changed under the running gateway once its migrations
 * had made the schema: a table or the schema dropped (42P01, 3F000), the role's rights
 * taken away (42501), writes refused by a server that is now a read-only standby after a
 * failover (25006), a new connection refused its login (28000: the role made NOLOGIN or
 * dropped, pg_hba.conf changed; 28P01: its password changed before the gateway's
 * configuration) or its database (3D000: dropped or renamed). The operator's to mend, not
 * a bad request.
 */
const changedUnderTheGateway = new Set(['42P01', '3F000', '42501', '25006', '28000', '28P01', '3D000']);

/**
 * Whether a `pg` error says the database was changed under the gateway (above). After the
 * migrations these are outages (503, `/health` says so, usage records held: a 500 blamed
 * each request); before, at start, they are the database refusing, said in its words.
 */
export function isPostgresChangedUnderTheGateway(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && changedUnderTheGateway.has(code);
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

/** Socket errors of a connection that was open and is now gone (reset, its write refused). */
const lostConnectionCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/**
 * SQLSTATEs of the server ending the connection: a shutdown or restart (57P01
 * `admin_shutdown`, also `pg_terminate_backend`) or a crash (57P02). Its transaction is rolled back.
 */
const connectionEndedByServer = new Set(['57P01', '57P02']);

/** What pg throws when the connection a query was given is (or proves) gone. */
const lostConnectionMessages = ['Connection terminated unexpectedly', 'Client has encountered a connection error and is not queryable', 'Client was closed and is not queryable'];

/**
 * Whether a `pg` error says the connection the call was given is gone (reset, closed,
 * ended by the server), as opposed to the database refusing a new one, a timeout, or
 * the statement failing: a new connection may well work. pg-pool hands out an idle
 * connection without checking it, and after a server restart or a proxy cutting idle
 * connections each of them may be dead. Not a timeout: the call's time is spent.
 */
export function isConnectionLost(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (lostConnectionCodes.has(code) || connectionEndedByServer.has(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return lostConnectionMessages.some((text) => message.includes(text));
}
