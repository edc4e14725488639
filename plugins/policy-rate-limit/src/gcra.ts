/**
 * GCRA (the generic cell rate algorithm) for one limit: one number per limit, the
 * theoretical arrival time (TAT), instead of counters per window. A limit of `limit`
 * units per `periodMs` lets one unit through every `intervalMs = periodMs / limit`,
 * and tolerates up to `toleranceMs = periodMs` of work ahead of schedule: from cold,
 * exactly `limit` units fit at once (the burst), and after that one more every
 * interval. There are no window edges, so no double burst across one.
 */
export interface GcraLimit {
  /** Where the limit's TAT is kept (`key:key_123:requests`). */
  key: string;
  /** Milliseconds one unit occupies: period / limit. */
  intervalMs: number;
  /** How far ahead of now the TAT may run: the burst capacity times the interval. */
  toleranceMs: number;
  /** Units this call takes (1 per request; tokens for a token limit). Negative in a correction. */
  cost: number;
}

/**
 * The resolution of a TAT: epoch milliseconds in a double step by 2^-12 ms from 2004 to
 * 2039 (2^40 to 2^41 ms). Intervals are whole ticks (gcraLimit), so every charge, every
 * TAT and every comparison is exact; an interval of a fraction of a tick was rounded at
 * each charge (rpm 17 admitted 16 from cold, rpm 100,000,000 admitted 122,880,002), and
 * one under half a tick (about 492,000,000 per minute) moved the TAT not at all.
 */
export const TICK_MS = 2 ** -12;

/**
 * The most units per period a limit may have: one unit per tick (245,760,000 a minute).
 * Past it, no interval of whole ticks is short enough, and limits are refused above it.
 */
export function maxExactLimit(periodMs: number): number {
  return Math.floor(periodMs / TICK_MS);
}

/**
 * Slack when comparing times: half a tick, for the rounding of a TAT carried over to a
 * changed limit (gcraRescaledTat); less than one interval, so it never admits a unit more.
 */
export const EPSILON_MS = TICK_MS / 2;

/** What a check found for one limit. */
export interface GcraState {
  /** The TAT after the call when it was admitted, else the unchanged one (never before now). */
  tat: number;
  /** How long until this limit would admit the call; 0 when it would now. */
  retryAfterMs: number;
}

/** The answer to a check of several limits at once: all of them are charged, or none. */
export interface GcraDecision {
  allowed: boolean;
  /** The clock the decision was made at (the Redis server's clock with the Redis store). */
  now: number;
  /** One per limit, in the order they were given. */
  states: GcraState[];
}

/**
 * The GCRA parameters of `limit` units per `periodMs`, with a burst capacity of the whole
 * limit: exactly `limit` units from cold. The interval is rounded up to whole ticks, so a
 * limit that is not a divisor of the period's ticks (above 15,677 a minute they seldom are)
 * refills a little slower than `limit` a period, never faster: 1,000,000 a minute comes back
 * at 0.06006 ms a unit (999,024 a minute), and the burst is the whole limit all the same.
 */
export function gcraLimit(key: string, limit: number, periodMs: number, cost: number): GcraLimit {
  const intervalMs = Math.ceil(periodMs / limit / TICK_MS) * TICK_MS;
  return { key, intervalMs, toleranceMs: intervalMs * limit, cost };
}

/**
 * A stored TAT read under the limit it is checked against now. A TAT is time, and a
 * unit's worth of it depends on the limit: a key's rpm changed through the admin API
 * would otherwise keep the old limit's count for up to a minute (2 requests at rpm 2
 * left a key raised to rpm 100 throttled, one request every 600 ms, until the minute
 * was over; one lowered from 10 to 8 after 6 requests got 3 more, not 2). So the
 * backlog is carried over in units: what was used still counts, against the new limit.
 * It never blocks longer than a whole new period, or than it blocked already.
 * `storedIntervalMs` is the interval the TAT was written with (undefined: this one).
 */
export function gcraRescaledTat(limit: GcraLimit, storedTat: number | undefined, storedIntervalMs: number | undefined, now: number): number | undefined {
  if (storedTat === undefined || storedIntervalMs === undefined || storedIntervalMs === limit.intervalMs || storedTat <= now) return storedTat;
  const backlogMs = storedTat - now;
  return now + Math.min((backlogMs / storedIntervalMs) * limit.intervalMs, Math.max(limit.toleranceMs, backlogMs));
}

/**
 * Checks every limit against its stored TAT (undefined when none is stored) and
 * admits the call only if every one of them allows it. Pure: the caller stores the
 * new TATs when `allowed`. The Redis store's Lua script does the same arithmetic.
 */
export function gcraDecide(limits: readonly GcraLimit[], storedTats: ReadonlyArray<number | undefined>, now: number): GcraDecision {
  let allowed = true;
  const states: GcraState[] = [];
  for (let index = 0; index < limits.length; index++) {
    const limit = limits[index]!;
    const tat = Math.max(storedTats[index] ?? now, now);
    const next = tat + limit.cost * limit.intervalMs;
    const over = next - now - limit.toleranceMs;
    // TATs are epoch milliseconds (about 2e-4 ms of float resolution): a microsecond of slack.
    if (over > EPSILON_MS) {
      allowed = false;
      states.push({ tat, retryAfterMs: over });
    } else {
      states.push({ tat: next, retryAfterMs: 0 });
    }
  }
  if (!allowed) {
    // Nothing is charged, so the admitted limits report their TAT as it stays.
    for (const [index, state] of states.entries()) {
      if (state.retryAfterMs === 0) state.tat = Math.max(storedTats[index] ?? now, now);
    }
  }
  return { allowed, now, states };
}

/**
 * Corrects a TAT by `cost` units after the fact (the real token count minus the
 * estimate charged up front). Extra units are charged without a check — the call
 * already happened — and push the limit into debt; returned units move the TAT back,
 * but never before now, so a refund cannot build more capacity than the burst.
 * Returns the new TAT, or undefined when nothing needs to be stored.
 */
export function gcraAdjust(limit: GcraLimit, storedTat: number | undefined, now: number): number | undefined {
  const tat = Math.max(storedTat ?? now, now);
  const next = Math.max(tat + limit.cost * limit.intervalMs, now);
  return next > now ? next : undefined;
}

/**
 * Whole units the limit would still admit at `now`, given the TAT after the call:
 * never more than its burst capacity. With a very large limit a unit is far shorter
 * than the float resolution of an epoch-millisecond TAT (a 1e11 tpm limit's token is
 * 6e-7 ms; the TAT's resolution is ~2e-4 ms), so the count is approximate there, and
 * the microsecond of slack alone would be worth thousands of units.
 */
export function gcraRemaining(limit: GcraLimit, tat: number, now: number): number {
  const room = limit.toleranceMs - Math.max(tat - now, 0);
  const capacity = Math.round(limit.toleranceMs / limit.intervalMs);
  // A hair of float error must not cost a whole unit.
  return Math.min(capacity, Math.max(0, Math.floor((room + EPSILON_MS) / limit.intervalMs)));
}

/** Milliseconds until the limit is back to its full capacity. */
export function gcraResetMs(tat: number, now: number): number {
  return Math.max(0, tat - now);
}
