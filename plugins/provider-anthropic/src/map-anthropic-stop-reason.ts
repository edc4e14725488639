import type { FinishReason, UnifiedFinishReason } from '@switchyard/core';

const unifiedByStopReason: Record<string, UnifiedFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  // A server-tool loop paused; the client may resend to continue, which is a normal stop to it.
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  refusal: 'content-filter',
};

/**
 * Anthropic `stop_reason` → unified finish reason, raw value kept. `noToolCalls`: the
 * answer holds no call for the client (the only tool called was the JSON-mode tool, or
 * every call was left out for having no name), so to the client the model simply
 * stopped: a client told `tool_calls` reads calls that are not there.
 */
export function mapAnthropicStopReason(raw: string | null | undefined, noToolCalls = false): FinishReason {
  if (!raw) return { unified: 'other' };
  if (raw === 'tool_use' && noToolCalls) return { unified: 'stop', raw };
  // Own keys only: a `stop_reason` of `toString` or `__proto__` must not read Object.prototype.
  return { unified: Object.hasOwn(unifiedByStopReason, raw) ? unifiedByStopReason[raw]! : 'other', raw };
}
