import type { CacheEntry } from './cache-entry.js';

/**
 * Where cache entries live. Methods may reject (a server is down); the cache step
 * turns every failure into a miss or a skipped write, so a broken cache never
 * fails a request.
 */
export interface CacheStore {
  /** `memory`, `redis`, …: shown on `/health`. */
  readonly backend: string;
  /** The entry under `key`, or undefined when there is none (or it expired). */
  get(key: string): Promise<CacheEntry | undefined>;
  /** Stores `entry` under `key` for `ttlSeconds`. */
  set(key: string, entry: CacheEntry, ttlSeconds: number): Promise<void>;
  /** What `/health` shows: reachability and whatever else the backend can tell cheaply. */
  health(): { reachable: boolean; [detail: string]: unknown };
  /** Releases connections; the store is not used afterwards. */
  close(): Promise<void>;
}
