import { CliError } from '../cli-error.js';

/**
 * With more than one worker each is its own process: a SQLite database in memory would be each
 * worker's own, and budgets and keys would not be shared. Refused by `start` and by `validate`
 * (a file with `server.workers: 2` was "valid", then start refused it).
 */
export function checkStorageSharedByWorkers(storage: unknown, workers: number): void {
  if (workers <= 1) return;
  const { use, path } = (storage ?? {}) as { use?: unknown; path?: unknown };
  if (use === 'sqlite' && path === ':memory:') {
    throw new CliError(`storage path ':memory:' is each process's own database: with ${workers} workers budgets and keys would not be shared; use a file`);
  }
}
