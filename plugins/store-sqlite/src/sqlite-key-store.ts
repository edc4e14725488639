import type { AuditEntry, AuditListPage, KeyFieldChanges, KeyListFilter, KeyScope, KeySecret, KeyStore, VirtualKey, VirtualKeyFields } from '@switchyard/core';
import type Database from 'better-sqlite3';
import { decodeAuditCursor, encodeAuditCursor, invalidKeyCursor, keyRevoked, keyUpdateConflict, MAX_LIVE_SECRETS_PER_KEY } from '@switchyard/core/store-helpers';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { SqliteHandle } from './database.js';
import { checkedText } from './well-formed-text.js';

interface KeyRow {
  id: string;
  name: string;
  team: string | null;
  project: string | null;
  user: string | null;
  tags: string;
  scope: string;
  disabled: number;
  created_at: string;
  updated_at: string;
  revoked_at: string | null;
}

interface SecretRow {
  hash: string;
  key_id: string;
  prefix: string;
  expires_at: string | null;
}

interface AuditRow {
  seq: number;
  key_id: string;
  action: string;
  actor: string;
  at: string;
  details: string;
}

/** The text fields of a key as given (tags and scope are written as JSON, which escapes what needs it). */
function checkedFields(fields: KeyFieldChanges): void {
  for (const field of ['name', 'team', 'project', 'user'] as const) checkedText(fields[field], field);
}

function checkedSecret(secret: KeySecret): void {
  checkedText(secret.hash, 'hash');
  checkedText(secret.prefix, 'prefix');
}

function newKeyId(): string {
  return `key_${randomBytes(12).toString('base64url')}`;
}

function iso(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new TypeError(`not a time: ${String(value)}`);
  return date.toISOString();
}

/** What a cursor from encodeCursor looks like; a client may send anything. */
const cursorPattern = /^[A-Za-z0-9_-]{1,512}$/;

