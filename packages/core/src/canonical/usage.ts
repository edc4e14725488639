/** Token counts of one call. Every field counts tokens, never characters. */
export interface Usage {
  /** All prompt tokens, cached ones included. */
  inputTokens: number;
  /** All generated tokens, reasoning tokens included. */
  outputTokens: number;
  /** Prompt tokens served from the provider's prompt cache (a subset of inputTokens). */
  cachedInputTokens?: number;
  /** Prompt tokens written to the provider's prompt cache (a subset of inputTokens). */
  cacheWriteInputTokens?: number;
  /** Of the cache writes, those kept for an hour (Anthropic's 1-hour TTL), priced above 5-minute ones; a subset of cacheWriteInputTokens. */
  cacheWrite1hInputTokens?: number;
  /** Hidden reasoning tokens (a subset of outputTokens). */
  reasoningTokens?: number;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0 };
}

export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens;
}

/** The tokens of two calls together (the details each left out count as none). */
export function addUsage(previous: Usage | undefined, next: Usage): Usage {
  if (!previous) return next;
  const sum = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
  const usage: Usage = { inputTokens: previous.inputTokens + next.inputTokens, outputTokens: previous.outputTokens + next.outputTokens };
  const cached = sum(previous.cachedInputTokens, next.cachedInputTokens);
  const cacheWrite = sum(previous.cacheWriteInputTokens, next.cacheWriteInputTokens);
  const cacheWrite1h = sum(previous.cacheWrite1hInputTokens, next.cacheWrite1hInputTokens);
  const reasoning = sum(previous.reasoningTokens, next.reasoningTokens);
  if (cached !== undefined) usage.cachedInputTokens = cached;
  if (cacheWrite !== undefined) usage.cacheWriteInputTokens = cacheWrite;
  if (cacheWrite1h !== undefined) usage.cacheWrite1hInputTokens = cacheWrite1h;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}

/** What was used between two readings of a running total (`before` undefined: all of `after`). */
export function usageSince(before: Usage | undefined, after: Usage): Usage {
  if (!before) return after;
  const difference = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) - (b ?? 0));
  const usage: Usage = { inputTokens: after.inputTokens - before.inputTokens, outputTokens: after.outputTokens - before.outputTokens };
  const cached = difference(after.cachedInputTokens, before.cachedInputTokens);
  const cacheWrite = difference(after.cacheWriteInputTokens, before.cacheWriteInputTokens);
  const cacheWrite1h = difference(after.cacheWrite1hInputTokens, before.cacheWrite1hInputTokens);
  const reasoning = difference(after.reasoningTokens, before.reasoningTokens);
  if (cached !== undefined) usage.cachedInputTokens = cached;
  if (cacheWrite !== undefined) usage.cacheWriteInputTokens = cacheWrite;
  if (cacheWrite1h !== undefined) usage.cacheWrite1hInputTokens = cacheWrite1h;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}
