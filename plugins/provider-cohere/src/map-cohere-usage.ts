import type { Usage } from '@switchyard/core';
import type { CohereUsage } from './cohere-wire-types.js';

/**
 * Cohere usage → canonical. `tokens` (what the model processed, prompt template
 * included) is the canonical count, as it is what other providers report;
 * `billed_units` only fills in when `tokens` is missing. `cached_tokens` is part of the input.
 */
export function mapCohereUsage(usage: CohereUsage | undefined): Usage {
  const inputTokens = usage?.tokens?.input_tokens ?? usage?.billed_units?.input_tokens ?? 0;
  const outputTokens = usage?.tokens?.output_tokens ?? usage?.billed_units?.output_tokens ?? 0;
  const result: Usage = { inputTokens, outputTokens };
  if (typeof usage?.cached_tokens === 'number' && usage.cached_tokens > 0) result.cachedInputTokens = usage.cached_tokens;
  return result;
}
