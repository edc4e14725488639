import type { SharedMarkState } from './shared-breaker-marks.js';

/** What claiming the shared probe token answered. */
export type ProbeClaim =
  /** This instance holds the token: its attempt is the one probe across the fleet. */
  | 'claimed'
  /** Another instance holds it: refuse, as a half-open breaker refuses all but its probe. */
  | 'taken'
  /** Redis did not answer in time: fall back to the local breaker alone. */
  | 'unavailable';

/** The `shared` part of the `circuit_breakers` section of `GET /health`. */
export interface SharedBreakersHealth {
  backend: string;
  /** Whether Redis answers now; when it does not, every breaker works per process. */
  reachable: boolean;
  /** The code of Redis's refusal (`OOM`, `READONLY` …) while it answers but does no command. */
  refusing?: string;
  /** Deployments with a live shared mark. */
  open: Record<string, { state: SharedMarkState; open_ms_left: number }>;
}

/**
 * Open circuits shared by every gateway instance. Reads are synchronous (a local
 * mirror); writes are fire-and-forget, so a slow or absent backend never holds a
 * request, except the probe claim, which is bounded by the backend's command timeout.
 */
export interface SharedBreakerState {
  /** `open`, `half-open`, or undefined when no instance marked the deployment. */
  stateOf(deployment: string): SharedMarkState | undefined;
  /** Asks for the one probe token of a half-open deployment, held at most `ttlMs`. */
  claimProbe(deployment: string, ttlMs: number): Promise<ProbeClaim>;
  /** Gives the probe token back without a verdict (the client went away). */
  releaseProbe(deployment: string): void;
  /** Marks a deployment open for `openMs` for every instance, then half-open for as long again. */
  markOpen(deployment: string, openMs: number): void;
  /** Clears a deployment's mark for every instance: its probe succeeded. */
  markClosed(deployment: string): void;
  /** Called when another instance closed a deployment, so the local breaker follows. */
  onRemoteClose(listener: (deployment: string) => void): void;
  health(): SharedBreakersHealth;
  close(): Promise<void>;
}
