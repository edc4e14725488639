import { maxRetryAfterSeconds } from '../errors/gateway-error.js';

/**
 * Two forms of an HTTP date (RFC 9110 §5.6.7): IMF-fixdate and RFC 850's.
 * Date.parse alone reads any text holding a year as one (`retry 2099` as 1 January 2099).
 */
const httpDate = /^(?:[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT|[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT)$/;
/** asctime's form, which names no zone: it is GMT, while Date.parse would read it as local time. */
const asctimeDate = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * The wait an upstream's `retry-after` header asks for, in seconds: a number of
 * seconds or an HTTP date (RFC 9110 allows both), never negative and held to a day:
 * an upstream can send anything, and `1e21` reached clients as `Retry-After: 1e+21`,
 * `retry 2099` as a day. Undefined when the header is absent or reads as neither.
 */
export function readRetryAfterHeader(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  const wait = Number.isFinite(seconds) ? seconds : (dateOf(value.trim()) - now) / 1000;
  return Number.isNaN(wait) ? undefined : Math.min(Math.max(0, wait), maxRetryAfterSeconds);
}

/** The time an HTTP date names, in ms; NaN for any other text. */
function dateOf(text: string): number {
  if (httpDate.test(text)) return Date.parse(text);
  return asctimeDate.test(text) ? Date.parse(`${text} GMT`) : Number.NaN;
}
