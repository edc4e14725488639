import { EventEmitter } from 'node:events';
import {
  GatewayError,
  isGatewayError,
  maxRetryAfterSeconds,
  matchesModelPattern,
  redactModelName,
  type Deployment,
  type HealthSection,
  type Interceptor,
  type Logger,
  type ProviderResult,
} from '@switchyard/core';
import CircuitBreaker from 'opossum';
import type { BreakerSettings, CircuitBreakerOptions } from './circuit-breaker-options.js';
import { countsAsBreakerFailure, saysNothingOfUpstream } from './counts-as-breaker-failure.js';
import type { SharedBreakerState, SharedBreakersHealth } from './shared-breaker-state.js';

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
  /** Breakers of deployments the gateway knows (configured, or listed by their provider), by name. */
  breakers: Record<string, BreakerReport>;
  /**
   * Breakers of names nobody configured or listed, counted by state, not named: `GET /health`
   * needs no key, and those names are clients' strings. Present while there are any.
   */
  unlisted?: Record<BreakerState, number>;
  /** With `shared:` configured: whether its backend answers, and the marks this instance mirrors. */
  shared?: SharedBreakersHealth;
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
  /** Configured or listed: only these take part in the shared state. */
  known: boolean;
  /** Named by the operator (`isPinned`): never dropped to make room for a listed name. */
  pinned: boolean;
  /** Attempts refused because of a shared mark (opossum counts only its own refusals). */
  sharedRejects: number;
  /** Whether this instance's attempt is out as the fleet's probe (or claiming the token). */
  probing: boolean;
  /** When its circuit last opened (epoch ms): a refusal says how long is left before the probe. */
  openedAt: number;
  /** Rethrows an error of a fire, opossum's open-circuit refusal turned into ours. */
  mapRefusal: (error: unknown) => never;
  /** The rotation of its rolling window's buckets: where a fire was counted, for taking it back. */
  rotation: Rotation;
}

/** One timer rotating the buckets of every breaker with the same window; `count` says how often it has. */
interface Rotation {
  emitter: EventEmitter;
  timer: NodeJS.Timeout;
  count: number;
}

