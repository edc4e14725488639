/** The `code` of the error a KeyStore's `list` rejects with for a cursor it did not make. */
export const INVALID_KEY_CURSOR = 'INVALID_KEY_CURSOR';

/** The error a KeyStore's `list` rejects with for a cursor it did not make: the admin API answers it with a 400. */
export function invalidKeyCursor(): Error & { code: string } {
  return Object.assign(new TypeError('not a key list cursor this store made'), { code: INVALID_KEY_CURSOR });
}

/** Whether `error` is {@link invalidKeyCursor}'s, also after crossing a thread (compared by code). */
export function isInvalidKeyCursor(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === INVALID_KEY_CURSOR;
}
