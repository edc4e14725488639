import { LRUCache } from 'lru-cache';
import type { CacheEntry } from './cache-entry.js';
import { copyJson } from './copy-json.js';

export interface ParsedEntriesBounds {
  /** Most entries kept. */
  maxEntries: number;
  /** Most bytes kept, counted as each entry's serialized (JSON) length; a larger entry is not kept. */
  maxBytes: number;
}

/**
 * A few hot entries: the gain is on entries hit again and again, and a parsed entry
 * takes a few times its JSON length in heap, so the bound stays far below a store's.
 */
export const defaultParsedEntriesBounds: ParsedEntriesBounds = { maxEntries: 64, maxBytes: 1024 * 1024 };

export interface ParsedEntriesOptions<Source> extends ParsedEntriesBounds {
  /** Whether a value read from the store now is the one an entry was parsed from. */
  sameSource: (kept: Source, read: Source) => boolean;
}

interface ParsedEntry<Source> {
  source: Source;
  entry: CacheEntry;
}

/**
 * The decoded form of the entries hit most recently, beside a store that keeps them
 * serialized, so a repeated hit copies objects instead of parsing text again. It
 * never answers on its own: the store is read first, and a kept entry is used only
 * when the value just read is the one it was parsed from. An entry the store has
 * expired, dropped or overwritten is therefore never served from here. Every hit
 * gets its own copy, so a caller changing its answer cannot change the kept one.
 */
export class ParsedEntries<Source> {
  private readonly entries: LRUCache<string, ParsedEntry<Source>>;
  private readonly sameSource: (kept: Source, read: Source) => boolean;

  constructor(options: ParsedEntriesOptions<Source>) {
    this.sameSource = options.sameSource;
    // Sizes are given at `set`; an entry larger than the whole bound is not kept.
    this.entries = new LRUCache<string, ParsedEntry<Source>>({ max: options.maxEntries, maxSize: options.maxBytes });
  }

  /** A copy of the entry parsed from `source` under `key`, or undefined when none is kept. */
  copyOf(key: string, source: Source): CacheEntry | undefined {
    const kept = this.entries.get(key);
    if (!kept) return undefined;
    if (!this.sameSource(kept.source, source)) {
      this.entries.delete(key);
      return undefined;
    }
    return copyJson(kept.entry);
  }

  /**
   * Keeps `entry`, freshly parsed from `source` (`bytes` long as JSON), and returns a
   * copy to hand out; `entry` itself must not have been handed to anyone.
   */
  keep(key: string, source: Source, entry: CacheEntry, bytes: number): CacheEntry {
    if (bytes > this.entries.maxSize) return entry;
    this.entries.set(key, { source, entry }, { size: Math.max(1, bytes) });
    return copyJson(entry);
  }

  /** Entries kept now. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
