import type { Pool } from 'pg';
import { DEFAULT_MAX_STORED_RESPONSE_BYTES, serializeStoredPayload, type ResponseStore, type StoredResponse } from '@switchyard/core';
import { inTransaction, toNumber, tryChoreLock, type Tables } from './sql.js';

interface ResponseRow {
  id: string;
  owner_key_id: string;
  created_at: Date;
  expires_at: Date;
  payload: string;
}

/** Rows deleted per sweep transaction: each keeps its locks short. */
const sweepBatchSize = 1000;

/**
 * Stored Responses API responses in PostgreSQL, shared by every instance on the
 * database, so a conversation started on one continues on another. Every query is
 * scoped to the owner key and bounded by the pool's query and statement timeouts
 * (an outage is a 503 `store_unavailable` at the stores' boundary). An expired row is
 * invisible to `get` before the sweep deletes it; the sweep runs on one instance at a
 * time (an advisory lock tried, not waited for: the others get 0 at once).
 */
export class PostgresResponseStore implements ResponseStore {
  constructor(
    private readonly pool: Pool,
    private readonly t: Tables,
    private readonly migrateOnce: () => Promise<void>,
    private readonly closePool: () => Promise<void>,
    private readonly maxPayloadBytes: number = DEFAULT_MAX_STORED_RESPONSE_BYTES,
  ) {}

  migrate(): Promise<void> {
    return this.migrateOnce();
  }

  /** Throws `StoredResponseTooLarge` (nothing written) when the payload is over the bound. */
  async put(response: StoredResponse): Promise<void> {
    const payload = serializeStoredPayload(response, this.maxPayloadBytes);
    // Only the owner replaces its own id: another key's put of the same id changes nothing.
    await this.pool.query(
      `INSERT INTO ${this.t.responses} (id, owner_key_id, created_at, expires_at, payload) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at, payload = excluded.payload
       WHERE ${this.t.responses}.owner_key_id = excluded.owner_key_id`,
      [response.id, response.ownerKeyId, checkedTime(response.createdAt), checkedTime(response.expiresAt), payload],
    );
  }

  async get(ownerKeyId: string, id: string): Promise<StoredResponse | undefined> {
    const { rows } = await this.pool.query<ResponseRow>(
      `SELECT id, owner_key_id, created_at, expires_at, payload FROM ${this.t.responses}
       WHERE id = $1 AND owner_key_id = $2 AND expires_at > now()`,
      [id, ownerKeyId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const payload = JSON.parse(row.payload) as { response: unknown; inputItems: unknown[]; conversationItems: unknown[] };
    return {
      id: row.id,
      ownerKeyId: row.owner_key_id,
      response: payload.response,
      inputItems: payload.inputItems,
      conversationItems: payload.conversationItems,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  async delete(ownerKeyId: string, id: string): Promise<boolean> {
    const result = await this.pool.query(`DELETE FROM ${this.t.responses} WHERE id = $1 AND owner_key_id = $2`, [id, ownerKeyId]);
    return (result.rowCount ?? 0) > 0;
  }

  /** Deletes expired rows in batches; an instance that finds another sweeping returns 0 at once. */
  async deleteExpired(now: Date = new Date()): Promise<number> {
    const before = new Date(checkedTime(now));
    let deleted = 0;
    for (let batch = await this.sweepBatch(before); batch > 0; batch = await this.sweepBatch(before)) deleted += batch;
    return deleted;
  }

  close(): Promise<void> {
    return this.closePool();
  }

  private sweepBatch(before: Date): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      if (!(await tryChoreLock(client, 'response-sweep', this.t))) return 0;
      const { rows } = await client.query<{ deleted: string }>(
        `WITH gone AS (
           DELETE FROM ${this.t.responses} WHERE id IN (
             SELECT id FROM ${this.t.responses} WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
           ) RETURNING 1
         ) SELECT count(*) AS deleted FROM gone`,
        [before, sweepBatchSize],
      );
      return toNumber(rows[0]?.deleted);
    });
  }
}

function checkedTime(date: Date): Date {
  if (!Number.isFinite(date.getTime())) throw new TypeError('not a time');
  return date;
}
