import { maxRetryAfterSeconds } from '../errors/gateway-error.js';

/**
 * The wait an upstream's `retry-after` header asks for, in seconds: a number of
 * seconds or an HTTP date (RFC 9110 allows both), never negative and held to a day:
 * an upstream can send anything, and `1e21` reached clients as `Retry-After: 1e+21`.
 * Undefined when the header is absent or reads as neither.
 */
export function readRetryAfterHeader(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const seconds = Number(value);
  const wait = Number.isFinite(seconds) ? seconds : (Date.parse(value) - now) / 1000;
  return Number.isNaN(wait) ? undefined : Math.min(Math.max(0, wait), maxRetryAfterSeconds);
}
