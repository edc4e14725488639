import type { Usage } from '@switchyard/core';
import type { GeminiUsageMetadata } from './gemini-wire-types.js';

/**
 * Gemini `usageMetadata` → canonical usage. Thoughts are billed as output but counted
 * apart from `candidatesTokenCount`, and the prompt of a tool-use turn (grounding,
 * code execution) apart from `promptTokenCount`: both are added back.
 */
export function mapGeminiUsage(metadata: GeminiUsageMetadata | undefined): Usage {
  const thoughts = count(metadata?.thoughtsTokenCount);
  const usage: Usage = {
    inputTokens: count(metadata?.promptTokenCount) + count(metadata?.toolUsePromptTokenCount),
    outputTokens: count(metadata?.candidatesTokenCount) + thoughts,
  };
  const cached = count(metadata?.cachedContentTokenCount);
  if (cached > 0) usage.cachedInputTokens = cached;
  if (thoughts > 0) usage.reasoningTokens = thoughts;
  return usage;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
