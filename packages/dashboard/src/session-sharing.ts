import type { DashboardSession } from './session-store.js';

/** A change to the sessions, told to the other processes serving the same port (`start --workers N`). */
export type SessionChange = { type: 'created'; id: string; session: DashboardSession } | { type: 'used' | 'ended'; id: string };

/**
 * How processes that share a port share the dashboard's sessions: each keeps them all, and tells
 * the others of every login, use and logout. Without it a login held on one process only, and a
 * call that reached another was 401 `session_required`.
 */
export interface SessionSharing {
  /** Resolves once the change is on its way (before the answer that depends on it is sent). */
  publish(change: SessionChange): Promise<void>;
  subscribe(listener: (change: SessionChange) => void): void;
}
