import type { Usage } from '@switchyard/core';

/** A count from an upstream body: a finite non-negative number, else 0 (hostile or missing). */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
}

/** A Responses API `usage` object → canonical usage (cached and reasoning tokens are inside the totals on both sides). */
export function readResponsesUsage(usage: unknown): Usage | undefined {
  if (typeof usage !== 'object' || usage === null) return undefined;
  const wire = usage as { input_tokens?: unknown; output_tokens?: unknown; input_tokens_details?: { cached_tokens?: unknown }; output_tokens_details?: { reasoning_tokens?: unknown } };
  const result: Usage = { inputTokens: count(wire.input_tokens), outputTokens: count(wire.output_tokens) };
  const cached = count(wire.input_tokens_details?.cached_tokens);
  const reasoning = count(wire.output_tokens_details?.reasoning_tokens);
  if (cached > 0) result.cachedInputTokens = cached;
  if (reasoning > 0) result.reasoningTokens = reasoning;
  return result;
}
