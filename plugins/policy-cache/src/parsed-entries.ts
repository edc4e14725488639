import { LRUCache } from 'lru-cache';
import type { CacheEntry } from './cache-entry.js';
import { copyEntry } from './copy-entry.js';
import { entryShapedAs, type EntryShape } from './entry-shape.js';

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
  readonly source: Source;
  readonly entry: CacheEntry;
  /** The JSON length counted for this entry, its shaped forms included. */
  readonly bytes: number;
  /** The entry converted for a request that serves it in the other shape, made on the first such hit. */
  readonly shaped?: Partial<Record<EntryShape, CacheEntry>>;
}

/**
 * The decoded form of the entries hit most recently, beside a store that keeps them
 * serialized, so a repeated hit copies objects instead of parsing text again. It
 * never answers on its own: the store is read first, and a kept entry is used only
 * when the value just read is the one it was parsed from. An entry the store has
 * expired, dropped or overwritten is therefore never served from here. Every hit
 * gets its own copy, so a caller changing its answer cannot change the kept one.
 *
 * A hit may ask for the entry in a shape (a whole response cut into stream parts,
 * stream parts joined into a response): the converted entry is kept beside the parsed
 * one, under the same rule and counted in the same bytes, so a repeated hit copies it
 * instead of converting again.
 */
export class ParsedEntries<Source> {
  private readonly entries: LRUCache<string, ParsedEntry<Source>>;
  private readonly sameSource: (kept: Source, read: Source) => boolean;

  constructor(options: ParsedEntriesOptions<Source>) {
    this.sameSource = options.sameSource;
    // Sizes are given at `set`; an entry larger than the whole bound is not kept.
    this.entries = new LRUCache<string, ParsedEntry<Source>>({ max: options.maxEntries, maxSize: options.maxBytes });
  }

  /**
   * A copy of the entry parsed from `source` under `key` (its chat answer in `shape`
   * when given), or undefined when none is kept.
   */
  copyOf(key: string, source: Source, shape?: EntryShape): CacheEntry | undefined {
    const kept = this.entries.get(key);
    if (!kept) return undefined;
    if (!this.sameSource(kept.source, source)) {
      this.entries.delete(key);
      return undefined;
    }
    return copyEntry(shape ? this.shapedEntry(key, kept, shape) : kept.entry);
  }

  /**
   * Keeps `entry`, freshly parsed from `source` (`bytes` long as JSON), and returns a
   * copy to hand out; `entry` itself must not have been handed to anyone.
   */
  keep(key: string, source: Source, entry: CacheEntry, bytes: number, shape?: EntryShape): CacheEntry {
    if (bytes > this.entries.maxSize) return shape ? entryShapedAs(entry, shape) : entry;
    const kept: ParsedEntry<Source> = { source, entry, bytes: Math.max(1, bytes) };
    this.entries.set(key, kept, { size: kept.bytes });
    return copyEntry(shape ? this.shapedEntry(key, kept, shape) : entry);
  }

  /** The kept entry in `shape`, converted once and then kept with it while the bound allows. */
  private shapedEntry(key: string, kept: ParsedEntry<Source>, shape: EntryShape): CacheEntry {
    const known = kept.shaped?.[shape];
    if (known) return known;
    const shaped = entryShapedAs(kept.entry, shape);
    if (shaped === kept.entry) return shaped;
    // Counted like the entry itself, as JSON; measured once, on the first hit in this shape.
    const bytes = kept.bytes + JSON.stringify(shaped.result).length;
    // Setting a size above the bound would drop the parsed entry too: convert on each hit instead.
    if (bytes > this.entries.maxSize) return shaped;
    // A new record: lru-cache keeps the old size when the same value is set again.
    this.entries.set(key, { ...kept, shaped: { ...kept.shaped, [shape]: shaped }, bytes }, { size: bytes });
    return shaped;
  }

  /** Entries kept now. */
  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
