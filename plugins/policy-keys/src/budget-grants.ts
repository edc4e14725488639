import { isStoreOutage, type BudgetAccount, type BudgetStore, type Logger, type ReservationLease } from '@switchyard/core';

export interface BudgetGrantsOptions {
  /**
   * How many requests' maximum cost a grant holds, or twice as many as were in flight
   * on the grant it replaces when that is more; 0 reserves per request (no grants).
   */
  requests: number;
  /** A grant nobody drew from for this long is given back. */
  idleMs: number;
  /**
   * A grant's payments are summed and paid in one store call at most this many ms
   * after the first; 0 pays each request's in the turn it settles. Fewer calls wake
   * the store's thread less often; a crash loses at most this window of payments
   * (the usage ledger's own window is far longer).
   */
  payWithinMs?: number;
  /** At most this many grants open at once; more account sets reserve per request. */
  maxGrants?: number;
  /**
   * Whether the store answers (its `/health` section). While it does not, no request
   * draws from a grant: each reserves its own and is refused as an outage (503), as
   * without grants, rather than spending what could not be paid in.
   */
  storeAnswers?: () => boolean;
  /**
   * Whether a reservation made at this time (the clock's ms) surely still holds its
   * amount (the lease keeper's `holds`). One whose lease may have run out during an
   * outage may have been released by another instance's sweep: its grant is given up,
   * not drawn from, since payments into a released reservation would count nothing.
   */
  leaseHolds?: (madeAt: number) => boolean;
}

/** A grant never holds more than this share of the smallest budget it is charged to. */
export const GRANT_SHARE_OF_LIMIT = 1 / 20;

/**
 * One reservation in the store that many requests on the same accounts draw from in
 * this process. All amounts are whole micro-dollars, as the stores count them.
 */
interface Grant {
  key: string;
  accounts: BudgetAccount[];
  reservationId: string;
  /** What the store holds for it: what it reserved, less what its requests spent and what it gave back. */
  held: number;
  /** The maximum costs of the requests in flight under it. */
  drawn: number;
  inFlight: number;
  lastDrawAt: number;
  /** When its reservation was asked for: its lease runs from then at the earliest. */
  openedAt: number;
  /** No new request draws from it; it ends when its last request settles. */
  retired: boolean;
  /** What its settled requests spent and freed, not yet sent to the store. */
  payment: Payment | undefined;
  /** How many payments were sent into its reservation: the next one's id. */
  paymentsSent: number;
  /** Payments an outage left unanswered (counted or not): sent again, with their ids, before the grant ends. */
  unsure: SentPayment[];
}

/**
 * A payment as it was sent: sent again with the same id, the store counts it once
 * whether or not the first one reached it.
 */
interface SentPayment {
  id: string;
  actual: number;
  released: number;
}

/** A reservation the store failed to settle, and the spend it still owes: settled again until the store takes it. */
interface Unsettled {
  micros: number;
  /** Payments into the reservation to send again (same ids) before it is settled. */
  unsure: SentPayment[];
  /** What failed, for the log. */
  what: string;
  failures: number;
  /** When it is tried next (Infinity while a try is under way). */
  retryAt: number;
}

