import { EventEmitter } from 'node:events';
import {
  GatewayError,
  isGatewayError,
  matchesModelPattern,
  type Deployment,
  type HealthSection,
  type Interceptor,
  type Logger,
  type ProviderResult,
} from '@switchyard/core';
import CircuitBreaker from 'opossum';
import type { BreakerSettings, CircuitBreakerOptions } from './circuit-breaker-options.js';
import { countsAsBreakerFailure } from './counts-as-breaker-failure.js';

/** A breaker's state as `GET /health` reports it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** One deployment's breaker in `GET /health`: its state and the counts of its rolling window. */
export interface BreakerReport {
  state: BreakerState;
  /** Attempts that failed in a way that counts (5xx, timeouts, unreachable, upstream 429). */
  failures: number;
  /** Attempts that succeeded, or failed in a way that does not count (the client's 4xx). */
  successes: number;
  /** Attempts refused without calling the upstream because the circuit was open. */
  rejects: number;
  /** Every attempt, refused ones included. */
  fires: number;
}

/** The `circuit_breakers` section of `GET /health`. */
export interface BreakersHealth extends HealthSection {
  breakers: Record<string, BreakerReport>;
}

type Attempt = () => Promise<ProviderResult>;

/** What one `fire` knows about itself, for the error filter. */
interface FireInfo {
  /** Whether this attempt is the single one let through while half-open. */
  probe: boolean;
}

interface Entry {
  breaker: CircuitBreaker<[Attempt, FireInfo], ProviderResult>;
  settings: BreakerSettings;
}

/** opossum keeps its rolling window in this many buckets. */
const bucketsPerWindow = 10;

/** Whether a deployment is one the operator knows (configured or listed by its provider). */
export type IsKnownDeployment = (name: string) => boolean;

/**
 * One opossum breaker per deployment (`provider/model`), made on first use. The
 * interceptor runs each attempt through its deployment's breaker: an open circuit
 * refuses at once with a retryable `upstream_overloaded`, so a route plan moves on to
 * the next deployment without touching the failing one.
 *
 * Model names come from clients. Deployments `isKnown` accepts (configured under
 * `models:`, named in `deployments:`, listed by their provider) keep their breakers,
 * up to `max_breakers`; any other name shares a small pool of `max_unlisted_breakers`,
 * least recently used dropped first, so neither memory nor `GET /health` grows
 * with the names clients make up.
 */
export class DeploymentBreakers {
  /** Known deployments, in least-recently-used order: the first entry is the next to be dropped. */
  private readonly entries = new Map<string, Entry>();
  /** Names no one configured or listed, in least-recently-used order. */
  private readonly unlisted = new Map<string, Entry>();
  /**
   * One timer per window length rotates the buckets of every breaker using it,
   * instead of opossum's timer per breaker.
   */
  private readonly rotations = new Map<number, { emitter: EventEmitter; timer: NodeJS.Timeout }>();
  private closed = false;

