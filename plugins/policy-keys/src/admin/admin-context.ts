import type { KeyStore, Logger, UsageLedger } from '@switchyard/core';

/** What the admin API works with. */
export interface AdminRouterOptions {
  keys: KeyStore;
  ledger: UsageLedger;
  /** The only key the admin API accepts. */
  masterKey: string;
  logger: Logger;
  /** The clock, for expiry and rotation grace periods; tests pass their own. */
  now?: () => Date;
}

export interface AdminContext extends AdminRouterOptions {
  now: () => Date;
}