/** Spend and give-back of one grant, summed until they are paid together. */
class Payment {
  actual = 0;
  released = 0;
  readonly paid: Promise<void>;
  resolve!: () => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.paid = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

/** What one request holds: a part of a grant, or a reservation of its own. */
export type BudgetHold =
  | { kind: 'grant'; grant: Grant; micros: number }
  | { kind: 'own'; reservationId: string; micros: number; key: string };

export type HoldResult = { ok: true; hold: BudgetHold } | { ok: false; exhausted: string };

function toMicros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

/**
 * A maximum cost as a hold: whole micro-dollars rounded up, so a call that may cost
 * anything holds at least one. Rounded to the nearest, a maximum below half a
 * micro-dollar (a short embeddings input) held 0, which fits every budget: a spent or
 * $0 budget kept serving such calls. The product is first rounded to a nano-dollar, so
 * float noise (1.1e-5 × 1e6 is 11.000000000000002) does not add a micro-dollar.
 */
export function holdMicros(usd: number): number {
  return Math.ceil(Math.round(usd * 1_000_000_000) / 1000);
}

function toUsd(micros: number): number {
  return micros / 1_000_000;
}

/** Account sets that carry a rest of a micro-dollar to their next request (see `carry`). */
const maxCarried = 10_000;
const PICOS_PER_USD = 1_000_000_000_000;
const PICOS_PER_MICRO = 1_000_000;

/** Retries of a failed settlement back off up to this. */
const maxRetryDelayMs = 30_000;

/**
 * The first account that could not hold `micros` even when empty. A maximum that is
 * not a whole count of micro-dollars the stores can keep (NaN or Infinity from a price,
 * more than 2^53) fits none; stores would throw on it.
 */
function tooLargeFor(accounts: readonly BudgetAccount[], micros: number): string | undefined {
  // A loop, not find(): no closure per request.
  for (const account of accounts) if (!(micros <= toMicros(account.limitUsd))) return account.owner;
  return Number.isSafeInteger(micros) ? undefined : accounts[0]?.owner;
}

/** The accounts and windows a grant is for: a new window is a new grant (a changed limit replaces it: see `draw`). */
export function grantKey(accounts: readonly BudgetAccount[]): string {
  let key = '';
  for (const account of accounts) key += `${account.owner}\n${account.windowStart}\n`;
  return key;
}

/** The same limits, account by account (the accounts themselves are the same: they made the key). */
function sameLimits(a: readonly BudgetAccount[], b: readonly BudgetAccount[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.limitUsd !== b[i]!.limitUsd) return false;
  return true;
}

/**
 * Budget grants: instead of one store reservation per request (a round trip to the
 * store before the provider is called, and a second write after), a process reserves
 * a few requests' worth of budget at once and lets each request on the same accounts
 * draw its maximum cost from it in memory. Each request still pays its real cost into
 * the store when it is over (`settlePart`; a grant's payments are summed and sent
 * together within `payWithinMs`), so what was spent is as durable as before, but for
 * that last window: a process that dies loses the unspent rest of its grants, which
 * their lease gives back, and at most `payWithinMs` of payments.
 *
 * Exactness is kept where it matters:
 * - spent + held never exceeds a limit: a grant is a reservation like any other;
 * - a grant holds `requests` maximum costs (twice the requests in flight when more
 *   are) and never more than 1/20 of the smallest limit; a budget too small for two
 *   requests under that share is reserved per request;
 * - near the limit, a grant that cannot be opened falls back to reserving the one
 *   request, after this process gave back what its grants on the account hold unused:
 *   within a process no request is refused while its own grants could have paid it.
 *   Across processes, another's unused grant (at most 1/20 of the limit) can refuse a
 *   request early until it idles out (`idleMs`);
 * - a store that fails mid-way neither loses nor doubles a payment: each carries an
 *   id, and one an outage left unanswered (rolled back, committed with its reply lost,
 *   or still running late) is sent again with the same id before its grant ends, which
 *   the store counts once; a settlement (a grant's end, a request's own) the store
 *   failed is settled again until it takes it, since this process renews its own leases;
 * - a real cost no store can count (NaN, Infinity, beyond 2^53 micro-dollars) is
 *   charged as the request's maximum, and a maximum no store can count is refused.
 */
export class BudgetGrants {
  private readonly grants = new Map<string, Grant>();
  /** A grant being opened, per key: the requests that come meanwhile wait for it instead of opening their own. */
  private readonly opening = new Map<string, Promise<Grant | undefined>>();
  private sweeper: NodeJS.Timeout | undefined;
  private readonly maxGrants: number;
  /** Grants being ended (their reservation deleted), for close() to wait on. */
  private readonly ending = new Set<Promise<void>>();
  /** Grants with a payment to send, and the timer that sends them. */
  private due: Grant[] = [];
  private paymentTimer: NodeJS.Timeout | undefined;
  /**
   * Reservations whose settlement the store failed, by id. Settling is idempotent (the
   * store deletes a reservation as it settles it), so they are settled again until it
   * takes them: this process renews its leases, so the lease alone would not give them back.
   */
  private readonly unsettled = new Map<string, Unsettled>();
  /** What each account set's requests cost beyond whole micro-dollars, in nano-dollars (under 1,000), not yet paid. */
  private readonly carried = new Map<string, number>();
  private readonly tickMs: number;
  /** close() began: failed settlements get its last try, not a timer. */
  private closing = false;

