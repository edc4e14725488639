/**
 * SQLite result codes that mean the file cannot be used right now — locked past
 * the busy timeout, read-only, full, unreadable, corrupt or not a database at all —
 * as opposed to a problem with the statement. A corrupt file is the operator's to
 * repair: answered as an outage, `/health` says so (readiness fails) and usage
 * records are held, where a 500 would blame the request and set its record aside. better-sqlite3 reports extended codes (`SQLITE_IOERR_WRITE`), so
 * prefixes are matched. The worker thread's own failures (no answer within the
 * call timeout, the thread died) are outages too: the caller may retry shortly; so is
 * the file gone from its path while the gateway ran (the worker notices it), and an in-memory
 * database lost with its thread.
 */
const unavailable = ['ERR_SQLITE_WORKER_TIMEOUT', 'ERR_SQLITE_WORKER_EXITED', 'ERR_SQLITE_FILE_GONE', 'ERR_SQLITE_MEMORY_GONE', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_CANTOPEN', 'SQLITE_PROTOCOL', 'SQLITE_CORRUPT', 'SQLITE_NOTADB'];

/**
 * A table of the gateway's schema gone: the file opens only once its migrations have made every
 * table, so a statement that finds one missing meets a database changed under the gateway (a
 * table dropped from the sqlite3 shell, a script run against the wrong file). The operator's to
 * mend, like a corrupt file: an outage, where a 500 blamed each request (PostgreSQL's 42P01 alike).
 */
const tableGone = /^no such table: /;

/** Whether a better-sqlite3 error means the database file is unavailable: the store boundary answers 503. */
export function isSqliteOutage(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return false;
  if (code === 'SQLITE_ERROR') return tableGone.test(error instanceof Error ? error.message : '');
  return unavailable.some((prefix) => code === prefix || code.startsWith(`${prefix}_`));
}