/** Opaque to callers: the position after the last key of a page. */
function encodeCursor(row: KeyRow): string {
  return Buffer.from(JSON.stringify([row.created_at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  // Strict: Node's base64url decoding skips what is not base64url, so `cursor + '!'` would read as `cursor`.
  if (!cursorPattern.test(cursor)) throw invalidKeyCursor();
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw invalidKeyCursor();
}

function prepareStatements(db: Database.Database) {
  return {
    insertKey: db.prepare(
      `INSERT INTO keys (id, name, team, project, "user", tags, scope, disabled, created_at, updated_at)
       VALUES (@id, @name, @team, @project, @user, @tags, @scope, @disabled, @created_at, @updated_at)`,
    ),
    insertSecret: db.prepare('INSERT INTO key_secrets (hash, key_id, prefix, expires_at) VALUES (?, ?, ?, ?)'),
    keyById: db.prepare('SELECT * FROM keys WHERE id = ?'),
    secretsOf: db.prepare('SELECT * FROM key_secrets WHERE key_id = ? ORDER BY rowid'),
    liveSecret: db.prepare('SELECT key_id FROM key_secrets WHERE hash = ? AND (expires_at IS NULL OR expires_at > ?)'),
    list: db.prepare(
      `SELECT * FROM keys
       WHERE (@team IS NULL OR team = @team)
         AND (@project IS NULL OR project = @project)
         AND (@tag IS NULL OR EXISTS (SELECT 1 FROM json_each(keys.tags) WHERE json_each.value = @tag))
         AND (@include_revoked = 1 OR revoked_at IS NULL)
         AND (@after_created IS NULL OR (created_at, id) > (@after_created, @after_id))
       ORDER BY created_at, id
       LIMIT @limit`,
    ),
    updateKey: db.prepare(
      `UPDATE keys SET name = @name, team = @team, project = @project, "user" = @user, tags = @tags,
         scope = @scope, disabled = @disabled, updated_at = @updated_at
       WHERE id = @id`,
    ),
    revoke: db.prepare('UPDATE keys SET revoked_at = COALESCE(revoked_at, ?), updated_at = ? WHERE id = ?'),
    touch: db.prepare('UPDATE keys SET updated_at = ? WHERE id = ?'),
    dropExpiredSecrets: db.prepare('DELETE FROM key_secrets WHERE key_id = ? AND expires_at IS NOT NULL AND expires_at <= ?'),
    dropSecrets: db.prepare('DELETE FROM key_secrets WHERE key_id = ?'),
    dropSecret: db.prepare('DELETE FROM key_secrets WHERE key_id = ? AND hash = ?'),
    keepNewestSecrets: db.prepare(
      `DELETE FROM key_secrets WHERE key_id = @key_id
         AND rowid NOT IN (SELECT rowid FROM key_secrets WHERE key_id = @key_id ORDER BY rowid DESC LIMIT @keep)`,
    ),
    expireSecrets: db.prepare(
      `UPDATE key_secrets SET expires_at = @until
       WHERE key_id = @key_id AND (expires_at IS NULL OR expires_at > @until)`,
    ),
    insertAudit: db.prepare('INSERT INTO key_audit (key_id, action, actor, at, details) VALUES (?, ?, ?, ?, ?)'),
    auditOf: db.prepare('SELECT seq, key_id, action, actor, at, details FROM key_audit WHERE key_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
  };
}

/**
 * Keys in SQLite. Only a secret's SHA-256 hash and its prefix are ever written;
 * lookups by hash go through the primary key of `key_secrets`.
 */
export class SqliteKeyStore implements KeyStore {
  private readonly statements: () => ReturnType<typeof prepareStatements>;

  constructor(private readonly handle: SqliteHandle) {
    this.statements = handle.prepare(prepareStatements);
  }

  async migrate(): Promise<void> {
    this.handle.migrate();
  }

  async create(fields: VirtualKeyFields, secret: KeySecret): Promise<VirtualKey> {
    const s = this.statements();
    const now = new Date().toISOString();
    const id = newKeyId();
    checkedFields(fields);
    checkedSecret(secret);
    this.handle.db.transaction(() => {
      s.insertKey.run({
        id,
        name: fields.name,
        team: fields.team ?? null,
        project: fields.project ?? null,
        user: fields.user ?? null,
        tags: JSON.stringify(fields.tags ?? []),
        scope: JSON.stringify(fields.scope ?? {}),
        disabled: fields.disabled ? 1 : 0,
        created_at: now,
        updated_at: now,
      });
      s.insertSecret.run(secret.hash, id, secret.prefix, secret.expiresAt === undefined ? null : iso(secret.expiresAt));
    }).immediate();
    return this.load(id)!;
  }

  async findBySecretHash(hash: string, now: Date): Promise<VirtualKey | undefined> {
    const row = this.statements().liveSecret.get(hash, now.toISOString()) as { key_id: string } | undefined;
    return row ? this.load(row.key_id) : undefined;
  }

  async get(id: string): Promise<VirtualKey | undefined> {
    return this.load(id);
  }

  async list(filter: KeyListFilter): Promise<{ keys: VirtualKey[]; nextCursor?: string }> {
    const limit = Math.max(1, Math.floor(filter.limit));
    const [afterCreated, afterId] = filter.cursor ? decodeCursor(filter.cursor) : [null, null];
    // One row more than asked tells whether there is a next page.
    const rows = this.statements().list.all({
      team: filter.team ?? null,
      project: filter.project ?? null,
      tag: filter.tag ?? null,
      include_revoked: filter.includeRevoked ? 1 : 0,
      after_created: afterCreated,
      after_id: afterId,
      limit: limit + 1,
    }) as KeyRow[];
    const page = rows.slice(0, limit);
    const keys = page.map((row) => this.toKey(row));
    return rows.length > limit ? { keys, nextCursor: encodeCursor(page[page.length - 1]!) } : { keys };
  }

  async update(id: string, fields: KeyFieldChanges, expected?: { scope: KeyScope }): Promise<VirtualKey | undefined> {
    const s = this.statements();
    checkedFields(fields);
    const changed = this.handle.db.transaction(() => {
      const row = s.keyById.get(id) as KeyRow | undefined;
      if (!row) return false;
      if (row.revoked_at !== null) throw keyRevoked();
      if (expected && !isDeepStrictEqual(JSON.parse(row.scope), expected.scope)) throw keyUpdateConflict();
      // undefined leaves a field as it is; null (from JSON) clears an optional one.
      const pick = <T>(value: T | null | undefined, current: T | null): T | null =>
        value === undefined ? current : value;
      s.updateKey.run({
        id,
        name: fields.name ?? row.name,
        team: pick(fields.team, row.team),
        project: pick(fields.project, row.project),
        user: pick(fields.user, row.user),
        tags: fields.tags === undefined ? row.tags : JSON.stringify(fields.tags ?? []),
        scope: fields.scope === undefined ? row.scope : JSON.stringify(fields.scope ?? {}),
        disabled: fields.disabled === undefined ? row.disabled : fields.disabled ? 1 : 0,
        updated_at: laterThan(row.updated_at),
      });
      return true;
    }).immediate();
    return changed ? this.load(id) : undefined;
  }

  async revoke(id: string, at: Date): Promise<VirtualKey | undefined> {
    const s = this.statements();
    const row = s.keyById.get(id) as KeyRow | undefined;
    if (!row) return undefined;
    s.revoke.run(at.toISOString(), laterThan(row.updated_at), id);
    return this.load(id);
  }

  async rotate(id: string, secret: KeySecret, graceUntil: Date | undefined): Promise<VirtualKey | undefined> {
    const s = this.statements();
    checkedSecret(secret);
    const found = this.handle.db.transaction(() => {
      const row = s.keyById.get(id) as KeyRow | undefined;
      if (!row) return false;
      if (row.revoked_at !== null) throw keyRevoked();
      const now = new Date().toISOString();
      if (graceUntil === undefined) {
        s.dropSecrets.run(id);
      } else {
        s.dropExpiredSecrets.run(id, now);
        s.expireSecrets.run({ until: graceUntil.toISOString(), key_id: id });
        // Room for the new secret within the cap: the oldest still in their grace end now.
        s.keepNewestSecrets.run({ key_id: id, keep: MAX_LIVE_SECRETS_PER_KEY - 1 });
      }
      s.insertSecret.run(secret.hash, id, secret.prefix, secret.expiresAt === undefined ? null : iso(secret.expiresAt));
      s.touch.run(laterThan(row.updated_at), id);
      return true;
    }).immediate();
    return found ? this.load(id) : undefined;
  }

  async undoRotation(id: string, secret: KeySecret, previous: KeySecret[]): Promise<VirtualKey | undefined> {
    const s = this.statements();
    checkedSecret(secret);
    previous.forEach(checkedSecret);
    const found = this.handle.db.transaction(() => {
      const row = s.keyById.get(id) as KeyRow | undefined;
      if (!row || !(s.dropSecret.run(id, secret.hash).changes > 0)) return false;
      const before = new Set(previous.map((old) => old.hash));
      const others = s.secretsOf.all(id) as SecretRow[];
      if (row.revoked_at === null && others.every((held) => before.has(held.hash))) {
        const now = new Date().toISOString();
        s.dropSecrets.run(id);
        for (const old of previous) {
          const expiresAt = old.expiresAt === undefined ? null : iso(old.expiresAt);
          if (expiresAt === null || expiresAt > now) s.insertSecret.run(old.hash, id, old.prefix, expiresAt);
        }
      }
      s.touch.run(laterThan(row.updated_at), id);
      return true;
    }).immediate();
    return found ? this.load(id) : undefined;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    for (const field of ['keyId', 'action', 'actor', 'at'] as const) checkedText(entry[field], field);
    this.statements().insertAudit.run(entry.keyId, entry.action, entry.actor, entry.at, JSON.stringify(entry.details ?? {}));
  }

  async listAudit(keyId: string, page: AuditListPage): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    const limit = Math.max(1, Math.floor(page.limit));
    const after = page.cursor === undefined ? 0n : BigInt(decodeAuditCursor(page.cursor));
    // One row more than asked tells whether there is a next page.
    const rows = this.statements().auditOf.all(keyId, after, limit + 1) as AuditRow[];
    const entries = rows.slice(0, limit).map((row) => ({
      keyId: row.key_id,
      action: row.action,
      actor: row.actor,
      at: row.at,
      details: JSON.parse(row.details) as Record<string, unknown>,
    }));
    return rows.length > limit ? { entries, nextCursor: encodeAuditCursor(rows[limit - 1]!.seq) } : { entries };
  }

  async close(): Promise<void> {
    this.handle.close();
  }

  private load(id: string): VirtualKey | undefined {
    const row = this.statements().keyById.get(id) as KeyRow | undefined;
    return row ? this.toKey(row) : undefined;
  }

  private toKey(row: KeyRow): VirtualKey {
    const secrets = (this.statements().secretsOf.all(row.id) as SecretRow[]).map((s): KeySecret => {
      const secret: KeySecret = { hash: s.hash, prefix: s.prefix };
      if (s.expires_at !== null) secret.expiresAt = s.expires_at;
      return secret;
    });
    const key: VirtualKey = {
      id: row.id,
      name: row.name,
      tags: JSON.parse(row.tags) as string[],
      scope: JSON.parse(row.scope) as VirtualKey['scope'],
      disabled: row.disabled === 1,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      secrets,
    };
    if (row.team !== null) key.team = row.team;
    if (row.project !== null) key.project = row.project;
    if (row.user !== null) key.user = row.user;
    if (row.revoked_at !== null) key.revokedAt = row.revoked_at;
    return key;
  }
}

/** Now, or a millisecond after `previous` when the clock has not moved on: updatedAt always changes. */
function laterThan(previous: string): string {
  const now = Date.now();
  const prev = Date.parse(previous);
  return new Date(Number.isNaN(prev) || now > prev ? now : prev + 1).toISOString();
}
