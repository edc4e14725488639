import type { Usage } from '../../canonical/usage.js';
import type { AnthropicResponseUsage } from './anthropic-messages-wire-types.js';

/**
 * Canonical usage → Anthropic's. Anthropic's `input_tokens` leaves out the prompt
 * tokens read from or written to the prompt cache; the canonical count includes them.
 */
export function toAnthropicUsage(usage: Usage): AnthropicResponseUsage {
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}
