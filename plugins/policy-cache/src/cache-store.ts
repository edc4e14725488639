import type { CacheEntry } from './cache-entry.js';
import type { EntryShape } from './entry-shape.js';

/**
 * Where cache entries live. Methods may reject (a server is down); the cache step
 * turns every failure into a miss or a skipped write, so a broken cache never
 * fails a request.
 */
export interface CacheStore {
  /** `memory`, `redis`, …: shown on `/health`. */
  readonly backend: string;
  /**
   * The entry under `key`, or undefined when there is none (or it expired). `shape`
   * says how the caller serves a chat answer: a store may return it converted (and
   * keep the conversion for the next hit) or as stored; the caller converts what is not.
   */
  get(key: string, shape?: EntryShape): Promise<CacheEntry | undefined>;
  /** Stores `entry` under `key` for `ttlSeconds`. */
  set(key: string, entry: CacheEntry, ttlSeconds: number): Promise<void>;
  /** `get`, answered at once, for a store that needs no I/O (memory): no promise per request. */
  getNow?(key: string, shape?: EntryShape): CacheEntry | undefined;
  /** `set`, done at once, for a store that needs no I/O (memory). */
  setNow?(key: string, entry: CacheEntry, ttlSeconds: number): void;
  /** What `/health` shows: reachability and whatever else the backend can tell cheaply. */
  health(): { reachable: boolean; [detail: string]: unknown };
  /** Releases connections; the store is not used afterwards. */
  close(): Promise<void>;
}
