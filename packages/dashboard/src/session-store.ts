import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Who a dashboard session belongs to: the master key, or one virtual key (by its secret's digest, never the secret). */
export type DashboardSession =
  | { role: 'admin' }
  | { role: 'self'; keyId: string; digest: string };

/** Options of the server-side session store. */
export interface SessionStoreOptions {
  /** Most sessions held at once; the least recently used goes first (default 1,000). */
  maxSessions?: number;
  /** How long a session lasts from its last use (default 8 hours). */
  ttlMs?: number;
}

/**
 * Dashboard sessions, server-side, by a random 256-bit id: the browser holds only
 * the id (in an HttpOnly cookie), never a key. Bounded in number and in time, so a
 * flood of logins costs memory once and old sessions fall away.
 */
export class SessionStore {
  private readonly sessions: LRUCache<string, DashboardSession>;

  constructor(options: SessionStoreOptions = {}) {
    this.sessions = new LRUCache({ max: options.maxSessions ?? 1000, ttl: options.ttlMs ?? 8 * 3_600_000, updateAgeOnGet: true });
  }

  create(session: DashboardSession): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, session);
    return id;
  }

  get(id: string | undefined): DashboardSession | undefined {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
    return this.sessions.get(id);
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }
}
