import type { FinishReason, UnifiedFinishReason } from '@switchyard/core';

const unifiedByStopReason: Record<string, UnifiedFinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool-calls',
  guardrail_intervened: 'content-filter',
  content_filtered: 'content-filter',
  // The model produced something unusable: the client should not take it as a normal stop.
  malformed_model_output: 'error',
  malformed_tool_use: 'error',
};

/**
 * Bedrock `stopReason` → unified finish reason, raw value kept. `answeredWithJsonTool`:
 * the only tool called was the JSON answer tool, so to the client the model simply stopped.
 */
export function mapBedrockStopReason(raw: string | undefined, answeredWithJsonTool = false): FinishReason {
  if (!raw) return { unified: 'other' };
  if (raw === 'tool_use' && answeredWithJsonTool) return { unified: 'stop', raw };
  // Own keys only: a `stopReason` of `toString` or `__proto__` must not read Object.prototype.
  return { unified: Object.hasOwn(unifiedByStopReason, raw) ? unifiedByStopReason[raw]! : 'other', raw };
}