  constructor(
    private readonly store: BudgetStore,
    private readonly lease: ReservationLease,
    private readonly options: BudgetGrantsOptions,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.maxGrants = options.maxGrants ?? 10_000;
    this.tickMs = Math.max(Math.floor(options.idleMs / 2), 1);
  }

  /**
   * Holds `maxCostUsd` on every account: from a grant when one can pay it, else with a
   * reservation of its own. `key` is `grantKey(accounts)`, for a caller that keeps it.
   */
  async hold(accounts: BudgetAccount[], maxCostUsd: number, key = grantKey(accounts)): Promise<HoldResult> {
    const micros = holdMicros(maxCostUsd);
    const tooLarge = tooLargeFor(accounts, micros);
    if (tooLarge !== undefined) return { ok: false, exhausted: tooLarge };
    const cap = this.grantCap(accounts, micros);
    if (cap === 0 || this.options.storeAnswers?.() === false) return this.holdOwn(accounts, micros, key);
    const current = this.grants.get(key);
    const fromCurrent = this.draw(current, accounts, micros);
    if (fromCurrent) return { ok: true, hold: fromCurrent };
    const pending = this.opening.get(key);
    if (pending) {
      const fromOpened = this.draw(await pending, accounts, micros);
      if (fromOpened) return { ok: true, hold: fromOpened };
      return this.holdOwn(accounts, micros, key);
    }
    // Sized for the requests it will serve: `requests` of them, or twice as many as are in flight on the grant it replaces.
    const opened = this.open(key, accounts, Math.min(cap, micros * Math.max(this.options.requests, 2 * (current?.inFlight ?? 0))));
    this.opening.set(key, opened);
    try {
      const grant = await opened;
      const hold = this.draw(grant, accounts, micros);
      return hold ? { ok: true, hold } : this.holdOwn(accounts, micros, key);
    } finally {
      this.opening.delete(key);
    }
  }

  /**
   * Pays the request's real cost and lets go of its hold. Says whether this spend may
   * have brought an account to its limit: only a request that reached its own maximum,
   * or one that used up what its grant held, can (holds keep spent + held ≤ limit).
   */
  async settle(hold: BudgetHold, actualUsd: number): Promise<boolean> {
    const actual = this.payable(actualUsd, hold.micros, hold.kind === 'own' ? hold.key : hold.grant.key);
    if (hold.kind === 'own') {
      await this.settleReservation(hold.reservationId, actual, 'settling a budget reservation');
      return actual >= hold.micros;
    }
    const grant = hold.grant;
    const usedUp = actual >= grant.held;
    // Counted at once, so the next request can draw what this one freed...
    grant.held -= Math.min(grant.held, actual);
    grant.drawn -= hold.micros;
    // ...unless no request may draw any more: then what it freed goes back with the payment.
    const released = grant.retired ? Math.max(grant.held - grant.drawn, 0) : 0;
    grant.held -= released;
    try {
      if (actual > 0 || released > 0) await this.pay(grant, actual, released);
    } catch (error) {
      // No request draws from this grant again; a payment an outage left unanswered is sent again when it ends.
      this.forget(grant);
      throw error;
    } finally {
      // ...but in flight until paid: a grant ends only after its last payment reached the store.
      grant.inFlight--;
      if (grant.retired && grant.inFlight === 0) await this.end(grant);
    }
    return actual >= hold.micros || usedUp;
  }

  /**
   * Pays what is due and gives back every grant. A grant whose requests are still
   * unpaid ends once they are paid, and close waits for that; one with requests still
   * running keeps what they hold until they settle (or its lease expires).
   */
  async close(): Promise<void> {
    this.closing = true;
    this.stopSweeper();
    const paying = this.due.map((grant) => grant.payment!.paid.catch(() => undefined));
    this.payDue();
    await Promise.all([...this.grants.values()].map((grant) => this.retire(grant)));
    await Promise.all(paying);
    // The settlements those payments finish end their grants in the turns after.
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(this.ending);
    await this.settleUnsettledOnce();
  }

