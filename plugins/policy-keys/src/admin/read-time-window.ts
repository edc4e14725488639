import { EARLIEST_STORABLE_TIME_MS } from '@switchyard/core';
import { invalidField } from './check-input.js';
import { parseIsoTime } from './parse-iso-time.js';

/** A window the ledger is asked about, as ISO strings, from inclusive, to exclusive. */
export interface TimeWindow {
  from: string;
  to: string;
}

/**
 * Reads `from`/`to` query values (ISO dates or times) into a window ending now and
 * lasting `defaultMilliseconds` when absent; `from` must come before `to`.
 */
export function readTimeWindow(query: { from?: string; to?: string }, now: Date, defaultMilliseconds: number): TimeWindow {
  const to = query.to === undefined ? now.getTime() : parseIsoTime(query.to);
  if (to === undefined) throw invalidField('to', 'expected an ISO date or time such as 2026-12-01 or 2026-12-01T00:00:00Z');
  // The default start never falls before year 1, which no store holds (`to=0001-01-02`).
  const from = query.from === undefined ? Math.max(to - defaultMilliseconds, EARLIEST_STORABLE_TIME_MS) : parseIsoTime(query.from);
  if (from === undefined) throw invalidField('from', 'expected an ISO date or time such as 2026-11-01 or 2026-11-01T00:00:00Z');
  if (from >= to) throw invalidField('from', 'must be before to');
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** Most buckets one usage answer may split a window into, per group (a month of hours, ten years of days). */
export const maxBuckets = { hour: 24 * 31 + 1, day: 3660 } as const;

/**
 * Refuses a window that would split into more buckets than `maxBuckets`: the UTC hours or
 * days it touches, so 745 hours from half past (746 buckets) is refused.
 */
export function checkBucketCount(window: TimeWindow, bucket: 'hour' | 'day'): void {
  const size = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const firstBucket = Math.floor(Date.parse(window.from) / size) * size;
  const buckets = Math.ceil((Date.parse(window.to) - firstBucket) / size);
  if (buckets > maxBuckets[bucket]) {
    throw invalidField('bucket', `${bucket} buckets cover at most ${maxBuckets[bucket]} ${bucket}s; narrow from/to or use a larger bucket`);
  }
}
