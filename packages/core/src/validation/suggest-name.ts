/**
 * The allowed name closest to a misspelt one, when it is close enough to be what
 * was meant (`timout_ms` → `timeout_ms`), else undefined. For "did you mean".
 */
export function suggestName(given: string, allowed: Iterable<string>): string | undefined {
  // Names are short; a bound keeps a hostile 1 MB key from costing anything.
  if (given.length > 64) return undefined;
  const threshold = Math.max(1, Math.floor(given.length / 3));
  let best: string | undefined;
  let bestDistance = threshold + 1;
  for (const name of allowed) {
    const distance = editDistance(given.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, one row at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
