import type { Usage } from '../../canonical/usage.js';
import type { ResponsesUsage } from './responses-wire-types.js';

/** Canonical usage → the Responses API's, which counts cached and reasoning tokens inside the totals as the canonical form does. */
export function toResponsesUsage(usage: Usage): ResponsesUsage {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

/**
 * Whether an upstream's Responses `usage` already says, in numbers, what the gateway
 * billed; when not (missing, or counts it could not bill as they came), the client is
 * given the billed usage instead.
 */
export function saysResponsesUsage(upstream: unknown, billed: Usage): boolean {
  if (typeof upstream !== 'object' || upstream === null) return false;
  const wire = upstream as { input_tokens?: unknown; output_tokens?: unknown; total_tokens?: unknown; input_tokens_details?: { cached_tokens?: unknown } | null; output_tokens_details?: { reasoning_tokens?: unknown } | null };
  return (
    wire.input_tokens === billed.inputTokens &&
    wire.output_tokens === billed.outputTokens &&
    wire.total_tokens === billed.inputTokens + billed.outputTokens &&
    (wire.input_tokens_details?.cached_tokens ?? 0) === (billed.cachedInputTokens ?? 0) &&
    (wire.output_tokens_details?.reasoning_tokens ?? 0) === (billed.reasoningTokens ?? 0)
  );
}
