import type { Usage } from '@switchyard/core';
import type { GeminiUsageMetadata } from './gemini-wire-types.js';

/** Canonical usage as `usageMetadata`: Gemini counts thoughts apart from the candidates' tokens. */
export function toUsageMetadata(usage: Usage): GeminiUsageMetadata {
  const thoughts = Math.min(usage.reasoningTokens ?? 0, usage.outputTokens);
  const metadata: GeminiUsageMetadata = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens - thoughts,
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  };
  if (thoughts > 0) metadata.thoughtsTokenCount = thoughts;
  if (usage.cachedInputTokens) metadata.cachedContentTokenCount = usage.cachedInputTokens;
  return metadata;
}
