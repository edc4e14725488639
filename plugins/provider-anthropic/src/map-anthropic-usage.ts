import { readTokenCount, readTokenDetail, type Usage } from '@switchyard/core';

type Json = Record<string, unknown>;

/**
 * Anthropic usage → canonical, or undefined when it holds nothing the gateway can
 * bill from: not an object, neither `input_tokens` nor `output_tokens`, or any of
 * its four counts (cache reads and writes too: they are billed) not a count
 * (readTokenCount: negative, fractional, 1e309, text that is not digits). The
 * gateway then bills its estimate, as for an answer without usage; taken as they
 * came, text counts were concatenated and negative ones lowered the bill.
 *
 * Anthropic's `input_tokens` leaves cached tokens out, while the canonical
 * `inputTokens` counts the whole prompt: reads and writes are added back.
 *
 * `cache_creation.ephemeral_1h_input_tokens` says which writes were kept an hour
 * (priced at 2× input, not 1.25×). Its absence, or a value that is not a count,
 * leaves every write at the 5-minute rate: the total still bills, the split only
 * refines it, and it is never more than the total.
 */
export function mapAnthropicUsage(usage: unknown): Usage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const wire = usage as Json;
  const uncached = readTokenCount(wire['input_tokens']);
  const output = readTokenCount(wire['output_tokens']);
  if (uncached === undefined && output === undefined) return undefined;
  const cacheRead = readTokenCount(wire['cache_read_input_tokens']) ?? 0;
  const cacheWrite = readTokenCount(wire['cache_creation_input_tokens']) ?? 0;
  // Without input_tokens the input is unknown (0, which the gateway bills as its estimate, at least the
  // cache counts), not the cache counts alone: the uncached part would be free.
  const inputTokens = uncached === undefined ? 0 : uncached + cacheRead + cacheWrite;
  const outputTokens = output ?? 0;
  // NaN (a count that is not one) spreads through the sum; a sum past 2^53 is not exact either.
  if (!Number.isSafeInteger(inputTokens) || !Number.isSafeInteger(outputTokens)) return undefined;
  const result: Usage = { inputTokens, outputTokens };
  if (cacheRead > 0) result.cachedInputTokens = cacheRead;
  if (cacheWrite > 0) result.cacheWriteInputTokens = cacheWrite;
  const hourWrites = Math.min(hourCacheWrites(wire['cache_creation']), cacheWrite);
  if (hourWrites > 0) result.cacheWrite1hInputTokens = hourWrites;
  return result;
}

/** The 1-hour writes of `cache_creation` (`{ ephemeral_5m_input_tokens, ephemeral_1h_input_tokens }`); 0 when unsaid or unreadable. */
function hourCacheWrites(split: unknown): number {
  if (typeof split !== 'object' || split === null) return 0;
  return readTokenDetail((split as Json)['ephemeral_1h_input_tokens']);
}
