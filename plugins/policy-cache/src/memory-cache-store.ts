import { LRUCache } from 'lru-cache';
import { isCacheEntry, type CacheEntry } from './cache-entry.js';
import type { CacheStore } from './cache-store.js';

export interface MemoryCacheStoreOptions {
  /** Most entries kept. */
  maxEntries: number;
  /** Most bytes kept, counted as the UTF-8 length of each serialized entry. */
  maxBytes: number;
}

/**
 * The in-process store: an LRU bounded by entries and by bytes. Entries are kept
 * serialized, which makes the byte bound exact and means a hit hands out a fresh
 * copy that no later step can change inside the cache.
 */
export class MemoryCacheStore implements CacheStore {
  readonly backend = 'memory';
  private readonly cache: LRUCache<string, string>;

  constructor(options: MemoryCacheStoreOptions) {
    this.cache = new LRUCache<string, string>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // An entry larger than the whole cache is not stored (lru-cache's default maxEntrySize is maxSize).
      sizeCalculation: (value) => Buffer.byteLength(value),
    });
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const text = this.cache.get(key);
    if (text === undefined) return undefined;
    const entry: unknown = JSON.parse(text);
    return isCacheEntry(entry) ? entry : undefined;
  }

  async set(key: string, entry: CacheEntry, ttlSeconds: number): Promise<void> {
    this.cache.set(key, JSON.stringify(entry), { ttl: ttlSeconds * 1000 });
  }

  /** Entries held now (expired ones count until they are next touched). */
  get size(): number {
    return this.cache.size;
  }

  /** Bytes held now, as the byte bound counts them. */
  get calculatedSize(): number {
    return this.cache.calculatedSize;
  }

  health() {
    return { reachable: true, entries: this.cache.size, bytes: this.cache.calculatedSize };
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}
