import { describeStoreError } from './store-health.js';

/**
 * The storage could not be opened or migrated at start for a reason other than an outage: the
 * database refused the login, or the database or a permission is missing. Said in one line by
 * `switchyard start` (it was a stack trace); the database's own words, secrets redacted.
 */
export class StorageStartError extends Error {
  override readonly name = 'StorageStartError';
  readonly code = 'storage_refused';

  constructor(override readonly cause: unknown) {
    super(`the storage refused: ${describeStoreError(cause)}`);
  }
}

/** Runs the storage's start (open, migrations); a failure that is not an outage becomes a {@link StorageStartError}. */
export async function startingStorage<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    // An outage (503 store_unavailable) has its own line; a bug in a plugin is not the database's answer.
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'store_unavailable' || !isDatabaseAnswer(error)) throw error;
    throw new StorageStartError(error);
  }
}

/**
 * An error the database sent or its driver raised about it, not a TypeError or RangeError from
 * code: it carries a string code (SQLSTATE `28000`, `SQLITE_CANTOPEN`, `EACCES`).
 */
function isDatabaseAnswer(error: unknown): boolean {
  if (!(error instanceof Error) || error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError) return false;
  return typeof (error as { code?: unknown }).code === 'string';
}