  /** `isKnown` defaults to "every deployment is known" (then only `max_breakers` bounds them). */
  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly logger: Logger,
    private readonly isKnown: IsKnownDeployment = () => true,
  ) {}

  /** Register it on `context.interceptors`: it wraps every attempt at a deployment. */
  readonly interceptor: Interceptor = (next) => (deployment, options) => this.call(deployment, () => next(deployment, options));

  /** Runs one attempt at a deployment through that deployment's breaker. */
  async call(deployment: Deployment, attempt: Attempt): Promise<ProviderResult> {
    if (this.closed) return attempt();
    const name = deploymentName(deployment);
    const entry = this.entryFor(name);
    // fire() lets the half-open probe through synchronously, so whether this one is
    // the probe is known before anything else can fire.
    const info: FireInfo = { probe: entry.breaker.halfOpen && entry.breaker.pendingClose };
    try {
      return await entry.breaker.fire(attempt, info);
    } catch (error) {
      if (isOpenCircuitRefusal(error)) throw this.refusal(name, deployment);
      throw error;
    }
  }

  /** The state and window counts of every breaker; unhealthy only when every known breaker is open. */
  health(): BreakersHealth {
    const breakers: Record<string, BreakerReport> = {};
    let anyNotOpen = false;
    for (const [name, { breaker }] of this.allEntries()) {
      const state = breakerState(breaker);
      if (state !== 'open') anyNotOpen = true;
      const { failures, successes, rejects, fires } = breaker.stats;
      breakers[name] = { state, failures, successes, rejects, fires };
    }
    return { healthy: this.entries.size + this.unlisted.size === 0 || anyNotOpen, breakers };
  }

  /**
   * The state of every breaker of a known deployment, for metrics: names from the
   * unlisted pool are a client's strings, so they are counted together, not named.
   */
  states(): { known: Map<string, BreakerState>; unlisted: Record<BreakerState, number> } {
    const known = new Map<string, BreakerState>();
    for (const [name, { breaker }] of this.entries) known.set(name, breakerState(breaker));
    const unlisted: Record<BreakerState, number> = { closed: 0, open: 0, 'half-open': 0 };
    for (const [, { breaker }] of this.unlisted) unlisted[breakerState(breaker)]++;
    return { known, unlisted };
  }

  /** The state of one deployment's breaker, or undefined when it has none yet. */
  stateOf(deployment: Deployment): BreakerState | undefined {
    const name = deploymentName(deployment);
    const entry = this.entries.get(name) ?? this.unlisted.get(name);
    return entry && breakerState(entry.breaker);
  }

  /** How many breakers are kept: for known deployments, and for the rest. */
  get size(): { known: number; unlisted: number } {
    return { known: this.entries.size, unlisted: this.unlisted.size };
  }

  /** Stops every breaker's timers; later attempts pass straight through. */
  shutdown(): void {
    this.closed = true;
    for (const [, { breaker }] of this.allEntries()) breaker.shutdown();
    this.entries.clear();
    this.unlisted.clear();
    for (const { timer } of this.rotations.values()) clearInterval(timer);
    this.rotations.clear();
  }

  private entryFor(name: string): Entry {
    const known = this.isKnown(name);
    const entries = known ? this.entries : this.unlisted;
    const limit = known ? this.options.max_breakers : this.options.max_unlisted_breakers;
    let entry = entries.get(name);
    if (entry) {
      // Re-inserting keeps the map in least-recently-used order.
      entries.delete(name);
    } else {
      entry = this.createEntry(name);
      const oldest = entries.size >= limit ? entries.keys().next().value : undefined;
      if (oldest !== undefined) {
        entries.get(oldest)?.breaker.shutdown();
        entries.delete(oldest);
      }
    }
    entries.set(name, entry);
    return entry;
  }

  private *allEntries(): IterableIterator<[string, Entry]> {
    yield* this.entries;
    yield* this.unlisted;
  }

  private createEntry(name: string): Entry {
    const settings = this.settingsFor(name);
    const breaker = new CircuitBreaker<[Attempt, FireInfo], ProviderResult>((attempt) => attempt(), {
      name,
      // The transport owns timeouts (connect, headers, stalled body); a second clock
      // here would reject while the upstream call carries on.
      timeout: false,
      errorThresholdPercentage: settings.error_threshold_percentage,
      volumeThreshold: settings.volume_threshold,
      rollingCountTimeout: settings.rolling_window_ms,
      rollingCountBuckets: bucketsPerWindow,
      resetTimeout: settings.reset_timeout_ms,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: this.rotationFor(settings.rolling_window_ms),
      // True means "not a failure": opossum then counts the attempt as a success.
      errorFilter: (error: unknown, ...args: unknown[]) => {
        if (countsAsBreakerFailure(error)) return false;
        const info = args[1] as FireInfo | undefined;
        if (info?.probe && isClientGone(error)) {
          // The probe told us nothing about the upstream (the client left first, which
          // is likely when the upstream hangs): stay open and probe again later,
          // rather than let opossum's "success" close the circuit.
          breaker.open();
        }
        return true;
      },
    });
    const entry: Entry = { breaker, settings };
    breaker.on('open', () => {
      const { failures, fires } = breaker.stats;
      this.logger.warn({ deployment: name, failures, fires, resetTimeoutMs: settings.reset_timeout_ms }, 'circuit opened: attempts at this deployment are refused until it recovers');
    });
    breaker.on('halfOpen', () => this.logger.info({ deployment: name }, 'circuit half-open: the next attempt probes the deployment'));
    breaker.on('close', () => this.logger.info({ deployment: name }, 'circuit closed: the deployment answers again'));
    return entry;
  }

  private settingsFor(name: string): BreakerSettings {
    const { deployments, error_threshold_percentage, volume_threshold, rolling_window_ms, reset_timeout_ms } = this.options;
    const defaults: BreakerSettings = { error_threshold_percentage, volume_threshold, rolling_window_ms, reset_timeout_ms };
    const exact = Object.hasOwn(deployments, name) ? deployments[name] : undefined;
    const override = exact ?? Object.entries(deployments).find(([pattern]) => pattern.includes('*') && matchesModelPattern(name, [pattern]))?.[1];
    return { ...defaults, ...override };
  }

  private rotationFor(windowMs: number): EventEmitter {
    let rotation = this.rotations.get(windowMs);
    if (!rotation) {
      const emitter = new EventEmitter();
      // One listener per breaker with this window: there may be many.
      emitter.setMaxListeners(0);
      const timer = setInterval(() => emitter.emit('rotate'), Math.max(1, Math.floor(windowMs / bucketsPerWindow)));
      timer.unref();
      rotation = { emitter, timer };
      this.rotations.set(windowMs, rotation);
    }
    return rotation.emitter;
  }

  /**
   * No Retry-After: the route step waits at least what an error asks for before its
   * next round, and the time left on a circuit must not hold back the other
   * deployments' retries.
   */
  private refusal(name: string, deployment: Deployment): GatewayError {
    return new GatewayError('upstream_overloaded', `circuit open for ${name}`, { provider: deployment.provider, retryable: true });
  }

}

function deploymentName(deployment: Deployment): string {
  return `${deployment.provider}/${deployment.model}`;
}

function breakerState(breaker: { opened: boolean; halfOpen: boolean }): BreakerState {
  if (breaker.opened) return 'open';
  if (breaker.halfOpen) return 'half-open';
  return 'closed';
}

function isOpenCircuitRefusal(error: unknown): boolean {
  return error instanceof Error && CircuitBreaker.isOurError(error) && (error as { code?: unknown }).code === 'EOPENBREAKER';
}

function isClientGone(error: unknown): boolean {
  return isGatewayError(error) && error.code === 'client_closed_request';
}
