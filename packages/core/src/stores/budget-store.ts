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
 * Who holds a reservation, and how long it lives unless renewed. A gateway process
 * renews all of its reservations at once (`renewLeases`, one timer per process);
 * when the process dies they expire and the next sweep (`releaseExpired`, by any
 * instance) gives their amounts back.
 */
export interface ReservationLease {
  /** The process holding it: one id per gateway instance, never a secret. */
  holder: string;
  /** Milliseconds from now until it expires unless renewed. */
  ttlMs: number;
}

/** The longest `paymentId` a store takes in `settlePart` (longer ones are refused). */
export const MAX_PAYMENT_ID_LENGTH = 64;

/** A reservation made without a lease expires after this long and cannot be renewed. */
export const DEFAULT_RESERVATION_TTL_MS = 10 * 60_000;

/**
 * How many reservations `releaseExpired` released a store keeps, holding nothing, for a
 * late `settle` or `settlePart` (their holder was cut off from the store, not dead, and
 * its call went ahead, however long ago): past it the sweep forgets the oldest released
 * first, and a settle of a forgotten one does nothing. A released reservation is
 * otherwise kept until it is settled: only a holder that died leaves one for good (a few
 * per crash, a hundred bytes or so each). Kept for a day at first, a settle later than
 * that was lost: the call was made and billed in the ledger, its budget never charged.
 */
export const MAX_RELEASED_RESERVATIONS = 100_000;

/**
 * @deprecated Released reservations are no longer forgotten after a time; see
 * `MAX_RELEASED_RESERVATIONS`. Kept for code that imported it: a day, its old value.
 */
export const EXPIRED_RESERVATION_RETENTION_MS = 24 * 3_600_000;

/**
 * Exact budgets under concurrency: before a call, reserve its maximum cost on every
 * account it is charged to (all or none, atomically against other instances);
 * after it, settle to the real cost, which releases the rest. Lease times come from
 * the gateway's clock (instances sharing a store should keep their clocks in sync;
 * leases of a minute tolerate seconds of skew).
 */
export interface BudgetStore {
  migrate(): Promise<void>;
  /** Reserves `amountUsd` on every account if each stays within its limit (spent + reserved + amount ≤ limit). */
  reserve(accounts: BudgetAccount[], amountUsd: number, lease?: ReservationLease): Promise<ReserveResult>;
  /**
   * Turns a reservation into spend of `actualUsd` (may be less or, when a model ran over, more).
   * A reservation `releaseExpired` already released still counts: `actualUsd` is spent (even
   * past the limit: the call was made) and nothing is given back again, however late the
   * settle comes (unless the store forgot it, past `MAX_RELEASED_RESERVATIONS` released ones).
   */
  settle(reservationId: string, actualUsd: number): Promise<void>;
  /**
   * Settles part of a reservation and leaves it open with the rest: `actualUsd` is
   * spent, and the hold shrinks by `actualUsd + releasedUsd` (by what it has left at
   * most). A budget grant pays each request under it this way (`releasedUsd` 0), and
   * gives back what it no longer needs (`actualUsd` 0). Does nothing to an unknown or
   * settled reservation, like `settle`; on one `releaseExpired` released it spends
   * `actualUsd` (its hold is already back, so `releasedUsd` changes nothing), also like
   * `settle`, and leaves it open for more payments until settled or forgotten.
   * Optional: without it the gateway reserves per request.
   *
   * `paymentId` makes a payment safe to send again: the store applies a given id at
   * most once while the reservation is open, or released and still remembered (it
   * forgets the ids when the reservation is settled or forgotten). A caller that cannot
   * know whether a payment was counted (a timeout, a reply lost with a connection or a
   * thread) sends it again with the same id, and it counts exactly once. The caller
   * draws it, unique within the reservation, at most
   * `MAX_PAYMENT_ID_LENGTH` characters. Without it every call counts; a store written
   * before it ignores it, and then a payment sent again may count twice.
   */
  settlePart?(reservationId: string, actualUsd: number, releasedUsd: number, paymentId?: string): Promise<void>;
  /** Extends every open reservation of `holder` to expire `ttlMs` from now; returns how many. */
  renewLeases(holder: string, ttlMs: number): Promise<number>;
  /**
   * Releases reservations whose lease expired before `now` (their holder died or
   * lost the store): their amounts stop holding budget and nothing is spent yet. Each
   * is remembered, holding nothing, until it is settled, so a holder that was only cut
   * off can still settle it (see `settle`); past `MAX_RELEASED_RESERVATIONS` released
   * ones the sweep forgets the oldest released. Returns how many were released (the
   * forgotten are not counted).
   * Safe to run from several instances at once; a shared store lets one of them sweep
   * at a time (the others get 0).
   */
  releaseExpired(now?: Date): Promise<number>;
  /** Spent (settled) in a window, for reports and alerts. */
  spent(owner: string, windowStart: string): Promise<number>;
  /** Held by open reservations in a window, for reports and checks. */
  reserved(owner: string, windowStart: string): Promise<number>;
  close(): Promise<void>;
}
