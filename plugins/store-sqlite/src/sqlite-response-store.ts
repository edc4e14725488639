import type { ResponseStore, StoredResponse } from '@switchyard/core';
// Not the main entry: this store also runs in the SQLite worker thread, which should not load all of core.
import { DEFAULT_MAX_STORED_RESPONSE_BYTES, serializeStoredPayload } from '@switchyard/core/store-helpers';
import type Database from 'better-sqlite3';
import type { SqliteHandle } from './database.js';

interface ResponseRow {
  id: string;
  owner_key_id: string;
  created_at_ms: number;
  expires_at_ms: number;
  payload: string;
}

interface Payload {
  response: unknown;
  inputItems: unknown[];
  conversationItems: unknown[];
}

function prepareStatements(db: Database.Database) {
  return {
    // An id is the gateway's own; replacing is only ever done by the same owner, but the
    // WHERE keeps another key from overwriting a row it could not read.
    upsert: db.prepare(
      `INSERT INTO responses (id, owner_key_id, created_at_ms, expires_at_ms, payload) VALUES (@id, @owner, @created, @expires, @payload)
       ON CONFLICT (id) DO UPDATE SET created_at_ms = excluded.created_at_ms, expires_at_ms = excluded.expires_at_ms, payload = excluded.payload
       WHERE responses.owner_key_id = excluded.owner_key_id`,
    ),
    get: db.prepare('SELECT * FROM responses WHERE id = ? AND owner_key_id = ? AND expires_at_ms > ?'),
    delete: db.prepare('DELETE FROM responses WHERE id = ? AND owner_key_id = ?'),
    deleteExpired: db.prepare('DELETE FROM responses WHERE rowid IN (SELECT rowid FROM responses WHERE expires_at_ms <= ? LIMIT ?)'),
  };
}

/** Options of the SQLite response store. */
export interface SqliteResponseStoreOptions {
  /** Largest payload (JSON bytes) kept; default `DEFAULT_MAX_STORED_RESPONSE_BYTES` (4 MiB). */
  maxPayloadBytes?: number;
}

/**
 * Stored Responses API responses in the gateway's SQLite file, one row each, every
 * query scoped to its owner key. An expired row is invisible to `get` before a sweep
 * deletes it. A payload over the bound throws `StoredResponseTooLarge` and is not written.
 */
export class SqliteResponseStore implements ResponseStore {
  private readonly statements: () => ReturnType<typeof prepareStatements>;
  private readonly maxPayloadBytes: number;

  constructor(
    private readonly handle: SqliteHandle,
    options: SqliteResponseStoreOptions = {},
  ) {
    this.statements = handle.prepare(prepareStatements);
    this.maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_STORED_RESPONSE_BYTES;
  }

  async migrate(): Promise<void> {
    this.handle.migrate();
  }

  async put(response: StoredResponse): Promise<void> {
    const payload = serializeStoredPayload(response, this.maxPayloadBytes);
    this.statements().upsert.run({
      id: response.id,
      owner: response.ownerKeyId,
      created: checkedTime(response.createdAt),
      expires: checkedTime(response.expiresAt),
      payload,
    });
  }

  async get(ownerKeyId: string, id: string): Promise<StoredResponse | undefined> {
    const row = this.statements().get.get(id, ownerKeyId, Date.now()) as ResponseRow | undefined;
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as Payload;
    return {
      id: row.id,
      ownerKeyId: row.owner_key_id,
      response: payload.response,
      inputItems: payload.inputItems,
      conversationItems: payload.conversationItems,
      createdAt: new Date(row.created_at_ms),
      expiresAt: new Date(row.expires_at_ms),
    };
  }

  async delete(ownerKeyId: string, id: string): Promise<boolean> {
    return this.statements().delete.run(id, ownerKeyId).changes > 0;
  }

  async deleteExpired(now: Date = new Date()): Promise<number> {
    const nowMs = checkedTime(now);
    let deleted = 0;
    // Batches keep each write lock short; one process's sweep never stalls the others' writes for long.
    for (let batch = this.sweepBatch(nowMs); batch > 0; batch = this.sweepBatch(nowMs)) deleted += batch;
    return deleted;
  }

  async close(): Promise<void> {
    this.handle.close();
  }

  private sweepBatch(nowMs: number): number {
    return this.statements().deleteExpired.run(nowMs, 1000).changes;
  }
}

function checkedTime(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('not a time');
  return ms;
}
