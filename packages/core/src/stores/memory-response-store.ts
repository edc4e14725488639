import type { ResponseStore, StoredResponse } from './response-store.js';

/** Options of the in-process response store. */
export interface MemoryResponseStoreOptions {
  /** The most responses kept; past it the oldest is dropped first (default 10,000). */
  maxResponses?: number;
}

/**
 * Stored responses in this process's memory: the default when the storage plugin
 * keeps none, so `previous_response_id` works on one instance. Bounded in count (the
 * oldest goes first) because every entry holds a whole conversation.
 */
export class MemoryResponseStore implements ResponseStore {
  readonly #responses = new Map<string, StoredResponse>();
  readonly #maxResponses: number;

  constructor(options: MemoryResponseStoreOptions = {}) {
    this.#maxResponses = options.maxResponses ?? 10_000;
  }

  async migrate(): Promise<void> {}

  async put(response: StoredResponse): Promise<void> {
    // Re-inserting moves an id to the end, so the Map's order stays oldest first.
    this.#responses.delete(response.id);
    this.#responses.set(response.id, response);
    while (this.#responses.size > this.#maxResponses) {
      const oldest = this.#responses.keys().next().value as string;
      this.#responses.delete(oldest);
    }
  }

  async get(ownerKeyId: string, id: string): Promise<StoredResponse | undefined> {
    const stored = this.#responses.get(id);
    if (!stored || stored.ownerKeyId !== ownerKeyId) return undefined;
    if (stored.expiresAt.getTime() <= Date.now()) {
      this.#responses.delete(id);
      return undefined;
    }
    return stored;
  }

  async delete(ownerKeyId: string, id: string): Promise<boolean> {
    const stored = this.#responses.get(id);
    if (!stored || stored.ownerKeyId !== ownerKeyId) return false;
    return this.#responses.delete(id);
  }

  async deleteExpired(now: Date = new Date()): Promise<number> {
    let deleted = 0;
    for (const [id, stored] of this.#responses) {
      if (stored.expiresAt.getTime() <= now.getTime()) {
        this.#responses.delete(id);
        deleted++;
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    this.#responses.clear();
  }
}
