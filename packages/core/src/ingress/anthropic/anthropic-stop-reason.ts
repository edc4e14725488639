import type { FinishReason } from '../../canonical/chat-response.js';
import type { AnthropicStopReason } from './anthropic-messages-wire-types.js';

const anthropicStopReasons = new Set<string>(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded']);

/**
 * Canonical finish reason → Anthropic `stop_reason`. An Anthropic upstream's own
 * value is kept as it was; another provider's is mapped from the unified reason.
 */
export function toAnthropicStopReason(reason: FinishReason): AnthropicStopReason {
  if (reason.raw !== undefined && anthropicStopReasons.has(reason.raw)) return reason.raw as AnthropicStopReason;
  switch (reason.unified) {
    case 'length':
      return 'max_tokens';
    case 'tool-calls':
      return 'tool_use';
    case 'content-filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}
