import { readTokenCount, readTokenDetail, type Usage } from '@switchyard/core';
import type { GeminiUsageMetadata } from './gemini-wire-types.js';

/**
 * Gemini `usageMetadata` → canonical usage, or undefined when it holds nothing the
 * gateway can bill from: not an object, neither `promptTokenCount` nor
 * `candidatesTokenCount`, or a billed count that is not a count (readTokenCount:
 * negative, fractional, 1e309, text that is not digits). The gateway then bills its
 * estimate, as for an answer without usage; such counts were read as 0 (and
 * fractions were billed as they came).
 *
 * Thoughts are billed as output but counted apart from `candidatesTokenCount`, and
 * the prompt of a tool-use turn (grounding, code execution) apart from
 * `promptTokenCount`: both are added back.
 */
export function mapGeminiUsage(metadata: GeminiUsageMetadata | undefined): Usage | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const prompt = readTokenCount(metadata.promptTokenCount);
  const candidates = readTokenCount(metadata.candidatesTokenCount);
  if (prompt === undefined && candidates === undefined) return undefined;
  const thoughts = readTokenCount(metadata.thoughtsTokenCount) ?? 0;
  const inputTokens = (prompt ?? 0) + (readTokenCount(metadata.toolUsePromptTokenCount) ?? 0);
  const outputTokens = (candidates ?? 0) + thoughts;
  // NaN (a count that is not one) spreads through the sum; a sum past 2^53 is not exact either.
  if (!Number.isSafeInteger(inputTokens) || !Number.isSafeInteger(outputTokens)) return undefined;
  const usage: Usage = { inputTokens, outputTokens };
  const cached = readTokenDetail(metadata.cachedContentTokenCount);
  if (cached > 0) usage.cachedInputTokens = cached;
  if (thoughts > 0) usage.reasoningTokens = thoughts;
  return usage;
}
