import type { Usage } from '@switchyard/core';
import type { AnthropicUsage } from './anthropic-wire-types.js';

/**
 * Anthropic usage → canonical. Anthropic's `input_tokens` leaves cached tokens out,
 * while the canonical `inputTokens` counts the whole prompt: reads and writes are added back.
 */
export function mapAnthropicUsage(usage: AnthropicUsage | undefined): Usage {
  const uncached = usage?.input_tokens ?? 0;
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const cacheWrite = usage?.cache_creation_input_tokens ?? 0;
  const result: Usage = { inputTokens: uncached + cacheRead + cacheWrite, outputTokens: usage?.output_tokens ?? 0 };
  if (cacheRead > 0) result.cachedInputTokens = cacheRead;
  if (cacheWrite > 0) result.cacheWriteInputTokens = cacheWrite;
  return result;
}