  /**
   * A real cost the stores can count: a whole, non-negative number of micro-dollars below
   * 2^53. Costs are taken to the pico-dollar (exact up to about $9,000 a request; a dearer
   * one to the micro-dollar), and what an account set's requests cost below a whole
   * micro-dollar is carried to its next request (`carry`), so spend adds up to the
   * micro-dollar. Taken to the nano-dollar, a catalog price with six decimals (a cached
   * token at $0.00875 a million: 8.75 nano-dollars) was rounded on every request, and
   * 20,000 of them paid 180 micro-dollars where the ledger charged 175. Anything else (NaN, Infinity, 1e302 from an upstream's absurd
   * usage) is charged as the request's maximum: a payment is shared by the grant's
   * requests, and one the store refuses would lose all of theirs.
   */
  private payable(actualUsd: number, maxMicros: number, key: string): number {
    const picos = Math.round(actualUsd * PICOS_PER_USD);
    // Room left for a carried rest, so the sum stays exact.
    if (picos >= 0 && picos <= Number.MAX_SAFE_INTEGER - PICOS_PER_MICRO) return this.carry(key, picos);
    const micros = toMicros(actualUsd);
    if (Number.isSafeInteger(micros) && micros >= 0) return micros;
    this.logger.warn({ actualUsd: String(actualUsd), chargedUsd: toUsd(maxMicros) }, 'a request cost no store can count; charging its maximum instead');
    return maxMicros;
  }

  /**
   * The whole micro-dollars of `picos` and of what the account set carried; the rest,
   * under one, is carried to its next request. Each request's cost rounded on its own
   * lost or added up to half a micro-dollar, every time: requests of 0.4 micro-dollars
   * (short embeddings inputs) never moved a budget the ledger charged. At most
   * `maxCarried` account sets carry a rest (the oldest is dropped, less than a
   * micro-dollar); a process that ends loses what it carried, as little.
   */
  private carry(key: string, picos: number): number {
    const total = picos + (this.carried.get(key) ?? 0);
    const rest = total % PICOS_PER_MICRO;
    this.carried.delete(key);
    if (rest > 0) {
      if (this.carried.size >= maxCarried) this.carried.delete(this.carried.keys().next().value!);
      this.carried.set(key, rest);
    }
    return (total - rest) / PICOS_PER_MICRO;
  }

  /** The most a grant on these accounts may hold; 0 when they are reserved per request (too small a budget for two such requests). */
  private grantCap(accounts: readonly BudgetAccount[], micros: number): number {
    if (this.options.requests === 0 || micros <= 0 || !this.store.settlePart) return 0;
    let smallestLimit = Number.POSITIVE_INFINITY;
    for (const account of accounts) smallestLimit = Math.min(smallestLimit, toMicros(account.limitUsd));
    const cap = Math.floor(smallestLimit * GRANT_SHARE_OF_LIMIT);
    return cap >= 2 * micros ? cap : 0;
  }

  /** A hold on the grant if it can pay `micros` under the same limits (a changed limit opens a new grant, which retires this one). */
  private draw(grant: Grant | undefined, accounts: readonly BudgetAccount[], micros: number): BudgetHold | undefined {
    if (!grant || grant.retired || grant.held - grant.drawn < micros || !sameLimits(grant.accounts, accounts)) return undefined;
    if (this.options.leaseHolds?.(grant.openedAt) === false) {
      void this.retire(grant);
      return undefined;
    }
    grant.drawn += micros;
    grant.inFlight++;
    grant.lastDrawAt = this.clock();
    return { kind: 'grant', grant, micros };
  }

  /**
   * Opens a new grant for `key` after retiring the one it replaces (its unused part is
   * given back first, so the new reservation can use it). Refused by the store (the
   * budget has less than a grant left) or over the grant count: none.
   */
  private async open(key: string, accounts: BudgetAccount[], size: number): Promise<Grant | undefined> {
    const previous = this.grants.get(key);
    if (previous) await this.retire(previous);
    if (this.grants.size >= this.maxGrants) return undefined;
    const openedAt = this.clock();
    const result = await this.store.reserve(accounts, toUsd(size), this.lease);
    if (!result.ok) return undefined;
    const grant: Grant = {
      key,
      accounts,
      reservationId: result.reservationId,
      held: size,
      drawn: 0,
      inFlight: 0,
      lastDrawAt: this.clock(),
      openedAt,
      retired: false,
      payment: undefined,
      paymentsSent: 0,
      unsure: [],
    };
    this.grants.set(key, grant);
    this.startSweeper();
    return grant;
  }

