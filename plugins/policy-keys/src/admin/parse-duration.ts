const unitMilliseconds: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** A hundred years: past it a time is beyond what a Date can hold (or anyone means). */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000;

const wholePattern = /^(?:\d+(?:ms|s|m|h|d|w))+$/;
const partPattern = /(\d+)(ms|s|m|h|d|w)/g;

/**
 * A duration as people write it on the command line: `30d`, `12h`, `90m`, `2s`,
 * `1h30m`, `500ms`, `2w`; a number is seconds (`600`). Returns milliseconds, or
 * undefined when the value is not a duration, so the caller can name its field.
 * Fractions and negative values are refused: every unit has a smaller one; so is
 * anything over {@link MAX_DURATION_MS}, which would make an invalid expiry date, and units
 * out of order or repeated.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 && value * 1000 <= MAX_DURATION_MS ? value * 1000 : undefined;
  }
  const text = value.trim().toLowerCase();
  if (/^\d+$/.test(text)) return parseDuration(Number(text));
  if (!wholePattern.test(text)) return undefined;
  let total = 0;
  let previousUnit = Infinity;
  for (const [, amount, unit] of text.matchAll(partPattern)) {
    const milliseconds = unitMilliseconds[unit!]!;
    // Largest unit first, each once (`1h30m`): `1h30m1h` or `30m1h` is a typo, not 2 h 30 m.
    if (milliseconds >= previousUnit) return undefined;
    previousUnit = milliseconds;
    total += Number(amount) * milliseconds;
  }
  return total <= MAX_DURATION_MS ? total : undefined;
}
