import type { Usage } from '../canonical/usage.js';
import type { ModelPrice } from './model-price.js';

const perMillion = 1_000_000;

/**
 * What one call cost, in USD. Each kind of prompt token is billed at its own rate:
 * tokens read from the prompt cache at `cached_input`, tokens written to it at
 * `cache_write` (each falling back to `input`), or at {@link hourCacheWriteRate} for
 * those kept an hour, the rest at `input`. Output tokens,
 * hidden reasoning included, are billed at `output`. Counts that do not add up
 * (more cached tokens than prompt tokens) are clamped rather than billed twice.
 */
export function costOfUsage(price: ModelPrice, usage: Usage): number {
  const inputTokens = count(usage.inputTokens);
  const cachedTokens = Math.min(count(usage.cachedInputTokens), inputTokens);
  const cacheWriteTokens = Math.min(count(usage.cacheWriteInputTokens), inputTokens - cachedTokens);
  const hourWriteTokens = Math.min(count(usage.cacheWrite1hInputTokens), cacheWriteTokens);
  const uncachedTokens = inputTokens - cachedTokens - cacheWriteTokens;
  const dollarsTimesMillion =
    uncachedTokens * price.input +
    cachedTokens * (price.cached_input ?? price.input) +
    (cacheWriteTokens - hourWriteTokens) * (price.cache_write ?? price.input) +
    hourWriteTokens * hourCacheWriteRate(price) +
    count(usage.outputTokens) * price.output;
  return dollarsTimesMillion / perMillion;
}

function count(tokens: number | undefined): number {
  return tokens !== undefined && Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
}

/**
 * What a prompt token written to the cache for an hour costs: `cache_write_1h`, or twice
 * `input` (Anthropic's rate) for a price with a `cache_write` rate; a price with neither
 * bills every cache write at `input`. `PriceCatalog.maxCost` holds a prompt at this rate
 * too: billed at twice `input` while held at `input`, a 1-hour write on a price of rates
 * alone cost twice what its budget held.
 */
export function hourCacheWriteRate(price: ModelPrice): number {
  if (price.cache_write_1h !== undefined) return price.cache_write_1h;
  return price.cache_write !== undefined ? price.input * 2 : price.input;
}
