/** The `code` of the error a KeyStore's `rotate` rejects with when the key is revoked. */
export const KEY_REVOKED = 'KEY_REVOKED';

/**
 * The error a KeyStore's `rotate` rejects with when the key is revoked, judged inside
 * the rotation's own transaction: a revoke landing between the admin's read and the
 * rotation would otherwise get a new secret handed out for a key that no longer works.
 */
export function keyRevoked(): Error & { code: string } {
  return Object.assign(new Error('the key is revoked'), { code: KEY_REVOKED });
}

/** Whether `error` is {@link keyRevoked}'s, also after crossing a thread (compared by code). */
export function isKeyRevoked(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === KEY_REVOKED;
}
