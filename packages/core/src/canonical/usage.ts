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
  return previous ? combined(previous, next, 1) : next;
}

/** What was used between two readings of a running total (`before` undefined: all of `after`). */
export function usageSince(before: Usage | undefined, after: Usage): Usage {
  return before ? combined(after, before, -1) : after;
}

/** `a` plus (`sign` 1) or less (`sign` -1) `b`, field by field; a detail both leave out stays out. */
function combined(a: Usage, b: Usage, sign: 1 | -1): Usage {
  const detail = (x: number | undefined, y: number | undefined) => (x === undefined && y === undefined ? undefined : (x ?? 0) + sign * (y ?? 0));
  const usage: Usage = { inputTokens: a.inputTokens + sign * b.inputTokens, outputTokens: a.outputTokens + sign * b.outputTokens };
  const cached = detail(a.cachedInputTokens, b.cachedInputTokens);
  const cacheWrite = detail(a.cacheWriteInputTokens, b.cacheWriteInputTokens);
  const cacheWrite1h = detail(a.cacheWrite1hInputTokens, b.cacheWrite1hInputTokens);
  const reasoning = detail(a.reasoningTokens, b.reasoningTokens);
  if (cached !== undefined) usage.cachedInputTokens = cached;
  if (cacheWrite !== undefined) usage.cacheWriteInputTokens = cacheWrite;
  if (cacheWrite1h !== undefined) usage.cacheWrite1hInputTokens = cacheWrite1h;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}
