import { isJsonObject } from '../transport/upstream-wire-values.js';
import { readTokenCount } from './read-token-count.js';
import type { Usage } from './usage.js';

/** A count in the canonical type, a number (readTokenCount's rule): text is not one here. */
function wholeCount(value: unknown): number | undefined {
  const count = typeof value === 'number' ? readTokenCount(value) : undefined;
  return count === undefined || Number.isNaN(count) ? undefined : count;
}

/** The usage to bill from a plugin's word: whole counts, else undefined (nothing to bill by). */
export function checkedUsage(value: unknown): Usage | undefined {
  if (!isJsonObject(value)) return undefined;
  const inputTokens = wholeCount(value['inputTokens']);
  const outputTokens = wholeCount(value['outputTokens']);
  if (inputTokens === undefined || outputTokens === undefined) return undefined;
  const usage: Usage = { inputTokens, outputTokens };
  for (const detail of ['cachedInputTokens', 'cacheWriteInputTokens', 'cacheWrite1hInputTokens', 'reasoningTokens'] as const) {
    const count = wholeCount(value[detail]);
    if (count) usage[detail] = count;
  }
  return usage;
}
