import type { Usage } from '../canonical/usage.js';
import type { ModelPrice } from './model-price.js';

const perMillion = 1_000_000;

/**
 * What one call cost, in USD. Each kind of prompt token is billed at its own rate:
 * tokens read from the prompt cache at `cached_input`, tokens written to it at
 * `cache_write` (each falling back to `input`), or at `cache_write_1h` (twice `input`
 * when absent) for those kept an hour, the rest at `input`. Output tokens,
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
    hourWriteTokens * (price.cache_write_1h ?? price.input * 2) +
    count(usage.outputTokens) * price.output;
  return dollarsTimesMillion / perMillion;
}

function count(tokens: number | undefined): number {
  return tokens !== undefined && Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
}
