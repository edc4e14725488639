/**
 * Calls `action` at most once per `intervalMs`; calls in between are dropped. For
 * log lines about a failing dependency: one line per interval, not one per request.
 */
export function throttled<Args extends unknown[]>(intervalMs: number, action: (...args: Args) => void, clock: () => number = Date.now) {
  let last = -Infinity;
  return (...args: Args): void => {
    const now = clock();
    if (now - last < intervalMs) return;
    last = now;
    action(...args);
  };
}
