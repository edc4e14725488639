import type { Usage } from '@switchyard/core';
import type { BedrockUsage } from './bedrock-wire-types.js';

/**
 * Bedrock usage → canonical. Like Anthropic's, Bedrock's `inputTokens` leaves the
 * cached prompt out while the canonical count is the whole prompt, so cache reads
 * and writes are added back. Bedrock reports no separate reasoning count.
 */
export function mapBedrockUsage(usage: BedrockUsage | undefined): Usage {
  const uncached = usage?.inputTokens ?? 0;
  const cacheRead = usage?.cacheReadInputTokens ?? 0;
  const cacheWrite = usage?.cacheWriteInputTokens ?? 0;
  const result: Usage = { inputTokens: uncached + cacheRead + cacheWrite, outputTokens: usage?.outputTokens ?? 0 };
  if (cacheRead > 0) result.cachedInputTokens = cacheRead;
  if (cacheWrite > 0) result.cacheWriteInputTokens = cacheWrite;
  return result;
}
