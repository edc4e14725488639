import { isDeepStrictEqual } from 'node:util';
import { decodeAuditCursor, encodeAuditCursor, invalidKeyCursor, keyRevoked, keyUpdateConflict, MAX_LIVE_SECRETS_PER_KEY, type AuditEntry, type AuditListPage, type KeyFieldChanges, type KeyListFilter, type KeyScope, type KeySecret, type KeyStore, type VirtualKey, type VirtualKeyFields } from '@switchyard/core';

/**
 * A KeyStore in process memory, for tests only: no persistence, no concurrency
 * control. Ids count up (`key_000001`), so list order and cursors are predictable.
 * It keeps a copy of everything it returns, so a test cannot mutate what it holds.
 */
export class MemoryKeyStore implements KeyStore {
  readonly keys = new Map<string, VirtualKey>();
  readonly audit: AuditEntry[] = [];
  private sequence = 0;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  async migrate(): Promise<void> {}

  async create(fields: VirtualKeyFields, secret: KeySecret): Promise<VirtualKey> {
    this.refuseHashInUse(secret.hash);
    const at = this.clock().toISOString();
    const id = `key_${String(++this.sequence).padStart(6, '0')}`;
    const key: VirtualKey = {
      id,
      name: fields.name,
      ...(fields.team !== undefined && { team: fields.team }),
      ...(fields.project !== undefined && { project: fields.project }),
      ...(fields.user !== undefined && { user: fields.user }),
      tags: fields.tags ?? [],
      scope: fields.scope ?? {},
      disabled: fields.disabled ?? false,
      createdAt: at,
      updatedAt: at,
      secrets: [secret],
    };
    this.keys.set(id, structuredClone(key));
    return key;
  }

  async findBySecretHash(hash: string, now: Date): Promise<VirtualKey | undefined> {
    for (const key of this.keys.values()) {
      const live = key.secrets.some((secret) => secret.hash === hash && (secret.expiresAt === undefined || Date.parse(secret.expiresAt) > now.getTime()));
      if (live) return structuredClone(key);
    }
    return undefined;
  }

  async get(id: string): Promise<VirtualKey | undefined> {
    const key = this.keys.get(id);
    return key && structuredClone(key);
  }

  async list(filter: KeyListFilter): Promise<{ keys: VirtualKey[]; nextCursor?: string }> {
    if (filter.cursor !== undefined && !/^key_\d{6}$/.test(filter.cursor)) throw invalidKeyCursor();
    const matching = [...this.keys.values()]
      .filter((key) => filter.includeRevoked || key.revokedAt === undefined)
      .filter((key) => filter.team === undefined || key.team === filter.team)
      .filter((key) => filter.project === undefined || key.project === filter.project)
      .filter((key) => filter.tag === undefined || key.tags.includes(filter.tag))
      .filter((key) => filter.cursor === undefined || key.id > filter.cursor)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
    const page = matching.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      keys: page.map((key) => structuredClone(key)),
      ...(matching.length > filter.limit && last && { nextCursor: last.id }),
    };
  }

  async update(id: string, fields: KeyFieldChanges, expected?: { scope: KeyScope }): Promise<VirtualKey | undefined> {
    const key = this.keys.get(id);
    if (!key) return undefined;
    if (key.revokedAt !== undefined) throw keyRevoked();
    if (expected && !isDeepStrictEqual(key.scope, expected.scope)) throw keyUpdateConflict();
    for (const [name, value] of Object.entries(fields)) {
      // null takes the key out of its team, project or user: read back as absent, as the real stores do.
      if (value === null) delete (key as unknown as Record<string, unknown>)[name];
      else if (value !== undefined) (key as unknown as Record<string, unknown>)[name] = structuredClone(value);
    }
    key.updatedAt = this.clock().toISOString();
    return structuredClone(key);
  }

  async revoke(id: string, at: Date): Promise<VirtualKey | undefined> {
    const key = this.keys.get(id);
    if (!key) return undefined;
    key.revokedAt ??= at.toISOString();
    key.updatedAt = at.toISOString();
    return structuredClone(key);
  }

  async rotate(id: string, secret: KeySecret, graceUntil: Date | undefined): Promise<VirtualKey | undefined> {
    const key = this.keys.get(id);
    if (!key) return undefined;
    if (key.revokedAt !== undefined) throw keyRevoked();
    this.refuseHashInUse(secret.hash);
    const now = this.clock();
    const until = graceUntil ?? now;
    key.secrets = key.secrets
      .map((old) => {
        const keepsEarlier = old.expiresAt !== undefined && Date.parse(old.expiresAt) < until.getTime();
        return keepsEarlier ? old : { ...old, expiresAt: until.toISOString() };
      })
      .filter((old) => Date.parse(old.expiresAt!) > now.getTime())
      .slice(-(MAX_LIVE_SECRETS_PER_KEY - 1));
    key.secrets.push(secret);
    key.updatedAt = now.toISOString();
    return structuredClone(key);
  }

  async undoRotation(id: string, secret: KeySecret, previous: KeySecret[]): Promise<VirtualKey | undefined> {
    const key = this.keys.get(id);
    if (!key || !key.secrets.some((held) => held.hash === secret.hash)) return undefined;
    const now = this.clock();
    const others = key.secrets.filter((held) => held.hash !== secret.hash);
    const restores = key.revokedAt === undefined && others.every((held) => previous.some((old) => old.hash === held.hash));
    key.secrets = restores
      ? previous.filter((old) => old.expiresAt === undefined || Date.parse(old.expiresAt) > now.getTime()).map((old) => ({ ...old }))
      : others;
    key.updatedAt = now.toISOString();
    return structuredClone(key);
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(structuredClone(entry));
  }

  async listAudit(keyId: string, page: AuditListPage): Promise<{ entries: AuditEntry[]; nextCursor?: string }> {
    // The cursor is the index in `audit` of the page's last entry.
    const after = page.cursor === undefined ? -1 : Number(decodeAuditCursor(page.cursor));
    const found: number[] = [];
    for (let index = after + 1; index < this.audit.length && found.length <= page.limit; index++) {
      if (this.audit[index]!.keyId === keyId) found.push(index);
    }
    const taken = found.slice(0, page.limit);
    const entries = taken.map((index) => structuredClone(this.audit[index]!));
    return found.length > page.limit ? { entries, nextCursor: encodeAuditCursor(taken[taken.length - 1]!) } : { entries };
  }

  async close(): Promise<void> {}

  /** Like a unique index on the hash column. */
  private refuseHashInUse(hash: string): void {
    for (const key of this.keys.values()) {
      if (key.secrets.some((secret) => secret.hash === hash)) throw new Error('a key with this secret hash already exists');
    }
  }
}
