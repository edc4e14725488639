import { LRUCache } from 'lru-cache';
import { loginThrottleBucket } from './login-throttle-bucket.js';

/**
 * Failed logins per client address in a sliding minute: past the limit, logins from
 * that address are refused before any key is looked at. An IPv6 address counts by
 * its /64 (see `loginThrottleBucket`). Bounded (10,000 buckets), so an attacker
 * rotating addresses evicts entries but cannot grow memory.
 */
export class LoginThrottle {
  // Built by the first failure: lru-cache preallocates its arrays (~220 KB at 10,000).
  private failures: LRUCache<string, number[]> | undefined;

  constructor(
    private readonly maxFailures = 10,
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
   * Runs one key lookup of this address, counted against its limit while it runs; a
   * rejection `refused` calls a wrong key is recorded as a failure as the try ends.
   */
  async checking<T>(address: string, lookup: () => Promise<T>, refused: (error: unknown) => boolean): Promise<T> {
    const bucket = loginThrottleBucket(address);
    this.pending.set(bucket, (this.pending.get(bucket) ?? 0) + 1);
    try {
      return await lookup();
    } catch (error) {
      if (refused(error)) this.recordFailure(address);
      throw error;
    } finally {
      const left = this.pending.get(bucket)! - 1;
      if (left === 0) this.pending.delete(bucket);
      else this.pending.set(bucket, left);
    }
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
