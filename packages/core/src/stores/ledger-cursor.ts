import { isStorableTime } from './storable-time.js';

/** Where a page of ledger records ended: the last record's time (epoch ms) and id. */
export interface LedgerCursor {
  atMs: number;
  id: string;
}

const maxCursorLength = 512;

/**
 * Ledger paging cursors are `base64url(JSON [atMs, id])`: opaque to clients, the
 * same for every store, so a page read from SQLite and one from PostgreSQL page alike.
 */
export function encodeLedgerCursor(cursor: LedgerCursor): string {
  return Buffer.from(JSON.stringify([cursor.atMs, cursor.id])).toString('base64url');
}

/** The cursor a client sent back, or undefined when it is not one we made (the caller answers 400). */
export function decodeLedgerCursor(text: string): LedgerCursor | undefined {
  if (text.length === 0 || text.length > maxCursorLength || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [atMs, id] = value as [unknown, unknown];
    // A time no store holds (past year 9999, or past what a Date holds) is no cursor a page ended on.
    if (typeof atMs !== 'number' || !Number.isSafeInteger(atMs) || atMs < 0 || !isStorableTime(atMs)) return undefined;
    // Record ids are the gateway's own (`req_…`): one holding a control character was forged, and a
    // NUL is one PostgreSQL keeps in no text (it refused the query: a 500, not a 400).
    if (typeof id !== 'string' || id.length === 0 || id.length > 256 || /[\u0000-\u001f\u007f]/.test(id)) return undefined;
    return { atMs, id };
  } catch {
    return undefined;
  }
}
