import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { AuditEntry, AuditListPage, KeyFieldChanges, KeyListFilter, KeyScope, KeySecret, KeyStore, VirtualKey, VirtualKeyFields } from '@switchyard/core';
import { decodeAuditCursor, encodeAuditCursor, invalidKeyCursor, keyRevoked, keyUpdateConflict, MAX_LIVE_SECRETS_PER_KEY } from '@switchyard/core/store-helpers';
import { inTransaction, toIso, type Tables } from './sql.js';

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `key_` and 20 random base62 characters (about 119 bits). */
export function newKeyId(): string {
  const bytes = randomBytes(20);
  let id = 'key_';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return id;
}

interface KeyRow {
  id: string;
  seq: string;
  name: string;
  team: string | null;
  project: string | null;
  user_name: string | null;
  tags: string[];
  scope: VirtualKey['scope'];
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
  revoked_at: Date | null;
  secrets: Array<{ hash: string; prefix: string; expires_at: string | null }>;
}

function toKey(row: KeyRow): VirtualKey {
  const key: VirtualKey = {
    id: row.id,
    name: row.name,
    tags: row.tags,
    scope: row.scope,
    disabled: row.disabled,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    secrets: row.secrets.map((secret) => {
      const out: KeySecret = { hash: secret.hash, prefix: secret.prefix };
      if (secret.expires_at !== null) out.expiresAt = toIso(secret.expires_at);
      return out;
    }),
  };
  if (row.team !== null) key.team = row.team;
  if (row.project !== null) key.project = row.project;
  if (row.user_name !== null) key.user = row.user_name;
  if (row.revoked_at !== null) key.revokedAt = toIso(row.revoked_at);
  return key;
}

function encodeCursor(seq: string): string {
  return Buffer.from(`k:${seq}`, 'utf8').toString('base64url');
}

/** The largest `seq` a bigint column holds. */
const maxBigint = 2n ** 63n - 1n;

