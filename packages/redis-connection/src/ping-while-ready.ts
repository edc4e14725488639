import type { Redis } from 'ioredis';

/** Bounds of a heartbeat interval: often enough to matter, rarely enough to cost nothing. */
export const heartbeatBoundsMs = { min: 10, max: 3_600_000 } as const;

/** Throws a RangeError for an interval out of bounds (NaN and Infinity included: a NaN timer fires at once, for ever). */
export function assertHeartbeatInterval(intervalMs: number): void {
  if (!Number.isFinite(intervalMs) || intervalMs < heartbeatBoundsMs.min || intervalMs > heartbeatBoundsMs.max) {
    throw new RangeError(`heartbeat interval must be ${heartbeatBoundsMs.min} to ${heartbeatBoundsMs.max} ms, not ${intervalMs}`);
  }
}

/**
 * Sends PING every `intervalMs` while `client` is ready (one at a time: the next
 * waits for the answer or the failure of the last). A connection that only
 * listens (pub/sub) sends nothing else, so without this a peer gone silent with
 * the socket still open would never be noticed; a PING that goes unanswered times
 * out like any command (in subscribe mode Redis answers PING too). What a timeout
 * then does is the caller's (FailSoftRedis drops the connection). The timer is
 * unref'd: it never keeps a process alive. Returns the function that stops it.
 */
export function pingWhileReady(client: Redis, intervalMs: number): () => void {
  assertHeartbeatInterval(intervalMs);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(beat, intervalMs);
    timer.unref();
  };
  const beat = () => {
    if (client.status !== 'ready') return schedule();
    // A rejection needs nothing here: FailSoftRedis drops a connection whose command timed out, and logs it.
    client.ping().then(schedule, schedule);
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