  /** Adds to the grant's next payment; resolves once the store took it. */
  private pay(grant: Grant, actual: number, released: number): Promise<void> {
    let payment = grant.payment;
    if (!payment) {
      payment = grant.payment = new Payment();
      this.due.push(grant);
      this.paymentTimer ??= setTimeout(this.payDue, this.options.payWithinMs ?? 0);
    }
    payment.actual += actual;
    payment.released += released;
    return payment.paid;
  }

  /** Sends every grant's payment, all in the same turn (one message to a store's thread). */
  private readonly payDue = (): void => {
    clearTimeout(this.paymentTimer);
    this.paymentTimer = undefined;
    const due = this.due;
    this.due = [];
    for (const grant of due) {
      const payment = grant.payment!;
      grant.payment = undefined;
      this.sendPayment(grant, { id: this.nextPaymentId(grant), actual: payment.actual, released: payment.released }).then(payment.resolve, payment.reject);
    }
  };

  /**
   * One grant's payment; a store that throws instead of rejecting fails this payment only
   * (this runs in a timer, where a throw would end the process). One an outage left
   * unanswered may or may not have been counted: it is kept, to be sent again with its id.
   */
  private async sendPayment(grant: Grant, payment: SentPayment): Promise<void> {
    try {
      await this.store.settlePart!(grant.reservationId, toUsd(payment.actual), toUsd(payment.released), payment.id);
    } catch (error) {
      if (isStoreOutage(error)) grant.unsure.push(payment);
      throw error;
    }
  }

  /** Unique within the grant's reservation, which is all the store asks of it. */
  private nextPaymentId(grant: Grant): string {
    return `pay_${++grant.paymentsSent}`;
  }

  /**
   * A reservation for this request alone. Refused on an account this process's grants
   * hold unused budget on, it is tried again once those are given back; so for each
   * account the store names in turn (the team's, after the key's), once at most.
   */
  private async holdOwn(accounts: BudgetAccount[], micros: number, key: string): Promise<HoldResult> {
    const givenBack = new Set<string>();
    for (;;) {
      const result = await this.store.reserve(accounts, toUsd(micros), this.lease);
      if (result.ok) return { ok: true, hold: { kind: 'own', reservationId: result.reservationId, micros, key } };
      if (givenBack.has(result.exhausted)) return result;
      givenBack.add(result.exhausted);
      const unused = [...this.grants.values()].filter((grant) => grant.held > grant.drawn && grant.accounts.some((account) => account.owner === result.exhausted));
      if (unused.length === 0) return result;
      await Promise.all(unused.map((grant) => this.retire(grant)));
    }
  }

  /** No new draws: an idle grant ends now; one in flight gives back its unused part now and ends with its last request. */
  private async retire(grant: Grant): Promise<void> {
    if (!grant.retired) {
      this.forget(grant);
      if (grant.inFlight === 0) return this.end(grant);
    }
    const unused = grant.held - grant.drawn;
    if (unused <= 0) return;
    grant.held -= unused;
    // Ending the grant settles the whole reservation: a give-back that failed goes back then.
    await this.tolerate('giving back the unused part of a budget grant failed; it goes back when the grant ends', () =>
      this.store.settlePart!(grant.reservationId, 0, toUsd(unused), this.nextPaymentId(grant)),
    );
  }

  /** No request draws from it any more. */
  private forget(grant: Grant): void {
    grant.retired = true;
    if (this.grants.get(grant.key) === grant) this.grants.delete(grant.key);
  }

  /**
   * Ends the grant's reservation: what it still holds goes back; what its requests paid
   * stays spent, the payments an outage left unanswered included (sent again first).
   */
  private end(grant: Grant): Promise<void> {
    grant.held = 0;
    const ending = this.settleReservation(grant.reservationId, 0, 'ending a budget grant', grant.unsure).catch(() => undefined);
    this.ending.add(ending);
    void ending.finally(() => this.ending.delete(ending));
    return ending;
  }

  /**
   * Settles a reservation after sending again, with their ids, the payments into it an
   * outage left unanswered (`unsure`, emptied as the store takes them); one the store
   * fails is remembered and settled again later, and the error thrown.
   */
  private async settleReservation(reservationId: string, micros: number, what: string, unsure: SentPayment[] = []): Promise<void> {
    try {
      await this.payAgain(reservationId, unsure);
      await this.store.settle(reservationId, toUsd(micros));
    } catch (error) {
      this.settleLater(reservationId, micros, what, error, unsure);
      throw error;
    }
    if (this.unsettled.delete(reservationId)) this.logger.info({ reservationId }, `${what} succeeded when tried again`);
  }

