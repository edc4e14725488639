import type { Usage } from '../../canonical/usage.js';
import type { ResponsesUsage } from './responses-wire-types.js';

/** Canonical usage → the Responses API's, which counts cached and reasoning tokens inside the totals as the canonical form does. */
export function toResponsesUsage(usage: Usage): ResponsesUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}
