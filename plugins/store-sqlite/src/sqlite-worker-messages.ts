/**
 * The messages between the main thread and the SQLite worker. Values cross by
 * structured clone (Dates, plain objects, undefined survive it); errors are sent
 * as plain fields because a cloned Error loses its `code`, and the code is what
 * decides between a 503 outage and a bug.
 */

/** Error codes of the thread boundary itself; `isSqliteOutage` counts them as outages (503). */
export const SQLITE_WORKER_TIMEOUT = 'ERR_SQLITE_WORKER_TIMEOUT';
export const SQLITE_WORKER_EXITED = 'ERR_SQLITE_WORKER_EXITED';
/** An in-memory database (`path: :memory:`) whose thread died: it died with it, and no thread is started in its place. */
export const SQLITE_MEMORY_GONE = 'ERR_SQLITE_MEMORY_GONE';

export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/** One store method call, as it crosses to the worker. */
export interface SqliteWorkerCall {
  id: number;
  store: string;
  method: string;
  args: unknown[];
}

/** One call's own outcome: a value or an error, never shared with the other calls of its message. */
export type SqliteWorkerAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: EncodedError };

/**
 * Main thread → worker: the calls made in one turn of the main thread's event loop,
 * run in order (one message, however many calls), or close the connection and exit.
 */
export type SqliteWorkerRequest = { type: 'calls'; calls: SqliteWorkerCall[] } | { type: 'close' };

/** An error as it crosses the thread boundary. */
export interface EncodedError {
  name: string;
  message: string;
  code?: string;
  stack?: string;
  /** The error's own scalar fields (StoredResponseTooLarge's `responseId`, `bytes`, `maxBytes`), which callers log. */
  fields?: Record<string, string | number | boolean>;
}

/** Worker → main thread: the answers of the calls it ran together (one message), log lines, and the goodbye after `close`. */
export type SqliteWorkerReply =
  | { type: 'answers'; answers: SqliteWorkerAnswer[] }
  | { type: 'log'; level: SqliteLogLevel; fields: Record<string, unknown>; message: string }
  | { type: 'closed' }
  /**
   * Posted once, when the thread has loaded its modules and tried to open the file: call
   * timeouts start then. `opened`: the file was there, or made (a thread started later must
   * then not make an empty one in place of a file deleted meanwhile).
   */
  | { type: 'ready'; opened: boolean };

export type SqliteLogLevel = 'info' | 'warn' | 'error';

/** A log line from a store: the main thread's logger in-thread, a `log` message from the worker. */
export type SqliteLog = (level: SqliteLogLevel, fields: Record<string, unknown>, message: string) => void;

export function encodeError(error: unknown): EncodedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const code = (error as { code?: unknown }).code;
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'name' && key !== 'code' && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) fields[key] = value;
  }
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' && { code }),
    ...(error.stack !== undefined && { stack: error.stack }),
    ...(Object.keys(fields).length > 0 && { fields }),
  };
}

/** Rebuilds the error with its class where it is a built-in one callers check for (TypeError, RangeError). */
export function decodeError(encoded: EncodedError): Error {
  const Kind = encoded.name === 'TypeError' ? TypeError : encoded.name === 'RangeError' ? RangeError : Error;
  const error = new Kind(encoded.message) as Error & { code?: string };
  if (encoded.fields) Object.assign(error, encoded.fields);
  if (Kind === Error && encoded.name !== 'Error') error.name = encoded.name;
  if (encoded.code !== undefined) error.code = encoded.code;
  if (encoded.stack !== undefined) error.stack = encoded.stack;
  return error;
}
