/**
 * A spend account: one key, team or project in one budget window.
 * `owner` is `key:key_abc`, `team:platform`, `project:search`.
 */
export interface BudgetAccount {
  owner: string;
  /** ISO start of the window (`total` budgets use the epoch). */
  windowStart: string;
  limitUsd: number;
}

export type ReserveResult = { ok: true; reservationId: string } | { ok: false; exhausted: string };

/**
 * Exact budgets under concurrency: before a call, reserve its maximum cost on every
 * account it is charged to (all or none, atomically against other instances);
 * after it, settle to the real cost, which releases the rest.
 */
export interface BudgetStore {
  migrate(): Promise<void>;
  /** Reserves `amountUsd` on every account if each stays within its limit (spent + reserved + amount ≤ limit). */
  reserve(accounts: BudgetAccount[], amountUsd: number): Promise<ReserveResult>;
  /** Turns a reservation into spend of `actualUsd` (may be less or, when a model ran over, more). */
  settle(reservationId: string, actualUsd: number): Promise<void>;
  /** Spent (settled) in a window, for reports and alerts. */
  spent(owner: string, windowStart: string): Promise<number>;
  close(): Promise<void>;
}
