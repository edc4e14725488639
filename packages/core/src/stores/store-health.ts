import { redactSecrets } from '../errors/redact-secrets.js';
import type { HealthSection } from '../gateway/gateway-runtime.js';
import type { Logger } from '../logging/create-logger.js';

export interface StoreHealthOptions {
  /** What `/health` and the logs call the store: `postgres`, `sqlite`. */
  backend: string;
  logger: Logger;
  /** Failures are logged at most once per this many ms, with how many there were (default 60 s). */
  logIntervalMs?: number;
  clock?: () => number;
}

/**
 * Whether a store answers: the outcome of its last call, since when it has been
 * failing and why. Logs the first failure at once, then at most once per interval
 * with the count of failures in between, and once when the store answers again —
 * never once per request or batch.
 *
 * Outcomes arrive in the order calls end, not the order they began. A call begun before the
 * store last changed state (see {@link StoreHealth.begin}) tells nothing about it now: its late
 * error (a connection reset as the network came back, a wait for a pool slot that timed out)
 * does not start an outage after the store was seen back, and its late answer does not end
 * one it began before; otherwise one outage was logged "unavailable", "back", "unavailable".
 */
export class StoreHealth {
  private failingSince: number | undefined;
  private lastError: string | undefined;
  private failures = 0;
  private unloggedFailures = 0;
  private lastLoggedAt = -Infinity;
  /** Counts the changes of state (failing, then answering again): what a call began in. */
  private changes = 0;
  private readonly clock: () => number;
  private readonly logIntervalMs: number;

  constructor(private readonly options: StoreHealthOptions) {
    this.clock = options.clock ?? Date.now;
    this.logIntervalMs = options.logIntervalMs ?? 60_000;
  }

  /** True from a failed call until the next call that succeeds. */
  get failing(): boolean {
    return this.failingSince !== undefined;
  }

  /**
   * Taken as a call begins, and given with its outcome to {@link succeeded} or {@link failed}:
   * an outcome of a call begun before the store last changed state is stale.
   */
  begin(): number {
    return this.changes;
  }

  /** `begun`: what {@link begin} said as the call began; without it, the outcome is taken as current. */
  succeeded(begun?: number): void {
    if (this.failingSince === undefined || this.stale(begun)) return;
    this.changes++;
    this.options.logger.info(
      { store: this.options.backend, failures: this.failures, downMs: this.clock() - this.failingSince },
      'store reachable again',
    );
    this.failingSince = undefined;
    this.lastError = undefined;
    this.failures = 0;
    this.unloggedFailures = 0;
    this.lastLoggedAt = -Infinity;
  }

  failed(error: unknown, begun?: number): void {
    // Begun before the store was seen back: an error from then, not a new outage.
    if (this.failingSince === undefined && this.stale(begun)) return;
    const now = this.clock();
    if (this.failingSince === undefined) {
      this.failingSince = now;
      this.changes++;
    }
    this.lastError = describeStoreError(error);
    this.failures++;
    this.unloggedFailures++;
    if (now - this.lastLoggedAt < this.logIntervalMs) return;
    this.options.logger.warn(
      { store: this.options.backend, err: this.lastError, failures: this.unloggedFailures, failingSinceMs: now - this.failingSince },
      'store unavailable: requests that need it answer 503 store_unavailable',
    );
    this.lastLoggedAt = now;
    this.unloggedFailures = 0;
  }

  private stale(begun: number | undefined): boolean {
    return begun !== undefined && begun !== this.changes;
  }

  /** The store's part of `GET /health`: degraded (unhealthy) while its calls fail. */
  section(): HealthSection {
    if (this.failingSince === undefined) return { healthy: true, backend: this.options.backend, status: 'ok' };
    return {
      healthy: false,
      backend: this.options.backend,
      status: 'degraded',
      since: new Date(this.failingSince).toISOString(),
      failures: this.failures,
      last_error: this.lastError,
    };
  }
}

/** A short, secret-free description of a driver error: its code and first line. */
export function describeStoreError(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = redactSecrets(message.split('\n')[0] ?? '').slice(0, 200);
  return typeof code === 'string' && !firstLine.includes(code) ? `${code}: ${firstLine}` : firstLine;
}
