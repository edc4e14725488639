import { readTokenCount, readTokenDetail, type Usage } from '@switchyard/core';
import type { CohereUsage } from './cohere-wire-types.js';

/**
 * Cohere usage → canonical, or undefined when it holds nothing the gateway can bill
 * from: no input nor output count, or one that is not a count (readTokenCount:
 * negative, fractional, 1e309, text that is not digits). The gateway then bills its
 * estimate, as for an answer without usage; such counts were billed as they came.
 *
 * `tokens` (what the model processed, prompt template included) is the canonical
 * count, as it is what other providers report; `billed_units` only fills in when
 * `tokens` is missing. `cached_tokens` is part of the input.
 */
export function mapCohereUsage(usage: CohereUsage | undefined): Usage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const inputTokens = readTokenCount(usage.tokens?.input_tokens) ?? readTokenCount(usage.billed_units?.input_tokens);
  const outputTokens = readTokenCount(usage.tokens?.output_tokens) ?? readTokenCount(usage.billed_units?.output_tokens);
  if (Number.isNaN(inputTokens) || Number.isNaN(outputTokens) || (inputTokens === undefined && outputTokens === undefined)) return undefined;
  const result: Usage = { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 };
  const cached = readTokenDetail(usage.cached_tokens);
  if (cached > 0) result.cachedInputTokens = cached;
  return result;
}
