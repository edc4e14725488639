import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BudgetStore, Logger, ReservationLease } from '@switchyard/core';

/**
 * Keeps this gateway's budget reservations alive and frees those of gateways that
 * died: one timer per process, not one per request. Every `leaseMs / 3` it renews
 * all reservations held under its holder id, then releases every expired one in the
 * store (a crashed instance's, whoever made them). It sweeps once at start too, so a
 * restart frees what an older run left behind once those leases run out.
 *
 * Renewal runs on every instance (each keeps its own holds alive); the sweep is a
 * leader-only chore where the store shares state (PostgreSQL lets one instance at a
 * time sweep, under an advisory lock; the others get 0 at once).
 *
 * A failed renewal or sweep is logged and tried again next period: a lease outlives
 * two missed renewals, so a store that stalls briefly does not free live holds.
 */
export class BudgetLeaseKeeper {
  /** Names this process in the store; not secret, not derived from a key. */
  readonly holder = `${hostname().slice(0, 64)}:${process.pid}:${randomBytes(6).toString('hex')}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** When the last renewal that succeeded began: every lease renewed by it lasts at least until then + leaseMs. */
  private renewedAt = Date.now();
  /** The latest moment a lease of this process may have run out unrenewed (renewals stopped for longer than a lease). */
  private lapsedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly budgets: BudgetStore,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  /** The lease every reservation of this process carries. */
  get lease(): ReservationLease {
    return { holder: this.holder, ttlMs: this.leaseMs };
  }

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(Math.floor(this.leaseMs / 3), 1)).unref();
  }

  /** Stops the timer and waits for a renewal or sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One renewal and one sweep; a tick still running when the next is due is not doubled. */
  tick(): Promise<void> {
    this.running ??= this.renewAndSweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /**
   * Whether a reservation this process made at `madeAt` (ms) surely still holds its
   * amount: its lease never ran out between renewals, so no sweep (another instance's,
   * after a store outage longer than a lease) can have released it.
   */
  holds(madeAt: number): boolean {
    return madeAt > this.lapsedAt && Date.now() - Math.max(madeAt, this.renewedAt) < this.leaseMs;
  }

  private async renewAndSweep(): Promise<void> {
    try {
      const started = Date.now();
      await this.budgets.renewLeases(this.holder, this.leaseMs);
      if (started - this.renewedAt >= this.leaseMs) this.lapsedAt = this.renewedAt + this.leaseMs;
      this.renewedAt = started;
    } catch (error) {
      this.logger.warn({ err: error }, 'renewing budget reservation leases failed; trying again next period');
    }
    try {
      const released = await this.budgets.releaseExpired();
      if (released > 0) this.logger.warn({ released }, 'released budget reservations whose lease expired (a gateway stopped without settling them)');
    } catch (error) {
      this.logger.warn({ err: error }, 'releasing expired budget reservations failed; trying again next period');
    }
  }
}
