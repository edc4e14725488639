import type { Logger } from '@switchyard/core';
import { isPostgresOutage } from './is-postgres-outage.js';

/** Retries of a release the database did not answer back off from this up to `maxRetryMs`. */
const firstRetryMs = 100;
const maxRetryMs = 30_000;

/**
 * At most this many wait to be released (~1 MB of ids). A database that times out every
 * COMMIT's reply for hours would otherwise grow the set by the request rate; past it the
 * oldest is given up, and stays held until this process's lease on it ends.
 */
export const defaultMaxPending = 10_000;

/**
 * Reservations whose `reserve` may have committed although its caller was told it
 * failed: the reply to its COMMIT was lost (a timeout, a dropped connection). Nobody
 * would settle such a reservation, and this process's lease renewals would keep it
 * held for as long as the process lives; so each is released by the id drawn before
 * the call, one after another, and tried again with a growing delay while the
 * database does not answer. At most `maxPending` wait: past that the oldest is given
 * up (counted in `dropped`, logged): it holds budget (never lets it be overspent) until
 * this process ends and its lease runs out.
 */
export class UncertainReservations {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private droppedCount = 0;
  /** Whether the drops since the set last had room were logged (once per overflow). */
  private dropLogged = false;

  constructor(
    /** Releases one reservation; a no-op for an id that was never committed. */
    private readonly release: (reservationId: string) => Promise<void>,
    private readonly logger: Logger,
    private readonly maxPending = defaultMaxPending,
  ) {}

  /**
   * Whether a release's error is an outage (kept and tried again) rather than a bug (given up):
   * the storage sets its own, which also counts a database changed under the gateway once migrated.
   */
  isOutage: (error: unknown) => boolean = isPostgresOutage;

  /** How many are waiting to be released (for tests and logs). */
  get size(): number {
    return this.pending.size;
  }

  /** How many were given up because `maxPending` were already waiting. */
  get dropped(): number {
    return this.droppedCount;
  }

  add(reservationId: string): void {
    if (this.pending.size >= this.maxPending) this.dropOldest();
    else this.dropLogged = false;
    this.pending.add(reservationId);
    if (!this.timer && !this.running && !this.closed) this.start(0);
  }

  /** A last try for each, without waiting for a retry: past it, their leases (no longer renewed) give them back. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.pending.size > 0) await this.releasePending();
  }

  private dropOldest(): void {
    // A Set iterates in insertion order: the first is the oldest.
    const oldest = this.pending.values().next().value as string;
    this.pending.delete(oldest);
    this.droppedCount++;
    if (this.dropLogged) return;
    this.dropLogged = true;
    this.logger.error(
      { maxPending: this.maxPending, dropped: this.droppedCount, reservationId: oldest },
      'too many budget reservations with an unknown outcome wait to be released; the oldest stays held until this process ends',
    );
  }

  private start(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.releasePending().finally(() => {
        this.running = undefined;
        if (this.pending.size > 0 && !this.timer && !this.closed) this.start(0);
      });
    }, delayMs);
    // Pending releases never keep a process alive: its leases end with it.
    this.timer.unref();
  }

  /** One at a time, in order; the first outage stops the run and schedules the next. */
  private async releasePending(): Promise<void> {
    // A Set visits what is added while it is iterated: ids added during the run are released in it.
    for (const reservationId of this.pending) {
      try {
        await this.release(reservationId);
        this.pending.delete(reservationId);
        if (this.failures > 0) this.logger.info({ reservationId }, 'released a budget reservation whose reserve had an unknown outcome, once the database answered');
        this.failures = 0;
      } catch (error) {
        // The storage's own judgement: once its migrations made the schema, a database changed
        // under the gateway (a failover's read-only standby, rights or login taken away) is an
        // outage here as at the stores' boundary. Given up, the reservation stayed held under this
        // process's renewed lease for as long as it ran.
        if (!this.isOutage(error)) {
          // A bug, not an outage: trying again would fail again. The lease gives it back when this process ends.
          this.pending.delete(reservationId);
          this.logger.error({ err: error, reservationId }, 'could not release a budget reservation whose reserve had an unknown outcome');
          continue;
        }
        this.failures++;
        // Logged once per outage: the store's boundary logs the outage itself.
        if (this.failures === 1) this.logger.warn({ err: error, pending: this.pending.size }, 'releasing budget reservations whose reserve had an unknown outcome failed; trying again');
        if (!this.closed) this.start(Math.min(firstRetryMs * 2 ** Math.min(this.failures - 1, 20), maxRetryMs));
        return;
      }
    }
  }
}