function decodeCursor(cursor: string): string {
  // Strict: Node's base64url decoding skips what is not base64url, so `cursor + '!'` would read as `cursor`.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) throw invalidKeyCursor();
  const match = /^k:(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  // Nineteen digits reach past a bigint, which PostgreSQL refuses to compare with (a 500, not a 400).
  if (!match?.[1] || BigInt(match[1]) > maxBigint) throw invalidKeyCursor();
  return match[1];
}

type Queryable = Pool | PoolClient;

/** Keys, their secret digests and their audit trail, in three tables. */
export class PostgresKeyStore implements KeyStore {
  constructor(
    private readonly pool: Pool,
    private readonly t: Tables,
    private readonly migrateOnce: () => Promise<void>,
    private readonly closePool: () => Promise<void>,
    /** The NOTIFY channel every change is announced on (see `PostgresKeyChangeChannel`); none when undefined. */
    private readonly changeChannel?: string,
  ) {}

  /** Announces a change to every listening instance; part of the caller's transaction, so sent only on commit. */
  private async announce(client: PoolClient, id: string): Promise<void> {
    if (this.changeChannel) await client.query('SELECT pg_notify($1, $2)', [this.changeChannel, id]);
  }

  migrate(): Promise<void> {
    return this.migrateOnce();
  }

  /** Every key column plus its secrets (oldest first) as JSON. */
  private selectKeys(where: string): string {
    return `SELECT k.*, COALESCE((
        SELECT json_agg(json_build_object('hash', s.hash, 'prefix', s.prefix, 'expires_at', s.expires_at) ORDER BY s.seq)
        FROM ${this.t.keySecrets} s WHERE s.key_id = k.id
      ), '[]'::json) AS secrets
      FROM ${this.t.keys} k WHERE ${where}`;
  }

  private async load(db: Queryable, id: string): Promise<VirtualKey | undefined> {
    const { rows } = await db.query<KeyRow>(this.selectKeys('k.id = $1'), [id]);
    return rows[0] ? toKey(rows[0]) : undefined;
  }

  async create(fields: VirtualKeyFields, secret: KeySecret): Promise<VirtualKey> {
    const id = newKeyId();
    const now = new Date();
    return inTransaction(this.pool, async (client) => {
      await client.query(
        `INSERT INTO ${this.t.keys} (id, name, team, project, user_name, tags, scope, disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [
          id,
          fields.name,
          fields.team ?? null,
          fields.project ?? null,
          fields.user ?? null,
          fields.tags ?? [],
          JSON.stringify(fields.scope ?? {}),
          fields.disabled ?? false,
          now,
        ],
      );
      await this.insertSecret(client, id, secret);
      return (await this.load(client, id))!;
    });
  }

  private async insertSecret(client: PoolClient, keyId: string, secret: KeySecret): Promise<void> {
    await client.query(`INSERT INTO ${this.t.keySecrets} (hash, key_id, prefix, expires_at) VALUES ($1, $2, $3, $4)`, [
      secret.hash,
      keyId,
      secret.prefix,
      secret.expiresAt ?? null,
    ]);
  }

  async findBySecretHash(hash: string, now: Date): Promise<VirtualKey | undefined> {
    const { rows } = await this.pool.query<KeyRow>(
      this.selectKeys(
        `k.id = (SELECT key_id FROM ${this.t.keySecrets} WHERE hash = $1 AND (expires_at IS NULL OR expires_at > $2))`,
      ),
      [hash, now],
    );
    return rows[0] ? toKey(rows[0]) : undefined;
  }

  get(id: string): Promise<VirtualKey | undefined> {
    return this.load(this.pool, id);
  }

  async list(filter: KeyListFilter): Promise<{ keys: VirtualKey[]; nextCursor?: string }> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      conditions.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.team !== undefined) add('k.team = ?', filter.team);
    if (filter.project !== undefined) add('k.project = ?', filter.project);
    if (filter.tag !== undefined) add('? = ANY(k.tags)', filter.tag);
    if (!filter.includeRevoked) conditions.push('k.revoked_at IS NULL');
    if (filter.cursor !== undefined) add('k.seq > ?', decodeCursor(filter.cursor));
    const limit = Math.max(1, Math.floor(filter.limit));
    values.push(limit + 1);
    const where = conditions.length > 0 ? conditions.join(' AND ') : 'true';
    const { rows } = await this.pool.query<KeyRow>(`${this.selectKeys(where)} ORDER BY k.seq LIMIT $${values.length}`, values);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return rows.length > limit && last ? { keys: page.map(toKey), nextCursor: encodeCursor(last.seq) } : { keys: page.map(toKey) };
  }

  async update(id: string, fields: KeyFieldChanges, expected?: { scope: KeyScope }): Promise<VirtualKey | undefined> {
    // A field left undefined is left as it is.
    const columns: Array<[string, unknown]> = [];
    if (fields.name !== undefined) columns.push(['name', fields.name]);
    if (fields.team !== undefined) columns.push(['team', fields.team]);
    if (fields.project !== undefined) columns.push(['project', fields.project]);
    if (fields.user !== undefined) columns.push(['user_name', fields.user]);
    if (fields.tags !== undefined) columns.push(['tags', fields.tags]);
    if (fields.scope !== undefined) columns.push(['scope', JSON.stringify(fields.scope)]);
    if (fields.disabled !== undefined) columns.push(['disabled', fields.disabled]);
    const sets = columns.map(([column], index) => `${column} = $${index + 2}`);
    sets.push(`updated_at = $${columns.length + 2}`);
    const values = [id, ...columns.map(([, value]) => value), new Date()];
    // jsonb equality compares values, not text: the scope read is the scope stored, whatever its key order.
    const unchanged = expected ? ` AND scope = $${values.push(JSON.stringify(expected.scope))}::jsonb` : '';
    return inTransaction(this.pool, async (client) => {
      // A revoked key is not changed; the row's lock orders this after a revoke in flight.
      const result = await client.query(`UPDATE ${this.t.keys} SET ${sets.join(', ')} WHERE id = $1 AND revoked_at IS NULL${unchanged}`, values);
      if (result.rowCount === 0) {
        const found = await this.load(client, id);
        if (found?.revokedAt !== undefined) throw keyRevoked();
        if (expected && found) throw keyUpdateConflict();
        return undefined;
      }
      await this.announce(client, id);
      return this.load(client, id);
    });
  }

  async revoke(id: string, at: Date): Promise<VirtualKey | undefined> {
    return inTransaction(this.pool, async (client) => {
      // Revoking twice keeps the first time.
      const result = await client.query(
        `UPDATE ${this.t.keys} SET revoked_at = COALESCE(revoked_at, $2), updated_at = $3 WHERE id = $1`,
        [id, at, new Date()],
      );
      if (result.rowCount === 0) return undefined;
      await this.announce(client, id);
      return this.load(client, id);
    });
  }

  async rotate(id: string, secret: KeySecret, graceUntil: Date | undefined): Promise<VirtualKey | undefined> {
    return inTransaction(this.pool, async (client) => {
      // The row lock waits for a revoke in flight, and then reads what it wrote.
      const locked = await client.query<{ revoked: boolean }>(`SELECT revoked_at IS NOT NULL AS revoked FROM ${this.t.keys} WHERE id = $1 FOR UPDATE`, [id]);
      if (!locked.rows[0]) return undefined;
      if (locked.rows[0].revoked) throw keyRevoked();
      if (graceUntil === undefined) {
        // No grace: the old secrets stop working now, so they are not kept at all.
        await client.query(`DELETE FROM ${this.t.keySecrets} WHERE key_id = $1`, [id]);
      } else {
        // Secrets already expired work no more: kept, every rotation would add one row that each lookup of the key loads.
        await client.query(`DELETE FROM ${this.t.keySecrets} WHERE key_id = $1 AND expires_at <= $2`, [id, new Date()]);
        // A secret that already expires sooner keeps its earlier end.
        await client.query(
          `UPDATE ${this.t.keySecrets} SET expires_at = LEAST(COALESCE(expires_at, $2), $2) WHERE key_id = $1`,
          [id, graceUntil],
        );
        // Room for the new secret within the cap: the oldest still in their grace end now.
        await client.query(
          `DELETE FROM ${this.t.keySecrets} WHERE key_id = $1
             AND seq NOT IN (SELECT seq FROM ${this.t.keySecrets} WHERE key_id = $1 ORDER BY seq DESC LIMIT $2)`,
          [id, MAX_LIVE_SECRETS_PER_KEY - 1],
        );
      }
      await this.insertSecret(client, id, secret);
      await client.query(`UPDATE ${this.t.keys} SET updated_at = $2 WHERE id = $1`, [id, new Date()]);
      await this.announce(client, id);
      return this.load(client, id);
    });
  }

  async undoRotation(id: string, secret: KeySecret, previous: KeySecret[]): Promise<VirtualKey | undefined> {
    return inTransaction(this.pool, async (client) => {
      // The row lock waits for the rotation itself, should it still be in flight.
      const locked = await client.query<{ revoked: boolean }>(`SELECT revoked_at IS NOT NULL AS revoked FROM ${this.t.keys} WHERE id = $1 FOR UPDATE`, [id]);
      if (!locked.rows[0]) return undefined;
      const dropped = await client.query(`DELETE FROM ${this.t.keySecrets} WHERE key_id = $1 AND hash = $2`, [id, secret.hash]);
      if (!dropped.rowCount) return undefined;
      // A secret not in `previous` is another rotation's, answered: it stands, and so do the ends it set.
      const others = await client.query<{ hash: string }>(`SELECT hash FROM ${this.t.keySecrets} WHERE key_id = $1`, [id]);
      const before = new Set(previous.map((old) => old.hash));
      if (!locked.rows[0].revoked && others.rows.every((held) => before.has(held.hash))) {
        const now = Date.now();
        await client.query(`DELETE FROM ${this.t.keySecrets} WHERE key_id = $1`, [id]);
        for (const old of previous) {
          if (old.expiresAt === undefined || Date.parse(old.expiresAt) > now) await this.insertSecret(client, id, old);
        }
      }
      await client.query(`UPDATE ${this.t.keys} SET updated_at = $2 WHERE id = $1`, [id, new Date()]);
      await this.announce(client, id);
      return this.load(client, id);
    });
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.pool.query(`INSERT INTO ${this.t.keyAudit} (key_id, action, actor, at, details) VALUES ($1, $2, $3, $4, $5)`, [
      entry.keyId,
      entry.action,
      entry.actor,
      entry.at,
      JSON.stringify(entry.details ?? {}),
    ]);
  }

  async listAudit(keyId: string, page: AuditListPage): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const limit = Math.max(1, Math.floor(page.limit));
    const values: unknown[] = [keyId, limit + 1];
    // Entries are in (at, seq) order; a page goes on after the cursor's entry, read by its seq so
    // its time is compared exactly (a cursor naming no entry of this key reads as the end).
    let after = '';
    if (page.cursor !== undefined) {
      values.push(decodeAuditCursor(page.cursor));
      after = `AND (at, seq) > (SELECT at, seq FROM ${this.t.keyAudit} WHERE seq = $3 AND key_id = $1)`;
    }
    // One row more than asked tells whether there is a next page.
    const { rows } = await this.pool.query<{ seq: string; key_id: string; action: string; actor: string; at: Date; details: Record<string, unknown> }>(
      `SELECT seq, key_id, action, actor, at, details FROM ${this.t.keyAudit} WHERE key_id = $1 ${after} ORDER BY at, seq LIMIT $2`,
      values,
    );
    const entries = rows
      .slice(0, limit)
      .map((row) => ({ keyId: row.key_id, action: row.action, actor: row.actor, at: toIso(row.at), details: row.details }));
    return rows.length > limit ? { entries, nextCursor: encodeAuditCursor(rows[limit - 1]!.seq) } : { entries };
  }

  close(): Promise<void> {
    return this.closePool();
  }
}
