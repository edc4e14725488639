import { LRUCache } from 'lru-cache';

/** A bucket's tokens as they were at `at` (ms). */
interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per name: `capacity` takes at once, then one more every
 * `periodMs / capacity`. Bounded (10,000 names, the least recently used dropped and
 * starting full again), so names made up by the thousand cannot grow memory.
 */
export class TokenBuckets {
  // Built by the first take: lru-cache preallocates its arrays (~220 KB at 10,000).
  private buckets: LRUCache<string, Bucket> | undefined;
  private readonly msPerToken: number;

  constructor(
    private readonly capacity: number,
    periodMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.msPerToken = periodMs / capacity;
  }

  /** Takes one of `name`'s tokens: 0 when it had one, else the milliseconds until it has. */
  take(name: string): number {
    const now = this.now();
    this.buckets ??= new LRUCache<string, Bucket>({ max: 10_000 });
    const bucket = this.buckets.get(name) ?? { tokens: this.capacity, at: now };
    // A clock set back refills nothing, and the bucket keeps its later time.
    const tokens = Math.min(this.capacity, bucket.tokens + Math.max(0, now - bucket.at) / this.msPerToken);
    const at = Math.max(bucket.at, now);
    if (tokens < 1) {
      this.buckets.set(name, { tokens, at });
      return (1 - tokens) * this.msPerToken;
    }
    this.buckets.set(name, { tokens: tokens - 1, at });
    return 0;
  }
}
