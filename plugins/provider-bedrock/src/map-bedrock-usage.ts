import { readTokenCount, readTokenDetail, type Usage } from '@switchyard/core';
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
 *
 * `cacheDetails` splits the writes by duration (`ttl` of `5m` or `1h`): the 1-hour
 * ones are priced at 2× input, not 1.25×. Without it, or with entries that are not
 * counts, every write is priced at the 5-minute rate; the split never exceeds the total.
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
  const hourWrites = Math.min(hourCacheWrites(usage.cacheDetails), cacheWrite);
  if (hourWrites > 0) result.cacheWrite1hInputTokens = hourWrites;
  return result;
}

/** The tokens of `cacheDetails` entries with a `ttl` of `1h`; 0 when there are none or the list is not one. */
function hourCacheWrites(details: unknown): number {
  if (!Array.isArray(details)) return 0;
  let tokens = 0;
  for (const detail of details as unknown[]) {
    if (typeof detail === 'object' && detail !== null && (detail as Record<string, unknown>)['ttl'] === '1h') {
      tokens += readTokenDetail((detail as Record<string, unknown>)['inputTokens']);
    }
  }
  return tokens;
}