  /**
   * Sends again the payments an outage left unanswered, each with its id, so each counts
   * once. One the store refuses (not an outage) would be refused again: it is dropped,
   * as its first sending was.
   */
  private async payAgain(reservationId: string, unsure: SentPayment[]): Promise<void> {
    while (unsure.length > 0) {
      const payment = unsure[0]!;
      try {
        await this.store.settlePart!(reservationId, toUsd(payment.actual), toUsd(payment.released), payment.id);
      } catch (error) {
        if (isStoreOutage(error)) throw error;
        this.logger.error({ err: error, reservationId, paymentId: payment.id }, 'the store refused a budget payment sent again; it is not counted');
      }
      unsure.shift();
    }
  }

  /** Remembers a failed settlement, to be tried again after a delay that doubles with each failure. */
  private settleLater(reservationId: string, micros: number, what: string, error: unknown, unsure: SentPayment[]): void {
    const failures = (this.unsettled.get(reservationId)?.failures ?? 0) + 1;
    const delay = Math.min(this.tickMs * 2 ** Math.min(failures - 1, 20), maxRetryDelayMs);
    this.unsettled.set(reservationId, { micros, unsure, what, failures, retryAt: this.clock() + delay });
    // Logged once: the store logs its outage itself.
    if (failures === 1) this.logger.warn({ err: error, reservationId }, `${what} failed; trying again (its amount stays held meanwhile)`);
    if (!this.closing) this.startSweeper();
  }

  /** The failed settlements that are due, tried again (each one try at a time). */
  private retryUnsettled(): void {
    const now = this.clock();
    for (const [reservationId, entry] of this.unsettled) {
      if (entry.retryAt > now) continue;
      entry.retryAt = Number.POSITIVE_INFINITY;
      void this.settleReservation(reservationId, entry.micros, entry.what, entry.unsure).catch(() => undefined);
    }
  }

  /**
   * At close, a last try each: this process stops renewing its leases, so a reservation still
   * failing goes back when its lease expires, but the spend it owed never reaches the budget
   * (the ledger has it). Those are said in one line: how many, and how much spend at most (a
   * payment an outage left unanswered may have counted).
   */
  private async settleUnsettledOnce(): Promise<void> {
    const left = [...this.unsettled];
    this.unsettled.clear();
    let failed = 0;
    let unpaidMicros = 0;
    let lastError: unknown;
    const kinds = new Set<string>();
    await Promise.all(
      left.map(async ([reservationId, entry]) => {
        try {
          await this.payAgain(reservationId, entry.unsure);
          await this.store.settle(reservationId, toUsd(entry.micros));
        } catch (error) {
          failed++;
          kinds.add(entry.what);
          unpaidMicros += entry.micros;
          for (const payment of entry.unsure) unpaidMicros += payment.actual;
          lastError = error;
        }
      }),
    );
    if (failed === 0) return;
    const unpaidUsd = toUsd(unpaidMicros);
    this.logger.error(
      { err: lastError, unsettled: failed, unpaidUsd },
      `${[...kinds].join(', ')} failed; the budget store did not take ${failed} settlement${failed === 1 ? '' : 's'} before shutdown: their holds go back when their leases run out, and up to $${unpaidUsd} of spend the usage ledger records is not in the budget`,
    );
  }

  private startSweeper(): void {
    this.sweeper ??= setInterval(() => this.sweep(), this.tickMs).unref();
  }

  private stopSweeper(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Retires the grants nobody drew from for `idleMs` and retries failed settlements; stops itself when there is nothing left to do. */
  private sweep(): void {
    const idleSince = this.clock() - this.options.idleMs;
    for (const grant of this.grants.values()) {
      if (grant.inFlight === 0 && grant.lastDrawAt <= idleSince) void this.retire(grant);
    }
    this.retryUnsettled();
    if (this.grants.size === 0 && this.unsettled.size === 0) this.stopSweeper();
  }

  /**
   * Logs `failure` instead of throwing, whether the store rejects or throws at once
   * (these run from the sweeper's timer, where either would otherwise end the process).
   */
  private async tolerate(failure: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn({ err: error }, failure);
    }
  }
}
