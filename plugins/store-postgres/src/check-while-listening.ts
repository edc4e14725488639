import type pg from 'pg';

export interface ListeningCheck {
  /** How often the query is sent; the next waits for the answer to the last. */
  intervalMs: number;
  /** How long its answer may take before the connection counts as lost. */
  timeoutMs: number;
}

/** Throws a RangeError for a check whose interval or timeout is not a finite, sane number of ms (a NaN timer fires at once, for ever). */
export function assertListeningCheck({ intervalMs, timeoutMs }: ListeningCheck): void {
  const inRange = (value: number, min: number, max: number) => Number.isFinite(value) && value >= min && value <= max;
  if (!inRange(intervalMs, 10, 3_600_000)) throw new RangeError(`the listening check interval must be 10 to 3600000 ms, not ${intervalMs}`);
  if (!inRange(timeoutMs, 1, 3_600_000)) throw new RangeError(`the listening check timeout must be 1 to 3600000 ms, not ${timeoutMs}`);
}

/**
 * Sends `SELECT 1` on `client` every `intervalMs`, one at a time, and calls
 * `onFailed` once if one fails or goes unanswered for `timeoutMs`. A connection
 * that only LISTENs sends nothing else, so without this a server gone silent with
 * the socket still open (a partition, a hung host) would never be noticed. The
 * timers are unref'd: they never keep a process alive. Returns the function that
 * stops the checks.
 */
export function checkWhileListening(client: pg.Client, check: ListeningCheck, onFailed: (error: unknown) => void): () => void {
  assertListeningCheck(check);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(send, check.intervalMs);
    timer.unref();
  };
  const send = () => {
    let deadline: NodeJS.Timeout | undefined;
    const unanswered = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error(`the listening connection did not answer SELECT 1 within ${check.timeoutMs} ms`)), check.timeoutMs);
      deadline.unref();
    });
    Promise.race([client.query('SELECT 1'), unanswered])
      .then(schedule, (error: unknown) => {
        if (stopped) return;
        stopped = true;
        onFailed(error);
      })
      .finally(() => clearTimeout(deadline));
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
