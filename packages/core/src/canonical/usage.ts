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
  /** Hidden reasoning tokens (a subset of outputTokens). */
  reasoningTokens?: number;
}

export function emptyUsage(): Usage {
  return { inputTokens: 0, outputTokens: 0 };
}

export function totalTokens(usage: Usage): number {
  return usage.inputTokens + usage.outputTokens;
}
