import type { FinishReason } from '../../canonical/chat-response.js';
import { parseUpstreamJson } from '../../transport/parse-upstream-json.js';
import type { AnthropicStopDetails, AnthropicStopReason } from './anthropic-messages-wire-types.js';

const anthropicStopReasons = new Set<string>(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'pause_turn', 'refusal', 'model_context_window_exceeded']);

/** Whether `value` is a `stop_reason` Anthropic defines (a string, compared as decoded: escapes do not matter). */
export function isAnthropicStopReason(value: unknown): value is AnthropicStopReason {
  return typeof value === 'string' && anthropicStopReasons.has(value);
}

/**
 * A fast-path `message_delta` (its data) with `delta.stop_reason` written as the
 * translated path writes `reason`: for a stop reason Anthropic does not define, which
 * the tap read from it, or for none (`null`, `""`, `0`, missing: the stream's last
 * finish, else `end_turn`). Its other fields are kept; a `delta` that is not an object
 * becomes `{stop_reason, stop_sequence: null}`, as the translated path writes it (the
 * SDKs read `delta.stop_reason` of every `message_delta`). Data that is not an object
 * is returned as it came.
 */
export function withAnthropicStopReason(data: string, reason: FinishReason): string {
  let parsed: unknown;
  try {
    parsed = parseUpstreamJson(data);
  } catch {
    return data;
  }
  if (!isObject(parsed)) return data;
  const stopReason = toAnthropicStopReason(reason);
  const delta = parsed['delta'];
  if (isObject(delta)) delta['stop_reason'] = stopReason;
  else parsed['delta'] = { stop_reason: stopReason, stop_sequence: null };
  return JSON.stringify(parsed);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

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

/** `stop_details` beside a translated `stop_reason`: a refusal says it is one (its category unknown to the gateway), else null. */
export function toAnthropicStopDetails(stopReason: AnthropicStopReason | null): AnthropicStopDetails {
  return stopReason === 'refusal' ? { type: 'refusal', category: null, explanation: null } : null;
}

/**
 * `stop_sequence` of a translated answer: which of the request's stop sequences ended it,
 * where that is known. An upstream that says so (Anthropic) is taken at its word; else,
 * with exactly one stop sequence asked for, a `stop_sequence` stop can only be that one.
 * Otherwise (several asked for, and an upstream that does not say: Bedrock's Converse) null.
 * Only a `stop_sequence` stop names one: OpenAI and Gemini end on a stop sequence with
 * their plain stop, which reads as `end_turn`.
 */
export function toAnthropicStopSequence(stopReason: AnthropicStopReason, said: unknown, requested: readonly string[] | undefined): string | null {
  if (stopReason !== 'stop_sequence') return null;
  if (typeof said === 'string') return said;
  return requested?.length === 1 ? requested[0]! : null;
}
