/** The `code` of the error a KeyStore's `update` rejects with when the key's scope is no longer the one expected. */
export const KEY_UPDATE_CONFLICT = 'KEY_UPDATE_CONFLICT';

/**
 * The error a KeyStore's `update` rejects with when `expected.scope` is not the key's
 * scope any more: another change came between the caller's read and this write, and
 * writing a scope merged from the old one would undo it. The admin API reads again.
 */
export function keyUpdateConflict(): Error & { code: string } {
  return Object.assign(new Error('the key changed since it was read'), { code: KEY_UPDATE_CONFLICT });
}

/** Whether `error` is {@link keyUpdateConflict}'s, also after crossing a thread (compared by code). */
export function isKeyUpdateConflict(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === KEY_UPDATE_CONFLICT;
}
