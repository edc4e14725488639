import type { BudgetStore, KeyChangeChannel, KeyStore, Logger, UsageLedger } from '@switchyard/core';
import type { LoginLimiter } from './login-throttle.js';
import type { SessionSharing } from './session-sharing.js';
import type { SessionStoreOptions } from './session-store.js';

/** What the dashboard works with: the admin API's stores and the master key. */
export interface DashboardOptions {
  /** The key that opens the full (admin) view. */
  masterKey: string;
  keys: KeyStore;
  ledger: UsageLedger;
  /** For spend against budget in the keys table and the self view. */
  budgets?: BudgetStore;
  /** Announces key changes made from the page to every instance (as the admin API does). */
  keyChanges?: KeyChangeChannel;
  logger: Logger;
  /** Where the page reads gateway health from, on the same origin (default `/health`). */
  healthPath?: string;
  /** Session bounds: count, idle time and whole lifetime. */
  sessions?: SessionStoreOptions;
  /** Shares the sessions with the other processes serving the same port (cluster workers). */
  sharedSessions?: SessionSharing;
  /** Failed logins allowed per client address per minute before `too_many_logins` (default 10). */
  maxLoginFailuresPerMinute?: number;
  /**
   * Counts failed logins with the other processes serving the same port (cluster workers),
   * in place of this process's own throttle (`maxLoginFailuresPerMinute` is then its limit's).
   */
  sharedLoginThrottle?: LoginLimiter;
  /** The clock of sessions and the login throttle (for tests). */
  now?: () => Date;
}