/** The two things a fire can know about itself, made once rather than per attempt. */
const probeFire: FireInfo = Object.freeze({ probe: true });
const ordinaryFire: FireInfo = Object.freeze({ probe: false });

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
 * with the names clients make up. The deployments the operator named (`isPinned`)
 * are never the ones dropped: a provider may list more models than `max_breakers`,
 * and a client calling them all must not close a failing deployment's open circuit.
 *
 * With a {@link SharedBreakerState}, a known deployment's circuit opened on any
 * instance is open here too, and one probe across the fleet closes it; names
 * clients made up stay per process.
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
  private readonly rotations = new Map<number, Rotation>();
  private closed = false;
  /** Refusals made here, told apart from the upstream's own `upstream_overloaded`. */
  private readonly refusals = new WeakSet<object>();

  /**
   * `isKnown` defaults to "every deployment is known" (then only `max_breakers` bounds
   * them). With `shared`, circuits of known deployments open and close for every
   * instance that shares it; without, each breaker is per process. `isPinned` names
   * the known deployments whose breakers are never dropped (bounded by the config).
   */
  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly logger: Logger,
    private readonly isKnown: IsKnownDeployment = () => true,
    private readonly shared?: SharedBreakerState,
    private readonly isPinned: IsKnownDeployment = () => false,
  ) {
    // Another instance's probe succeeded: this one's breaker closes too.
    shared?.onRemoteClose((name) => this.entries.get(name)?.breaker.close());
  }

  /** Register it on `context.interceptors`: it wraps every attempt at a deployment. */
  readonly interceptor: Interceptor = (next) => (deployment, options) => this.call(deployment, () => next(deployment, options));

  /**
   * Runs one attempt at a deployment through that deployment's breaker. Not async:
   * without a shared state (the common case) the breaker's own promise is returned,
   * not wrapped in two more.
   */
  call(deployment: Deployment, attempt: Attempt): Promise<ProviderResult> {
    try {
      if (this.closed) return attempt();
      const name = deploymentName(deployment);
      const entry = this.entryFor(name, deployment.provider);
      const shared = entry.known ? this.shared : undefined;
      if (!shared) return this.fire(entry, name, attempt, true);
      return this.callShared(shared, entry, name, deployment, attempt);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A known deployment when circuits are shared: the fleet's mark decides first. */
  private async callShared(shared: SharedBreakerState, entry: Entry, name: string, deployment: Deployment, attempt: Attempt): Promise<ProviderResult> {
    const sharedState = shared.stateOf(name);
    if (sharedState === 'open' || (sharedState === 'half-open' && entry.probing)) {
      entry.sharedRejects++;
      throw this.refusal(name, deployment.provider, entry, sharedState === 'half-open');
    }
    if (sharedState === undefined) return this.fire(entry, name, attempt, true);
    return this.probeForFleet(shared, entry, name, deployment, attempt);
  }

  /** Half-open for the fleet: one probe across every instance, whoever wins the token. */
  private async probeForFleet(shared: SharedBreakerState, entry: Entry, name: string, deployment: Deployment, attempt: Attempt): Promise<ProviderResult> {
    entry.probing = true;
    let claim;
    try {
      claim = await shared.claimProbe(name, entry.settings.reset_timeout_ms);
    } finally {
      entry.probing = false;
    }
    if (claim === 'taken') {
      entry.sharedRejects++;
      throw this.refusal(name, deployment.provider, entry, true);
    }
    // Redis did not answer: the local breaker alone decides, as without `shared`.
    if (claim === 'unavailable') return this.fire(entry, name, attempt, true);
    entry.probing = true;
    // The token makes this attempt the fleet's probe. A local breaker still open (its
    // timer runs late on a busy loop) is stepped around rather than wasting the token.
    const locallyOpen = entry.breaker.opened;
    try {
      const result = locallyOpen ? await attempt() : await this.fire(entry, name, attempt, false);
      shared.markClosed(name);
      entry.breaker.close();
      return result;
    } catch (error) {
      if (this.refusals.has(error as object)) {
        // The local breaker refused before the upstream heard anything: no verdict.
        shared.releaseProbe(name);
      } else if (countsAsBreakerFailure(error)) {
        // When the local breaker reopened, its own 'open' event already wrote a fresh mark.
        if (locallyOpen || !entry.breaker.opened) shared.markOpen(name, entry.settings.reset_timeout_ms);
      } else if (saysNothingOfUpstream(error)) {
        shared.releaseProbe(name);
      } else {
        // The deployment answered (with the client's own error): it is up again.
        shared.markClosed(name);
        entry.breaker.close();
      }
      throw error;
    } finally {
      entry.probing = false;
    }
  }

  /** Runs the attempt through the local breaker; `announceClose`: a local probe's success is published. */
  private fire(entry: Entry, name: string, attempt: Attempt, announceClose: boolean): Promise<ProviderResult> {
    // fire() lets the half-open probe through synchronously, so whether this one is
    // the probe is known before anything else can fire.
    const probe = entry.breaker.halfOpen && entry.breaker.pendingClose;
    const firedInRotation = entry.rotation.count;
    const fired = entry.breaker.fire(attempt, probe ? probeFire : ordinaryFire);
    const failed = (error: unknown): never => {
      // opossum's own refusals (an open circuit, a breaker shut down) are no outcome of the attempt.
      if (!(error instanceof Error && CircuitBreaker.isOurError(error)) && saysNothingOfUpstream(error)) uncount(entry, firedInRotation);
      return entry.mapRefusal(error);
    };
    // Only this instance's own probe, with circuits shared, has anything to do on success.
    if (!(announceClose && probe && entry.known && this.shared)) return fired.then(undefined, failed);
    return fired.then((result) => {
      // This instance's own probe closed its breaker: tell the others.
      this.shared?.markClosed(name);
      return result;
    }, failed);
  }

  /**
   * The state and window counts of every known deployment's breaker; the unlisted pool's are
   * counted by state (`GET /health` needs no key: a name a client made up, another tenant's
   * included, is not shown to whoever asks). Unhealthy only when every breaker is open.
   */
  health(): BreakersHealth {
    const breakers: Record<string, BreakerReport> = {};
    let anyNotOpen = false;
    for (const [name, entry] of this.entries) {
      const state = this.effectiveState(name, entry);
      if (state !== 'open') anyNotOpen = true;
      const { failures, successes, rejects, fires } = entry.breaker.stats;
      // A known name is written as the config or the provider's list has it; blanked all the same
      // should a key-shaped one ever be listed (names blanked alike show the first).
      const shown = redactModelName(name);
      if (Object.hasOwn(breakers, shown)) continue;
      breakers[shown] = { state, failures, successes, rejects: rejects + entry.sharedRejects, fires: fires + entry.sharedRejects };
    }
    const section: BreakersHealth = { healthy: false, breakers };
    if (this.unlisted.size > 0) {
      const unlisted: Record<BreakerState, number> = { closed: 0, open: 0, 'half-open': 0 };
      for (const [, { breaker }] of this.unlisted) {
        const state = breakerState(breaker);
        if (state !== 'open') anyNotOpen = true;
        unlisted[state]++;
      }
      section.unlisted = unlisted;
    }
    section.healthy = this.entries.size + this.unlisted.size === 0 || anyNotOpen;
    if (this.shared) section.shared = this.shared.health();
    return section;
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
    return entry && this.effectiveState(name, entry);
  }

  /** A shared mark, when there is one, wins over the local breaker's own state. */
  private effectiveState(name: string, entry: Entry): BreakerState {
    const shared = entry.known ? this.shared?.stateOf(name) : undefined;
    return shared ?? breakerState(entry.breaker);
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

  /** `provider`: the provider part of `name` (provider ids hold no '/'), for the refusal's error. */
  private entryFor(name: string, provider: string): Entry {
    const known = this.isKnown(name);
    const entries = known ? this.entries : this.unlisted;
    const limit = known ? this.options.max_breakers : this.options.max_unlisted_breakers;
    let entry = entries.get(name);
    if (entry) {
      // Re-inserting keeps the map in least-recently-used order.
      entries.delete(name);
    } else {
      entry = this.createEntry(name, provider, known);
      if (entries.size >= limit) dropLeastRecentlyUsed(entries);
    }
    entries.set(name, entry);
    return entry;
  }

  private *allEntries(): IterableIterator<[string, Entry]> {
    yield* this.entries;
    yield* this.unlisted;
  }

  private createEntry(name: string, provider: string, known: boolean): Entry {
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
      rotateBucketController: this.rotationFor(settings.rolling_window_ms).emitter,
      // True means "not a failure": opossum then counts the attempt as a success, which `fire`
      // takes back (and its fire) when the error says nothing of the upstream.
      errorFilter: (error: unknown, ...args: unknown[]) => {
        if (countsAsBreakerFailure(error)) return false;
        const info = args[1] as FireInfo | undefined;
        if (info?.probe && saysNothingOfUpstream(error)) {
          // The probe told us nothing about the upstream (the client left first, which
          // is likely when the upstream hangs, or the gateway's store failed in front of
          // it): stay open and probe again later, rather than let opossum's "success" close the circuit.
          breaker.open();
        }
        return true;
      },
    });
    const entry: Entry = {
      breaker,
      rotation: this.rotationFor(settings.rolling_window_ms),
      settings,
      known,
      pinned: known && this.isPinned(name),
      sharedRejects: 0,
      probing: false,
      openedAt: 0,
      mapRefusal: (error) => {
        throw isOpenCircuitRefusal(error) ? this.refusal(name, provider, entry) : error;
      },
    };
    breaker.on('open', () => {
      entry.openedAt = Date.now();
      if (known) this.shared?.markOpen(name, settings.reset_timeout_ms);
      const { failures, fires } = breaker.stats;
      this.logger.warn({ deployment: redactModelName(name), failures, fires, resetTimeoutMs: settings.reset_timeout_ms }, 'circuit opened: attempts at this deployment are refused until it recovers');
    });
    breaker.on('halfOpen', () => this.logger.info({ deployment: redactModelName(name) }, 'circuit half-open: the next attempt probes the deployment'));
    breaker.on('close', () => this.logger.info({ deployment: redactModelName(name) }, 'circuit closed: the deployment answers again'));
    return entry;
  }

  private settingsFor(name: string): BreakerSettings {
    const { deployments, error_threshold_percentage, volume_threshold, rolling_window_ms, reset_timeout_ms } = this.options;
    const defaults: BreakerSettings = { error_threshold_percentage, volume_threshold, rolling_window_ms, reset_timeout_ms };
    const exact = Object.hasOwn(deployments, name) ? deployments[name] : undefined;
    const override = exact ?? Object.entries(deployments).find(([pattern]) => pattern.includes('*') && matchesModelPattern(name, [pattern]))?.[1];
    return { ...defaults, ...override };
  }

  private rotationFor(windowMs: number): Rotation {
    let rotation = this.rotations.get(windowMs);
    if (!rotation) {
      const emitter = new EventEmitter();
      // One listener per breaker with this window: there may be many.
      emitter.setMaxListeners(0);
      const timer = setInterval(() => {
        made.count++;
        emitter.emit('rotate');
      }, Math.max(1, Math.floor(windowMs / bucketsPerWindow)));
      timer.unref();
      const made: Rotation = { emitter, timer, count: 0 };
      rotation = made;
      this.rotations.set(windowMs, rotation);
    }
    return rotation;
  }

  /**
   * Its Retry-After, for a client that gets it when nothing else served, is the time left
   * before the probe: of the local circuit when it is open, else (another instance's mark,
   * or a probe out) the whole reset timeout at most, or a second while half-open. The route
   * step does not wait on it between rounds (nothing was sent).
   */
  private refusal(name: string, provider: string, entry: Entry, probeOut = false): GatewayError {
    const resetMs = entry.settings.reset_timeout_ms;
    const leftMs = probeOut || entry.breaker.halfOpen ? 0 : entry.breaker.opened ? entry.openedAt + resetMs - Date.now() : resetMs;
    const retryAfterSeconds = Math.min(maxRetryAfterSeconds, Math.max(1, Math.ceil(leftMs / 1000)));
    const error = new GatewayError('upstream_overloaded', `circuit open for ${name}`, { provider, retryable: true, retryAfterSeconds });
    this.refusals.add(error);
    return error;
  }

}

/**
 * Takes back what opossum counted of an attempt whose error says nothing of the upstream: its
 * success (errorFilter let it through as one, just now, in the newest bucket) and its fire, in the
 * bucket it was counted in, unless that has left the rolling window already. opossum 9 has no
 * outcome that counts as neither, and a success would water down the failures that open the circuit.
 */
function uncount(entry: Entry, firedInRotation: number): void {
  const buckets = entry.breaker.status.window;
  buckets[0]!.successes--;
  const fireBucket = buckets[entry.rotation.count - firedInRotation];
  if (fireBucket) fireBucket.fires--;
}

/** Drops the least recently used breaker that is not pinned; pinned ones are skipped (there are only as many as the config names). */
function dropLeastRecentlyUsed(entries: Map<string, Entry>): void {
  for (const [name, entry] of entries) {
    if (entry.pinned) continue;
    entry.breaker.shutdown();
    entries.delete(name);
    return;
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


