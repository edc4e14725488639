import type { BudgetStore, KeyChangeChannel, KeyStore, Logger, UsageLedger } from '@switchyard/core';

/** What the admin API works with. */
export interface AdminRouterOptions {
  keys: KeyStore;
  ledger: UsageLedger;
  /** For the spend shown next to each key's budget in `GET /keys`; without it that spend is null. */
  budgets?: BudgetStore;
  /**
   * Where a change (update, revoke, rotate) is announced once stored, so every
   * instance drops its cached lookup at once; without it they do within a second.
   */
  keyChanges?: KeyChangeChannel;
  /** The only key the admin API accepts. */
  masterKey: string;
  logger: Logger;
  /** Deepest nesting of a request body (default 64, as `limits.max_json_depth`). */
  maxJsonDepth?: number;
  /** The clock, for expiry and rotation grace periods; tests pass their own. */
  now?: () => Date;
}

export interface AdminContext extends AdminRouterOptions {
  now: () => Date;
}
