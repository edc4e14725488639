import { gcraAdjust, gcraDecide, gcraRescaledTat, type GcraDecision, type GcraLimit } from './gcra.js';
import type { RateLimitStore } from './rate-limit-store.js';

export interface MemoryRateLimitStoreOptions {
  /** Most limits kept at once (default 100,000); see `evict`. */
  maxEntries?: number;
  /** The clock when a call passes no `now` (default Date.now). */
  clock?: () => number;
}

/** A limit's TAT and the interval it was written with (a key's rpm can change: gcraRescaledTat). */
interface StoredTat {
  tat: number;
  intervalMs: number;
}

/**
 * TATs in a Map, for one gateway process. An entry whose TAT has passed is the same
 * as no entry (the limit is at full capacity), so entries expire lazily when read,
 * and the whole map is swept only when it outgrows `maxEntries`.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly backend = 'memory';
  private readonly tats = new Map<string, StoredTat>();
  private readonly maxEntries: number;
  private readonly clock: () => number;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Limits currently kept (expired ones included until they are read or swept). */
  get size(): number {
    return this.tats.size;
  }

  consume(limits: readonly GcraLimit[], now = this.clock()): Promise<GcraDecision> {
    return Promise.resolve(this.consumeNow(limits, now));
  }

  consumeNow(limits: readonly GcraLimit[], now = this.clock()): GcraDecision {
    const stored: Array<number | undefined> = [];
    for (const limit of limits) stored.push(this.read(limit, now));
    const decision = gcraDecide(limits, stored, now);
    if (decision.allowed) {
      for (let index = 0; index < limits.length; index++) this.write(limits[index]!, decision.states[index]!.tat, now);
    }
    return decision;
  }

  adjust(limits: readonly GcraLimit[], now = this.clock()): Promise<void> {
    this.adjustNow(limits, now);
    return Promise.resolve();
  }

  adjustNow(limits: readonly GcraLimit[], now = this.clock()): void {
    for (const limit of limits) {
      const tat = gcraAdjust(limit, this.read(limit, now), now);
      if (tat === undefined) this.tats.delete(limit.key);
      else this.write(limit, tat, now);
    }
  }

  reachable(): boolean {
    return true;
  }

  close(): Promise<void> {
    this.tats.clear();
    return Promise.resolve();
  }

  /** The limit's TAT, read under its current interval; undefined when it is full. */
  private read(limit: GcraLimit, now: number): number | undefined {
    const stored = this.tats.get(limit.key);
    if (stored === undefined) return undefined;
    if (stored.tat <= now) {
      this.tats.delete(limit.key);
      return undefined;
    }
    return gcraRescaledTat(limit, stored.tat, stored.intervalMs, now);
  }

  private write(limit: GcraLimit, tat: number, now: number): void {
    const key = limit.key;
    const stored = this.tats.get(key);
    if (tat <= now) {
      if (stored) this.tats.delete(key);
      return;
    }
    // Re-inserting keeps the Map in order of last write, oldest first, for eviction; the
    // entry object is reused, so a write allocates only for a limit not yet kept.
    if (stored) {
      this.tats.delete(key);
      stored.tat = tat;
      stored.intervalMs = limit.intervalMs;
    }
    this.tats.set(key, stored ?? { tat, intervalMs: limit.intervalMs });
    if (this.tats.size > this.maxEntries) this.evict(now);
  }

  /**
   * Drops expired entries; if the map is still over its bound, the least recently
   * written tenth goes too. Those limits start over at full capacity: under memory
   * pressure the store errs on the side of letting calls through.
   */
  private evict(now: number): void {
    for (const [key, stored] of this.tats) if (stored.tat <= now) this.tats.delete(key);
    if (this.tats.size <= this.maxEntries) return;
    let excess = this.tats.size - Math.floor(this.maxEntries * 0.9);
    for (const key of this.tats.keys()) {
      if (excess-- <= 0) break;
      this.tats.delete(key);
    }
  }
}
