import { readTokenCount, type Usage } from '@switchyard/core';
import type { BedrockUsage } from './bedrock-wire-types.js';

/**
 * Bedrock usage → canonical, or undefined when it holds nothing the gateway can bill
 * from: not an object, neither `inputTokens` nor `outputTokens`, or any of its counts
 * (cache reads and writes too: they are billed) not a count (readTokenCount: negative,
 * fractional, 1e309, text that is not digits). The gateway then bills its estimate,
 * as for an answer without usage; taken as they came, text counts were concatenated
 * and negative ones lowered the bill.
 *
 * Like Anthropic's, Bedrock's `inputTokens` leaves the cached prompt out while the
 * canonical count is the whole prompt, so cache reads and writes are added back.
 * Bedrock reports no separate reasoning count.
 */
export function mapBedrockUsage(usage: BedrockUsage | undefined): Usage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const uncached = readTokenCount(usage.inputTokens);
  const output = readTokenCount(usage.outputTokens);
  if (uncached === undefined && output === undefined) return undefined;
  const cacheRead = readTokenCount(usage.cacheReadInputTokens) ?? 0;
  const cacheWrite = readTokenCount(usage.cacheWriteInputTokens) ?? 0;
  const inputTokens = (uncached ?? 0) + cacheRead + cacheWrite;
  const outputTokens = output ?? 0;
  // NaN (a count that is not one) spreads through the sum; a sum past 2^53 is not exact either.
  if (!Number.isSafeInteger(inputTokens) || !Number.isSafeInteger(outputTokens)) return undefined;
  const result: Usage = { inputTokens, outputTokens };
  if (cacheRead > 0) result.cachedInputTokens = cacheRead;
  if (cacheWrite > 0) result.cacheWriteInputTokens = cacheWrite;
  return result;
}
