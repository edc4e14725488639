/** Where a deployment stands according to the open marks shared by every instance. */
export type SharedMarkState = 'open' | 'half-open';

/** One open mark as the mirror holds it, in local clock time. */
interface Mark {
  /** Until then attempts are refused. */
  openUntil: number;
  /** After `openUntil` and until then, one probe (holding the probe token) may try; after it the mark is forgotten. */
  forgetAt: number;
}

/** One mark as Redis reports it: times relative to now, so the instances' clocks never matter. */
export interface SharedMarkReading {
  deployment: string;
  /** Milliseconds the circuit stays open (0 or less: it is half-open). */
  openMs: number;
  /** Milliseconds after the open time during which the mark waits for a probe. */
  holdMs: number;
}

/**
 * The local mirror of the shared open marks, read on the request path without
 * any Redis call. Fed by pub/sub events and replaced by each periodic refresh; a
 * refresh that started before an event arrived is dropped, so it cannot bring back
 * a mark that a `close` event just removed. Only deployments `isKnown` accepts are
 * kept, and at most `maxMarks`, so a forged message cannot grow it.
 */
export class SharedBreakerMarks {
  private marks = new Map<string, Mark>();
  /** Counts events, so a refresh can tell whether one arrived while it was out. */
  private generation = 0;

  constructor(
    private readonly isKnown: (name: string) => boolean,
    private readonly maxMarks: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** `open`, `half-open`, or undefined when no live mark exists for the deployment. */
  stateOf(deployment: string): SharedMarkState | undefined {
    const mark = this.marks.get(deployment);
    if (!mark) return undefined;
    const now = this.clock();
    if (now < mark.openUntil) return 'open';
    if (now < mark.forgetAt) return 'half-open';
    this.marks.delete(deployment);
    return undefined;
  }

  /** Milliseconds left until a deployment's circuit may be probed (0 when half-open or unmarked). */
  openMsLeft(deployment: string): number {
    const mark = this.marks.get(deployment);
    return mark ? Math.max(0, mark.openUntil - this.clock()) : 0;
  }

  /** A deployment was opened (by this instance or another). */
  open(reading: SharedMarkReading): void {
    this.generation++;
    this.set(reading);
  }

  /** A deployment's circuit was closed by a successful probe. */
  close(deployment: string): void {
    this.generation++;
    this.marks.delete(deployment);
  }

  /** Call before reading Redis; pass the answer to `replace`. */
  beginRefresh(): number {
    return this.generation;
  }

  /** Replaces every mark with what Redis holds, unless an event arrived since `beginRefresh`. */
  replace(startedAt: number, readings: readonly SharedMarkReading[]): boolean {
    if (startedAt !== this.generation) return false;
    this.marks = new Map();
    for (const reading of readings) this.set(reading);
    return true;
  }

  /** Every live mark, for `GET /health`. */
  entries(): Array<{ deployment: string; state: SharedMarkState; openMsLeft: number }> {
    const live = [];
    for (const deployment of [...this.marks.keys()]) {
      const state = this.stateOf(deployment);
      if (state) live.push({ deployment, state, openMsLeft: this.openMsLeft(deployment) });
    }
    return live;
  }

  private set({ deployment, openMs, holdMs }: SharedMarkReading): void {
    if (!this.isKnown(deployment) || !Number.isFinite(openMs) || !Number.isFinite(holdMs) || holdMs < 0) return;
    const now = this.clock();
    const mark = { openUntil: now + openMs, forgetAt: now + openMs + holdMs };
    if (mark.forgetAt <= now) {
      this.marks.delete(deployment);
      return;
    }
    this.marks.delete(deployment);
    if (this.marks.size >= this.maxMarks) {
      // The oldest mark goes first; a full mirror of known deployments is rare.
      const oldest = this.marks.keys().next().value;
      if (oldest !== undefined) this.marks.delete(oldest);
    }
    this.marks.set(deployment, mark);
  }
}
