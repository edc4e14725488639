import { availableParallelism } from 'node:os';
import { CliError } from '../cli-error.js';

/** The most workers `--workers` takes: far more than any box has cores, small enough to stay a typo's guard. */
export const MAX_WORKERS = 256;

/**
 * `--workers N|auto` (or `server.workers`) as a count: `auto` is one per core the
 * process may use. Anything but a whole number from 1 to {@link MAX_WORKERS} is refused.
 */
export function resolveWorkerCount(value: string | number | undefined, cores: () => number = availableParallelism): number {
  if (value === undefined) return 1;
  if (value === 'auto') return Math.max(1, Math.min(cores(), MAX_WORKERS));
  const count = typeof value === 'number' ? value : /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new CliError(`--workers must be 'auto' or a whole number from 1 to ${MAX_WORKERS}, got '${String(value).slice(0, 40)}'`, 2);
  }
  return count;
}
