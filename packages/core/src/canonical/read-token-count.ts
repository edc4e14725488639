/** A count written as text (some servers quote their numbers): digits only, few enough to be exact. */
const countText = /^[0-9]{1,15}$/;

/**
 * One token count from an upstream's usage, the one rule every decoder reads by:
 * undefined when absent (or null), the count when it is a whole, non-negative, safe
 * integer (or digits written as text), else NaN: negative, fractional, past 2^53,
 * 1e309 read as Infinity, text that is not digits. A decoder that meets NaN treats
 * the whole usage as unreadable, and the gateway bills its estimate instead: taken
 * as it came, such a value was stored in the ledger, billed as 0, or concatenated
 * (`"9" + "2"`). A valid number costs two typeof checks and Number.isSafeInteger.
 */
export function readTokenCount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : Number.NaN;
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' && countText.test(value) ? Number(value) : Number.NaN;
}

/**
 * A count that details a usage (cached, reasoning tokens: a subset of a total already
 * read): the count, or 0 when absent or not a count. A bad detail never makes the
 * usage unreadable; it is left out rather than billed as it came.
 */
export function readTokenDetail(value: unknown): number {
  const count = readTokenCount(value);
  return count === undefined || Number.isNaN(count) ? 0 : count;
}
