import { LRUCache } from 'lru-cache';
import { loginThrottleBucket } from './login-throttle-bucket.js';

/** Failed logins allowed per client address in a minute, unless the dashboard is told otherwise. */
export const defaultMaxLoginFailures = 10;

/** One login try, counted against its address's limit until it ends. */
export interface LoginTry {
  /** Ends the try; `failed` (a wrong key) counts it as one of the address's failures. */
  end(failed: boolean): void;
}

/**
 * Where the dashboard counts failed logins: this process's own `LoginThrottle`, or one the
 * workers of `switchyard start --workers N` share through their primary (each counting
 * alone gave a guesser N times the tries).
 */
export interface LoginLimiter {
  /** A try for this address, or undefined when it is over its limit. */
  begin(address: string): LoginTry | undefined | Promise<LoginTry | undefined>;
}

/**
 * Failed logins per client address in a sliding minute: past the limit, logins from
 * that address are refused before any key is looked at. An IPv6 address counts by
 * its /64 (see `loginThrottleBucket`). Bounded (10,000 buckets), so an attacker
 * rotating addresses evicts entries but cannot grow memory.
 */
export class LoginThrottle implements LoginLimiter {
  // Built by the first failure: lru-cache preallocates its arrays (~220 KB at 10,000).
  private failures: LRUCache<string, number[]> | undefined;

  constructor(
    private readonly maxFailures = defaultMaxLoginFailures,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Tries whose key is still being looked up, by bucket: each may yet fail, so it counts
   * against the limit until it ends. Else guesses sent at once all pass the check before
   * the first failure is recorded (the store's round trip). Held only while in flight.
   */
  private readonly pending = new Map<string, number>();

  /** Whether this address may try now. */
  allows(address: string): boolean {
    const bucket = loginThrottleBucket(address);
    return this.recent(bucket).length + (this.pending.get(bucket) ?? 0) < this.maxFailures;
  }

  /**
   * A try for this address if it may try now, counted against its limit while it runs
   * (checked and counted at once, so tries begun together cannot all pass the check).
   */
  begin(address: string): LoginTry | undefined {
    if (!this.allows(address)) return undefined;
    const bucket = loginThrottleBucket(address);
    this.pending.set(bucket, (this.pending.get(bucket) ?? 0) + 1);
    let ended = false;
    return {
      end: (failed) => {
        if (ended) return;
        ended = true;
        const left = this.pending.get(bucket)! - 1;
        if (left === 0) this.pending.delete(bucket);
        else this.pending.set(bucket, left);
        if (failed) this.recordFailure(address);
      },
    };
  }

  recordFailure(address: string): void {
    const bucket = loginThrottleBucket(address);
    const times = this.recent(bucket);
    times.push(this.now());
    this.failures ??= new LRUCache<string, number[]>({ max: 10_000 });
    this.failures.set(bucket, times);
  }

  private recent(bucket: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures?.get(bucket) ?? []).filter((at) => at > since);
  }
}
