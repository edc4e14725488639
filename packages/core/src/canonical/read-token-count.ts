/** A count written as text (some servers quote their numbers): digits only, few enough to be exact. */
const countText = /^[0-9]{1,15}$/;

/**
 * The most tokens one count of one call may be: ten times the longest context any model
 * has (and the price schema's `max_output` bound). A count past it is no call's: 2^53 − 1
 * tokens priced a call at $27 billion, which the ledger recorded while the budget, which
 * cannot count past 2^53 micro-dollars, charged the request's maximum, so the two no longer
 * agreed. Under it, a call costs at most a few hundred million dollars at the dearest price the
 * config takes ($1 a token), which a budget counts.
 */
export const MAX_TOKEN_COUNT = 100_000_000;

/**
 * One token count from an upstream's usage, the one rule every decoder reads by:
 * undefined when absent (or null), the count when it is a whole, non-negative integer
 * up to {@link MAX_TOKEN_COUNT} (or digits written as text), else NaN: negative,
 * fractional, past the bound, 1e309 read as Infinity, text that is not digits. A decoder
 * that meets NaN treats the whole usage as unreadable, and the gateway bills its estimate
 * instead: taken as it came, such a value was stored in the ledger, billed as 0, or
 * concatenated (`"9" + "2"`). A valid number costs two typeof checks and Number.isSafeInteger.
 */
export function readTokenCount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 && value <= MAX_TOKEN_COUNT ? value : Number.NaN;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !countText.test(value)) return Number.NaN;
  const count = Number(value);
  return count <= MAX_TOKEN_COUNT ? count : Number.NaN;
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
