import { invalidKeyCursor } from './key-store-errors.js';

/** The largest `seq` a store's audit table holds (a signed 64-bit integer). */
const maxSeq = 2n ** 63n - 1n;

/**
 * `KeyStore.listAudit` cursors are `base64url('a:' + seq)`, the last entry's sequence
 * number: opaque to clients, the same for every store. Imports only the errors: the
 * SQLite worker loads it.
 */
export function encodeAuditCursor(seq: string | number | bigint): string {
  return Buffer.from(`a:${seq}`, 'utf8').toString('base64url');
}

/** The sequence number in a cursor from encodeAuditCursor; one it did not make rejects with `invalidKeyCursor()`. */
export function decodeAuditCursor(cursor: string): string {
  // Strict: Node's base64url decoding skips what is not base64url, so `cursor + '!'` would read as `cursor`.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw invalidKeyCursor();
  const match = /^a:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  // Past a bigint PostgreSQL refuses to compare (a 500, not a 400).
  if (!match?.[1] || BigInt(match[1]) > maxSeq) throw invalidKeyCursor();
  return match[1];
}
