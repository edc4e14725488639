import type { Usage } from '../../canonical/usage.js';
import type { AnthropicDeltaUsage, AnthropicMessageUsage, AnthropicResponseUsage } from './anthropic-messages-wire-types.js';

/**
 * Canonical usage → Anthropic's. Anthropic's `input_tokens` leaves out the prompt
 * tokens read from or written to the prompt cache; the canonical count includes them.
 */
export function toAnthropicUsage(usage: Usage): AnthropicResponseUsage {
  const cacheRead = usage.cachedInputTokens ?? 0;
  const cacheWrite = usage.cacheWriteInputTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}

/**
 * A translated message's whole `usage`, every field the SDK's `Usage` type requires:
 * the cache writes split by TTL as Anthropic reports them (the canonical count keeps the
 * 1-hour ones apart), the reasoning tokens as `thinking_tokens`, and `null` for what
 * only Anthropic itself can say (its tier, region, speed, server tool calls).
 */
export function toAnthropicMessageUsage(usage: Usage): AnthropicMessageUsage {
  const counts = toAnthropicUsage(usage);
  const cacheWrite1h = Math.min(usage.cacheWrite1hInputTokens ?? 0, counts.cache_creation_input_tokens);
  return {
    ...counts,
    cache_creation: { ephemeral_5m_input_tokens: counts.cache_creation_input_tokens - cacheWrite1h, ephemeral_1h_input_tokens: cacheWrite1h },
    output_tokens_details: thinkingTokens(usage),
    server_tool_use: null,
    service_tier: null,
    inference_geo: null,
    speed: null,
  };
}

/** A translated stream's `message_delta` usage: cumulative counts, every field the SDK's `MessageDeltaUsage` requires. */
export function toAnthropicDeltaUsage(usage: Usage): AnthropicDeltaUsage {
  return { ...toAnthropicUsage(usage), output_tokens_details: thinkingTokens(usage), server_tool_use: null };
}

function thinkingTokens(usage: Usage): { thinking_tokens: number } | null {
  return usage.reasoningTokens === undefined ? null : { thinking_tokens: usage.reasoningTokens };
}

/**
 * The `usage` an Anthropic client gets on the fast path: the upstream's own object when
 * its counts already say, in numbers, what the gateway billed (the usual case: the same
 * object, nothing made), else the upstream's other fields (`service_tier`,
 * `server_tool_use`) with the billed counts. An upstream's counts the gateway could not
 * bill (missing, negative, text, 1e309) were billed as its estimate: the client reads that.
 */
export function billedAnthropicUsage(upstream: unknown, billed: Usage): unknown {
  const wire = typeof upstream === 'object' && upstream !== null ? (upstream as Record<string, unknown>) : undefined;
  if (wire && saysAnthropicUsage(wire, billed)) return wire;
  return { ...wire, ...toAnthropicUsage(billed) };
}

function saysAnthropicUsage(wire: Record<string, unknown>, billed: Usage): boolean {
  const cacheRead = wire['cache_read_input_tokens'] ?? 0;
  const cacheWrite = wire['cache_creation_input_tokens'] ?? 0;
  const uncached = wire['input_tokens'];
  return (
    typeof uncached === 'number' &&
    typeof cacheRead === 'number' &&
    typeof cacheWrite === 'number' &&
    uncached + cacheRead + cacheWrite === billed.inputTokens &&
    cacheRead === (billed.cachedInputTokens ?? 0) &&
    cacheWrite === (billed.cacheWriteInputTokens ?? 0) &&
    wire['output_tokens'] === billed.outputTokens
  );
}
