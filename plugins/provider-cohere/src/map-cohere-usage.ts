import { readTokenCount, readTokenDetail, type Usage } from '@switchyard/core';
import type { CohereUsage } from './cohere-wire-types.js';

/**
 * Cohere usage → canonical, or undefined when it holds nothing the gateway can bill
 * from: no input nor output count, or one (billed or processed) that is not a count (readTokenCount:
 * negative, fractional, 1e309, text that is not digits). The gateway then bills its
 * estimate, as for an answer without usage; such counts were billed as they came.
 *
 * `billed_units` is the canonical count: Cohere invoices it ("the tokens that you're
 * actually billed for"), and leaves out of it the tokens it adds itself (its prompt
 * template, special tokens), which `tokens` counts: billed from `tokens`, the
 * fixtures' answer cost 1,184 input tokens for the 71 Cohere charges. `tokens` only
 * fills in when `billed_units` is missing. `cached_tokens` is part of the input.
 */
export function mapCohereUsage(usage: CohereUsage | undefined): Usage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const billed = [readTokenCount(usage.billed_units?.input_tokens), readTokenCount(usage.billed_units?.output_tokens)];
  const processed = [readTokenCount(usage.tokens?.input_tokens), readTokenCount(usage.tokens?.output_tokens)];
  // A count that is not one, in either object, is an upstream that cannot be taken at its word.
  if ([...billed, ...processed].some(Number.isNaN)) return undefined;
  const inputTokens = billed[0] ?? processed[0];
  const outputTokens = billed[1] ?? processed[1];
  if (inputTokens === undefined && outputTokens === undefined) return undefined;
  const result: Usage = { inputTokens: inputTokens ?? 0, outputTokens: outputTokens ?? 0 };
  const cached = readTokenDetail(usage.cached_tokens);
  if (cached > 0) result.cachedInputTokens = cached;
  return result;
}
