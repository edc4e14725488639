import type { GcraDecision, GcraLimit } from './gcra.js';

/** Where the limits' TATs live: process memory, or Redis shared by every gateway instance. */
export interface RateLimitStore {
  readonly backend: 'memory' | 'redis';
  /**
   * Checks every limit and charges all of them, or none, atomically. `now` is for
   * tests; without it the store's own clock is used (Redis: the server's).
   */
  consume(limits: readonly GcraLimit[], now?: number): Promise<GcraDecision>;
  /**
   * `consume`, answered at once, for a store that needs no I/O (memory): a request
   * is then admitted without waiting for a promise.
   */
  consumeNow?(limits: readonly GcraLimit[], now?: number): GcraDecision;
  /** Adds each limit's `cost` (negative to give units back) without a check. */
  adjust(limits: readonly GcraLimit[], now?: number): Promise<void>;
  /** `adjust`, done at once, for a store that needs no I/O (memory): no promise per request. */
  adjustNow?(limits: readonly GcraLimit[], now?: number): void;
  /** Whether the store answered last time it was asked (memory: always). */
  reachable(): boolean;
  /** The code of the store's refusal (Redis: `OOM`, `READONLY` …) since it last did a command: it answers, but does nothing. */
  refusing?(): string | undefined;
  close(): Promise<void>;
}
