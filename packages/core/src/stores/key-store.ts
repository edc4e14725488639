import type { Endpoint } from '../chain/request-context.js';

/** How often a budget starts over; calendar-aligned, in UTC. `total` never does. */
export type BudgetPeriod = 'daily' | 'weekly' | 'monthly' | 'total';

export interface BudgetLimit {
  limitUsd: number;
  period: BudgetPeriod;
  /** Fraction of the limit (0–1) at which a soft alert is logged. */
  alertThreshold?: number;
}

/** What a virtual key may do. Every field is optional: absent means no limit. */
export interface KeyScope {
  /** Model names or patterns: `mock/echo`, `openai/*`, an alias, globs with `*`. */
  models?: string[];
  endpoints?: Endpoint[];
  /** Upper bound on a request's output tokens. */
  maxTokens?: number;
  budget?: BudgetLimit;
  /** Requests and tokens per minute, read by the rate-limit step. */
  rpm?: number;
  tpm?: number;
  /** ISO time after which the key stops working. */
  expiresAt?: string;
}

/** A secret that authenticates a key; during a rotation's grace period there are two. */
export interface KeySecret {
  /** SHA-256 of the secret, hex. The secret itself is never stored. */
  hash: string;
  /** The first characters of the secret (`sy-AbC1`), to recognise it in lists. */
  prefix: string;
  /** ISO time after which this secret no longer works (the old one after a rotation). */
  expiresAt?: string;
}

/** Who a key belongs to and what it may do. */
export interface VirtualKey {
  /** Stable id, `key_…`: what logs, the ledger and the admin API use. */
  id: string;
  name: string;
  team?: string;
  project?: string;
  user?: string;
  tags: string[];
  scope: KeyScope;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  revokedAt?: string;
  secrets: KeySecret[];
}

/** The fields a caller sets when creating or updating a key. */
export interface VirtualKeyFields {
  name: string;
  team?: string;
  project?: string;
  user?: string;
  tags?: string[];
  scope?: KeyScope;
  disabled?: boolean;
}

/**
 * The fields an update sets: those left out (or undefined) stay as they are; `null` takes
 * the key out of its team, project or user (a team disbanded), as the admin API's `null` does.
 */
export type KeyFieldChanges = Partial<Omit<VirtualKeyFields, 'team' | 'project' | 'user'>> & {
  team?: string | null;
  project?: string | null;
  user?: string | null;
};

export interface KeyListFilter {
  team?: string;
  project?: string;
  tag?: string;
  /** Include revoked keys. */
  includeRevoked?: boolean;
  limit: number;
  /**
   * Opaque, from the previous page's `nextCursor`. One the store did not make (a client
   * may send anything): `list` rejects with `invalidKeyCursor()` (code `INVALID_KEY_CURSOR`).
   */
  cursor?: string;
}

/** A page of a key's audit trail: `KeyStore.listAudit`. */
export interface AuditListPage {
  limit: number;
  /**
   * Opaque, from the previous page's `nextCursor`. One the store did not make (a client
   * may send anything): `listAudit` rejects with `invalidKeyCursor()` (code `INVALID_KEY_CURSOR`).
   */
  cursor?: string;
}

export interface AuditEntry {
  keyId: string;
  /** `create`, `update`, `revoke`, `rotate`, `rotate_undone`. */
  action: string;
  /** Who did it: `master` for the admin key. */
  actor: string;
  at: string;
  /** What changed; never a secret. */
  details: Record<string, unknown>;
}

/**
 * Where virtual keys live: SQLite embedded, PostgreSQL for many instances. Every
 * implementation passes the same suite in @switchyard/testing (`testKeyStore`).
 */
export interface KeyStore {
  /** Creates or upgrades the schema; called once at start. */
  migrate(): Promise<void>;
  create(fields: VirtualKeyFields, secret: KeySecret): Promise<VirtualKey>;
  /** The key a secret hash belongs to, if that secret has not expired (revoked keys are returned too: the caller decides). */
  findBySecretHash(hash: string, now: Date): Promise<VirtualKey | undefined>;
  get(id: string): Promise<VirtualKey | undefined>;
  list(filter: KeyListFilter): Promise<{ keys: VirtualKey[]; nextCursor?: string }>;
  /**
   * Sets the fields given. With `expected.scope`, only while the key's scope is still
   * that one (compared as JSON values): otherwise rejects with `keyUpdateConflict()`
   * (code `KEY_UPDATE_CONFLICT`), so a scope merged from an earlier read never undoes
   * a change made since (two admins setting `rpm` and `budget` at once).
   * A revoked key is not changed: rejects with `keyRevoked()` (code `KEY_REVOKED`),
   * judged in the same transaction as the write (before the scope is compared).
   */
  update(id: string, fields: KeyFieldChanges, expected?: { scope: KeyScope }): Promise<VirtualKey | undefined>;
  revoke(id: string, at: Date): Promise<VirtualKey | undefined>;
  /**
   * Adds `secret`; the existing secrets expire at `graceUntil` (at once when undefined).
   * At most `MAX_LIVE_SECRETS_PER_KEY` secrets stay: past that, the oldest end at once.
   * A revoked key is not rotated: rejects with `keyRevoked()` (code `KEY_REVOKED`),
   * judged in the same transaction as the write, so a revoke at the same moment wins.
   */
  rotate(id: string, secret: KeySecret, graceUntil: Date | undefined): Promise<VirtualKey | undefined>;
  /**
   * Undoes a rotation whose answer never reached its caller (the store failed after it
   * committed): `secret`, the one it added, ends at once, and, when every other secret the
   * key holds is one of `previous` (as read before the rotation), the key's secrets become
   * `previous` again, each with its own end (those already past it left out). A secret
   * held that is not in `previous` was added by another rotation, before or after this
   * one, whose answer went out: then only `secret` ends, and that rotation stands, as it
   * does on a revoked key.
   * Resolves to the key afterwards, or undefined when the key does not hold `secret`
   * (the rotation has not landed, or was undone already) or is gone.
   */
  undoRotation(id: string, secret: KeySecret, previous: KeySecret[]): Promise<VirtualKey | undefined>;
  appendAudit(entry: AuditEntry): Promise<void>;
  /**
   * A key's audit entries, oldest first, at most `page.limit` of them; `nextCursor` when
   * there are more (a key changed thousands of times is read a page at a time).
   */
  listAudit(keyId: string, page: AuditListPage): Promise<{ entries: AuditEntry[]; nextCursor?: string }>;
  close(): Promise<void>;
}
