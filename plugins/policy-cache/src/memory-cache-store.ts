import { LRUCache } from 'lru-cache';
import { readCacheEntry, type CacheEntry } from './cache-entry.js';
import type { CacheStore } from './cache-store.js';
import type { EntryShape } from './entry-shape.js';
import { defaultParsedEntriesBounds, ParsedEntries, type ParsedEntriesBounds } from './parsed-entries.js';

export interface MemoryCacheStoreOptions {
  /** Most entries kept. */
  maxEntries: number;
  /** Most bytes kept, counted as the UTF-8 length of each serialized entry. */
  maxBytes: number;
  /** The hot entries also kept parsed (see `ParsedEntries`); default {@link defaultParsedEntriesBounds}. */
  parsed?: ParsedEntriesBounds;
  /** A monotonic clock in ms for the entries' lifetimes (tests); `performance.now()` by default. */
  clock?: () => number;
}

/**
 * The in-process store: an LRU bounded by entries and by bytes. Entries are kept
 * serialized, which makes the byte bound exact and means a hit hands out a fresh
 * copy that no later step can change inside the cache. The entries hit most recently
 * are kept parsed as well, beside their text: a repeated hit copies the parsed entry
 * instead of parsing the text again, still a fresh copy. A parsed entry is used only
 * while the LRU holds the very text it came from, so it follows every expiry,
 * eviction and overwrite of the LRU.
 */
export class MemoryCacheStore implements CacheStore {
  readonly backend = 'memory';
  private readonly cache: LRUCache<string, string>;
  private readonly parsed: ParsedEntries<string>;

  constructor(options: MemoryCacheStoreOptions) {
    this.cache = new LRUCache<string, string>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      // An entry larger than the whole cache is not stored (lru-cache's default maxEntrySize is maxSize).
      sizeCalculation: (value) => Buffer.byteLength(value),
      // With a given clock, no debouncing of now(): a test's time moves only when it says so.
      ...(options.clock && { perf: { now: options.clock }, ttlResolution: 0 }),
    });
    // The kept string itself is compared: the same string unless the entry was written again.
    this.parsed = new ParsedEntries({ ...(options.parsed ?? defaultParsedEntriesBounds), sameSource: (kept, read) => kept === read });
  }

  async get(key: string, shape?: EntryShape): Promise<CacheEntry | undefined> {
    return this.getNow(key, shape);
  }

  getNow(key: string, shape?: EntryShape): CacheEntry | undefined {
    const text = this.cache.get(key);
    if (text === undefined) return undefined;
    const kept = this.parsed.copyOf(key, text, shape);
    if (kept) return kept;
    const entry: unknown = JSON.parse(text);
    // A string's length is its UTF-8 byte length or less: close enough for the parsed bound.
    const read = readCacheEntry(entry);
    return read ? this.parsed.keep(key, text, read, text.length, shape) : undefined;
  }

  async set(key: string, entry: CacheEntry, ttlSeconds: number): Promise<void> {
    this.setNow(key, entry, ttlSeconds);
  }

  setNow(key: string, entry: CacheEntry, ttlSeconds: number): void {
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
    this.parsed.clear();
  }
}
