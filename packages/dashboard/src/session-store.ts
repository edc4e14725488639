import { randomBytes } from 'node:crypto';
import { IdleSessions } from './idle-sessions.js';

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
  /** How long a session lasts from its login, however often it is used (default 7 days). */
  maxLifetimeMs?: number;
  /** The clock, in milliseconds (default Date.now; the dashboard passes its own). */
  now?: () => number;
}

/** Whether a cookie's value has the shape of an id `create` makes (32 random bytes, base64url): anything else names no session. */
export function isSessionId(id: string | undefined): id is string {
  return id !== undefined && /^[A-Za-z0-9_-]{43}$/.test(id);
}

/**
 * Dashboard sessions, server-side, by a random 256-bit id: the browser holds only
 * the id (in an HttpOnly cookie), never a key. Bounded in number and in time, so a
 * flood of logins costs memory once and old sessions fall away: at most `maxSessions`
 * of the master key and as many of virtual keys, each ending `ttlMs` after its last
 * use or `maxLifetimeMs` after its login, whichever comes first, let go at the next login or lookup after that (IdleSessions: no timers).
 *
 * A flood cannot log others out: master-key sessions are held apart from virtual-key
 * ones, and a virtual key past its own few sessions loses its oldest, not someone else's.
 * A full store takes a new login and ends the least recently used session of its kind:
 * refusing it would let whoever filled the store keep everyone else out for `ttlMs`.
 */
export class SessionStore {
  private readonly adminSessions: IdleSessions<DashboardSession>;
  private readonly keySessions: IdleSessions<DashboardSession>;
  /** Each virtual key's session ids, oldest first; only ids `keySessions` holds (its `ended` keeps this in step). */
  private readonly idsByKey = new Map<string, Set<string>>();
  private readonly maxSessionsPerKey: number;
  private readonly now: () => number;

  constructor(options: SessionStoreOptions = {}) {
    const max = Math.max(1, options.maxSessions ?? 1000);
    const ttlMs = options.ttlMs ?? 8 * 3_600_000;
    const maxLifetimeMs = options.maxLifetimeMs ?? 7 * 86_400_000;
    this.maxSessionsPerKey = Math.max(1, options.maxSessionsPerKey ?? 10);
    this.now = options.now ?? Date.now;
    this.adminSessions = new IdleSessions(max, ttlMs, maxLifetimeMs);
    this.keySessions = new IdleSessions(max, ttlMs, maxLifetimeMs, (id, session) => this.forget(id, session));
  }

  /** A new session under a fresh id, or under `id` when another process made it (SessionSharing). */
  create(session: DashboardSession, id = randomBytes(32).toString('base64url')): string {
    const now = this.now();
    this.sweep(now);
    if (session.role === 'admin') {
      this.adminSessions.set(id, session, now);
      return id;
    }
    let own = this.idsByKey.get(session.keyId);
    // Deleting ends the session, which takes its id out of this key's set.
    for (const oldest of own ?? []) {
      if (own!.size < this.maxSessionsPerKey) break;
      this.keySessions.delete(oldest);
    }
    this.keySessions.set(id, session, now);
    own = this.idsByKey.get(session.keyId);
    if (own) own.add(id);
    else this.idsByKey.set(session.keyId, new Set([id]));
    return id;
  }

  get(id: string | undefined): DashboardSession | undefined {
    const now = this.now();
    this.sweep(now);
    if (!isSessionId(id)) return undefined;
    return this.adminSessions.get(id, now) ?? this.keySessions.get(id, now);
  }

  delete(id: string | undefined): void {
    if (id === undefined) return;
    this.adminSessions.delete(id);
    this.keySessions.delete(id);
  }

  /** Sessions held, expired ones not yet let go included. */
  get size(): number {
    return this.adminSessions.size + this.keySessions.size;
  }

  /** Lets expired sessions of both kinds go, whichever kind is asked for. */
  private sweep(now: number): void {
    this.adminSessions.sweep(now);
    this.keySessions.sweep(now);
  }

  private forget(id: string, session: DashboardSession): void {
    if (session.role !== 'self') return;
    const ids = this.idsByKey.get(session.keyId);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.idsByKey.delete(session.keyId);
  }
}
