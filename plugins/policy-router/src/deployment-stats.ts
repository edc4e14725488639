/** EWMA weight of the newest sample: 0.3 follows a change within a handful of requests. */
export const LATENCY_EWMA_ALPHA = 0.3;

/**
 * A measurement not renewed for this long is forgotten: the deployment counts as
 * never measured and is tried first again, so one that failed (or was slow) gets
 * another chance, at most one call a minute while it still fails.
 */
export const LATENCY_MAX_AGE_MS = 60_000;

interface Entry {
  latencyMs: number | undefined;
  /** When latencyMs was last renewed, on the stats' clock. */
  measuredAt: number;
  inFlight: number;
  /** When its last attempt failed (retryable, or of its own account), on the stats' clock; undefined once one is answered. */
  failedAt: number | undefined;
}

/**
 * What the route step knows about each configured deployment at run time, by
 * `provider/model`: the EWMA of its time to first byte and how many calls it has
 * in flight. Kept per gateway process; only configured deployments are tracked, so
 * client-chosen names cannot grow it.
 */
export class DeploymentStats {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly alpha = LATENCY_EWMA_ALPHA,
    /** Monotonic milliseconds. */
    private readonly clock: () => number = monotonicNow,
  ) {}

  /** A call to the deployment began. */
  begin(key: string): void {
    this.entry(key).inFlight++;
  }

  /** A call to the deployment ended (answered, failed, or its stream closed). */
  end(key: string): void {
    const entry = this.entry(key);
    entry.inFlight = Math.max(0, entry.inFlight - 1);
  }

  /**
   * The time to first byte of one call: for a stream when its first part came, else
   * the whole answer (a failure is recorded as the attempt timeout by the route plan).
   * After a forgotten measurement it starts the average afresh.
   */
  recordLatency(key: string, latencyMs: number): void {
    const entry = this.entry(key);
    const now = this.clock();
    const previous = this.freshLatency(entry, now);
    entry.latencyMs = previous === undefined ? latencyMs : this.alpha * latencyMs + (1 - this.alpha) * previous;
    entry.measuredAt = now;
  }

  /**
   * A failed attempt (5xx, 429, refused, timed out, its account): counted as a slow sample of
   * `sampleMs`, and marked failed until the deployment answers again or LATENCY_MAX_AGE_MS pass.
   */
  recordFailure(key: string, sampleMs: number): void {
    this.recordLatency(key, sampleMs);
    this.entries.get(key)!.failedAt = this.clock();
  }

  /** An answered attempt: its time to first byte, and it is failing no more. */
  recordAnswer(key: string, latencyMs: number): void {
    this.recordLatency(key, latencyMs);
    this.entries.get(key)!.failedAt = undefined;
  }

  /**
   * Whether its last attempt, less than LATENCY_MAX_AGE_MS ago, failed. A deployment that fails
   * fast has nothing in flight: least-busy must not take it for the idlest.
   */
  failedRecently(key: string): boolean {
    const failedAt = this.entries.get(key)?.failedAt;
    return failedAt !== undefined && this.clock() - failedAt < LATENCY_MAX_AGE_MS;
  }

  /** The EWMA of the time to first byte; undefined until one call was measured, or when it is LATENCY_MAX_AGE_MS old. */
  latencyOf(key: string): number | undefined {
    const entry = this.entries.get(key);
    return entry && this.freshLatency(entry, this.clock());
  }

  inFlightOf(key: string): number {
    return this.entries.get(key)?.inFlight ?? 0;
  }

  private freshLatency(entry: Entry, now: number): number | undefined {
    return now - entry.measuredAt < LATENCY_MAX_AGE_MS ? entry.latencyMs : undefined;
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { latencyMs: undefined, measuredAt: 0, inFlight: 0, failedAt: undefined };
      this.entries.set(key, entry);
    }
    return entry;
  }
}

const monotonicNow = (): number => performance.now();
