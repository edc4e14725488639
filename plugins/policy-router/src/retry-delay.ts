import type { RetryPolicy } from './model-group.js';

/**
 * Exponential backoff with full jitter before retry round `round` (1 for the first
 * retry): uniformly random in [0, min(max, base · 2^(round−1))), so many gateways
 * retrying at once spread out instead of arriving together.
 */
export function backoffDelayMs(round: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** Math.max(0, round - 1));
  return Math.floor(random() * ceiling);
}

/** The wait before a retry round: the backoff, but at least what an upstream asked for with Retry-After. */
export function retryDelayMs(round: number, policy: RetryPolicy, random: () => number, retryAfterSeconds?: number): number {
  const backoff = backoffDelayMs(round, policy, random);
  return retryAfterSeconds === undefined ? backoff : Math.max(backoff, Math.ceil(retryAfterSeconds * 1000));
}
