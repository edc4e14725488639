import type { Logger } from '../logging/create-logger.js';
import type { ResponseStore } from '../stores/response-store.js';
import type { ResponseStoreCounters } from './observe-response-store.js';

/** How often a gateway deletes expired stored responses, unless told otherwise. */
export const DEFAULT_RESPONSE_SWEEP_INTERVAL_MS = 5 * 60_000;

/**
 * Deletes expired stored responses: once when the gateway starts, then every
 * interval, one timer per gateway. Expired responses are already invisible to
 * reads, so the sweep only reclaims space and nothing waits for it. Where
 * instances share the store (PostgreSQL) the store itself lets one sweep at a time
 * (an advisory lock tried, not waited for), so every instance may run this.
 *
 * A failed sweep is logged once for that interval and counted; the next interval
 * tries again. A sweep still running when the next is due is not doubled.
 */
export class ResponseSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: ResponseStore,
    private readonly intervalMs: number,
    private readonly counters: ResponseStoreCounters,
    private readonly logger: Logger,
  ) {
    if (!Number.isFinite(intervalMs) || intervalMs < 1) throw new RangeError(`not a sweep interval: ${intervalMs}`);
  }

  start(): void {
    if (this.timer || this.stopped) return;
    void this.tick();
    // unref: a sweep timer never keeps a process alive on its own.
    this.timer = setInterval(() => void this.tick(), this.intervalMs).unref();
  }

  /** Stops the timer and waits for a sweep under way; no sweep starts afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One sweep (or the one already running). */
  tick(): Promise<void> {
    if (this.stopped) return this.running ?? Promise.resolve();
    this.running ??= this.sweep().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async sweep(): Promise<void> {
    try {
      const swept = await this.store.deleteExpired();
      if (swept > 0) {
        this.counters.countSwept(swept);
        this.logger.debug({ swept }, 'deleted expired stored responses');
      }
    } catch (error) {
      this.counters.countFailure('sweep');
      this.logger.warn({ err: error }, 'sweeping expired stored responses failed; trying again next interval');
    }
  }
}
