import type { ResponseStore, StoredResponse } from './response-store.js';
import { StoredResponseTooLarge } from './stored-response-too-large.js';

/** The most bytes of responses (their JSON, as the database stores would write it) kept in memory by default. */
export const DEFAULT_MAX_MEMORY_RESPONSE_BYTES = 32 * 1024 * 1024;

/** Options of the in-process response store. */
export interface MemoryResponseStoreOptions {
  /** The most responses kept; past it the least recently used is dropped first (default 10,000). */
  maxResponses?: number;
  /**
   * The most bytes kept, counted as the UTF-8 JSON of each response's payload (response,
   * input and conversation items); past it the least recently used are dropped first
   * (default 32 MiB). A response larger than this on its own is not stored.
   */
  maxBytes?: number;
}

interface Entry {
  stored: StoredResponse;
  bytes: number;
}

/**
 * Stored responses in this process's memory: the default when the storage plugin
 * keeps none, so `previous_response_id` works on one instance. Bounded in count and
 * in bytes (the least recently used goes first) because every entry holds a whole
 * conversation: a count bound alone let 10,000 entries near the body limit grow
 * the heap by gigabytes.
 */
export class MemoryResponseStore implements ResponseStore {
  // Map order is use order: put and get move an id to the end, so the first is the least recently used.
  readonly #responses = new Map<string, Entry>();
  readonly #maxResponses: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(options: MemoryResponseStoreOptions = {}) {
    this.#maxResponses = options.maxResponses ?? 10_000;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_MEMORY_RESPONSE_BYTES;
  }

  /** The bytes the kept responses take, as counted against `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many responses are kept (expired ones not yet swept included). */
  get size(): number {
    return this.#responses.size;
  }

  async migrate(): Promise<void> {}

  async put(response: StoredResponse): Promise<void> {
    const bytes = payloadBytes(response);
    // Too large on its own: refused as the database stores refuse one (answered, not stored).
    if (bytes > this.#maxBytes) throw new StoredResponseTooLarge(response.id, bytes, this.#maxBytes);
    this.#remove(response.id);
    this.#responses.set(response.id, { stored: response, bytes });
    this.#bytes += bytes;
    while (this.#responses.size > this.#maxResponses || this.#bytes > this.#maxBytes) {
      this.#remove(this.#responses.keys().next().value as string);
    }
  }

  async get(ownerKeyId: string, id: string): Promise<StoredResponse | undefined> {
    const entry = this.#responses.get(id);
    if (!entry || entry.stored.ownerKeyId !== ownerKeyId) return undefined;
    if (entry.stored.expiresAt.getTime() <= Date.now()) {
      this.#remove(id);
      return undefined;
    }
    // Used: to the end, last to be dropped.
    this.#responses.delete(id);
    this.#responses.set(id, entry);
    return entry.stored;
  }

  async delete(ownerKeyId: string, id: string): Promise<boolean> {
    const entry = this.#responses.get(id);
    if (!entry || entry.stored.ownerKeyId !== ownerKeyId) return false;
    return this.#remove(id);
  }

  async deleteExpired(now: Date = new Date()): Promise<number> {
    let deleted = 0;
    for (const [id, entry] of this.#responses) {
      if (entry.stored.expiresAt.getTime() <= now.getTime()) {
        this.#remove(id);
        deleted++;
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.#responses.clear();
    this.#bytes = 0;
  }

  #remove(id: string): boolean {
    const entry = this.#responses.get(id);
    if (!entry) return false;
    this.#responses.delete(id);
    this.#bytes -= entry.bytes;
    return true;
  }
}

/** A response's size as the database stores measure it: the UTF-8 JSON of its payload. */
function payloadBytes(response: StoredResponse): number {
  const json = JSON.stringify({ response: response.response, inputItems: response.inputItems, conversationItems: response.conversationItems });
  return Buffer.byteLength(json, 'utf8');
}
