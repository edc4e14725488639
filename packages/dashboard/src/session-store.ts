import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Who a dashboard session belongs to: the master key, or one virtual key (by its secret's digest, never the secret). */
export type DashboardSession =
  | { role: 'admin' }
  | { role: 'self'; keyId: string; digest: string };

/** Options of the server-side session store. */
export interface SessionStoreOptions {
  /**
   * Most sessions held at once, counted apart for the master key and for virtual keys;
   * the least recently used of that kind goes first (default 1,000).
   */
  maxSessions?: number;
  /** Most sessions one virtual key holds at once; its own oldest goes first (default 10). */
  maxSessionsPerKey?: number;
  /** How long a session lasts from its last use (default 8 hours). */
  ttlMs?: number;
}

/**
 * Dashboard sessions, server-side, by a random 256-bit id: the browser holds only
 * the id (in an HttpOnly cookie), never a key. Bounded in number and in time, so a
 * flood of logins costs memory once and old sessions fall away.
 *
 * A flood cannot log others out: master-key sessions are held apart from virtual-key
 * ones, and a virtual key past its own few sessions loses its oldest, not someone else's.
 */
export class SessionStore {
  private readonly adminSessions: LRUCache<string, DashboardSession>;
  private readonly keySessions: LRUCache<string, DashboardSession>;
  /** Each virtual key's session ids, oldest first; only ids `keySessions` holds (its dispose keeps this in step). */
  private readonly idsByKey = new Map<string, string[]>();
  private readonly maxSessionsPerKey: number;

  constructor(options: SessionStoreOptions = {}) {
    const bounds = { max: options.maxSessions ?? 1000, ttl: options.ttlMs ?? 8 * 3_600_000, updateAgeOnGet: true };
    this.maxSessionsPerKey = Math.max(1, options.maxSessionsPerKey ?? 10);
    this.adminSessions = new LRUCache(bounds);
    this.keySessions = new LRUCache({ ...bounds, dispose: (session, id) => this.forget(session, id) });
  }

  create(session: DashboardSession): string {
    const id = randomBytes(32).toString('base64url');
    if (session.role === 'admin') {
      this.adminSessions.set(id, session);
      return id;
    }
    // Deleting disposes, which takes the id out of this key's list (by hand, should the cache not hold it).
    let own = this.idsByKey.get(session.keyId);
    while (own && own.length >= this.maxSessionsPerKey) {
      const oldest = own[0]!;
      if (!this.keySessions.delete(oldest)) this.forget(session, oldest);
      own = this.idsByKey.get(session.keyId);
    }
    this.keySessions.set(id, session);
    const ids = this.idsByKey.get(session.keyId);
    if (ids) ids.push(id);
    else this.idsByKey.set(session.keyId, [id]);
    return id;
  }

  get(id: string | undefined): DashboardSession | undefined {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    return this.adminSessions.get(id) ?? this.keySessions.get(id);
  }

  delete(id: string | undefined): void {
    if (id === undefined) return;
    this.adminSessions.delete(id);
    this.keySessions.delete(id);
  }

  get size(): number {
    return this.adminSessions.size + this.keySessions.size;
  }

  private forget(session: DashboardSession, id: string): void {
    if (session.role !== 'self') return;
    const ids = this.idsByKey.get(session.keyId);
    if (!ids) return;
    const index = ids.indexOf(id);
    if (index !== -1) ids.splice(index, 1);
    if (ids.length === 0) this.idsByKey.delete(session.keyId);
  }
}
