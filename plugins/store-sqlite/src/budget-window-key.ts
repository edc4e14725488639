/** Canonical forms of the window starts seen lately: a handful of period boundaries, named on every reserve. */
const recentKeys = new Map<string, string>();
/** Bounds the memo should a caller pass ever-new window starts; a boundary then costs one parse again. */
const maxRecentKeys = 64;

/**
 * A budget window start as the store keys accounts by it: equal instants written
 * differently are one window (ISO with milliseconds, UTC); a string that is not a
 * time is kept as it is. Memoised: the same few boundaries come on every call.
 */
export function budgetWindowKey(windowStart: string): string {
  let key = recentKeys.get(windowStart);
  if (key === undefined) {
    const ms = Date.parse(windowStart);
    key = Number.isNaN(ms) ? windowStart : new Date(ms).toISOString();
    if (recentKeys.size >= maxRecentKeys) recentKeys.clear();
    recentKeys.set(windowStart, key);
  }
  return key;
}
