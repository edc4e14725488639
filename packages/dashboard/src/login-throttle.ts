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

  /** Whether this address may try now. */
  allows(address: string): boolean {
    return this.recent(loginThrottleBucket(address)).length < this.maxFailures;
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
