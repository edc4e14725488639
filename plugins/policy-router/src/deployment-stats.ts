/** EWMA weight of the newest sample: 0.3 follows a change within a handful of requests. */
export const LATENCY_EWMA_ALPHA = 0.3;

interface Entry {
  latencyMs: number | undefined;
  inFlight: number;
}

/**
 * What the route step knows about each configured deployment at run time, by
 * `provider/model`: the EWMA of its time to first byte and how many calls it has
 * in flight. Kept per gateway process; only configured deployments are tracked, so
 * client-chosen names cannot grow it.
 */
export class DeploymentStats {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly alpha = LATENCY_EWMA_ALPHA) {}

  /** A call to the deployment began. */
  begin(key: string): void {
    this.entry(key).inFlight++;
  }

  /** A call to the deployment ended (answered, failed, or its stream closed). */
  end(key: string): void {
    const entry = this.entry(key);
    entry.inFlight = Math.max(0, entry.inFlight - 1);
  }

  /** The time to first byte of one call: for a stream when its first part came, else the whole answer. */
  recordLatency(key: string, latencyMs: number): void {
    const entry = this.entry(key);
    entry.latencyMs = entry.latencyMs === undefined ? latencyMs : this.alpha * latencyMs + (1 - this.alpha) * entry.latencyMs;
  }

  /** The EWMA of the time to first byte; undefined until one call was measured. */
  latencyOf(key: string): number | undefined {
    return this.entries.get(key)?.latencyMs;
  }

  inFlightOf(key: string): number {
    return this.entries.get(key)?.inFlight ?? 0;
  }

  private entry(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { latencyMs: undefined, inFlight: 0 };
      this.entries.set(key, entry);
    }
    return entry;
  }
}
