/**
 * The errors a KeyStore rejects with for what the admin API answers as a client's
 * mistake, each known by its `code`: a store may run in another thread (SQLite's
 * worker), where the error crosses as a plain object, so it is told apart by code,
 * never by class. Imports nothing: the SQLite worker loads it.
 */

/** `list`, `listAudit`: a cursor this store did not make. */
export const INVALID_KEY_CURSOR = 'INVALID_KEY_CURSOR';
/** `update`: the key's scope is no longer the one expected (`expected.scope`). */
export const KEY_UPDATE_CONFLICT = 'KEY_UPDATE_CONFLICT';
/** `update`, `rotate`: the key is revoked. */
export const KEY_REVOKED = 'KEY_REVOKED';

type CodedError = Error & { code: string };

const coded = (error: Error, code: string): CodedError => Object.assign(error, { code });
const hasCode = (error: unknown, code: string): boolean => (error as { code?: unknown } | null)?.code === code;

/** The error of `list` and `listAudit` for a cursor it did not make: the admin API answers it with a 400. */
export function invalidKeyCursor(): CodedError {
  return coded(new TypeError('not a key list cursor this store made'), INVALID_KEY_CURSOR);
}

/**
 * The error of `update` when `expected.scope` is not the key's scope any more: another
 * change came between the caller's read and this write, and writing a scope merged from
 * the old one would undo it. The admin API reads again.
 */
export function keyUpdateConflict(): CodedError {
  return coded(new Error('the key changed since it was read'), KEY_UPDATE_CONFLICT);
}

/**
 * The error of `update` and `rotate` when the key is revoked, judged inside the write's own
 * transaction: a revoke landing between the admin's read and the write would otherwise
 * get a new secret handed out, or a change stored and audited, for a key that no longer works.
 */
export function keyRevoked(): CodedError {
  return coded(new Error('the key is revoked'), KEY_REVOKED);
}

export const isInvalidKeyCursor = (error: unknown): boolean => hasCode(error, INVALID_KEY_CURSOR);
export const isKeyUpdateConflict = (error: unknown): boolean => hasCode(error, KEY_UPDATE_CONFLICT);
export const isKeyRevoked = (error: unknown): boolean => hasCode(error, KEY_REVOKED);
