import type { ChatRequest } from '../../canonical/chat-request.js';
import type { ChatResponse } from '../../canonical/chat-response.js';
import { anthropicMessageId } from './anthropic-message-id.js';
import type { AnthropicMessage, AnthropicResponseBlock } from './anthropic-messages-wire-types.js';
import { toAnthropicStopDetails, toAnthropicStopReason, toAnthropicStopSequence } from './anthropic-stop-reason.js';
import { toAnthropicMessageUsage } from './anthropic-usage.js';
import { parseToolInput } from './parse-tool-input.js';

/**
 * Writes a canonical response as an Anthropic `message`. Adjacent text parts are
 * joined into one block; a refusal is text to Anthropic (with `stop_reason: refusal`).
 * Every field the SDK's `Message` type requires is written, `null` where a translated
 * answer has nothing to put (container, diagnostics). `request` (what the provider was
 * asked) lets a `stop_sequence` stop name its sequence when only one was asked for.
 */
export function formatAnthropicMessage(response: ChatResponse, model: string, request?: ChatRequest): AnthropicMessage {
  const content: AnthropicResponseBlock[] = [];
  for (const part of response.content) {
    const last = content.at(-1);
    if (part.type === 'text' || part.type === 'refusal') {
      if (last?.type === 'text') last.text += part.text;
      else content.push({ type: 'text', text: part.text, citations: null });
    } else if (part.type === 'reasoning') {
      if (part.redactedData !== undefined) content.push({ type: 'redacted_thinking', data: part.redactedData });
      else content.push({ type: 'thinking', thinking: part.text, signature: part.signature ?? '' });
    } else {
      content.push({ type: 'tool_use', id: part.id, name: part.name, input: parseToolInput(part.arguments), caller: directCaller() });
    }
  }
  const stopReason = toAnthropicStopReason(response.finishReason);
  return {
    id: anthropicMessageId(response.id),
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stopReason,
    stop_sequence: toAnthropicStopSequence(stopReason, response.providerMetadata?.['anthropic']?.['stop_sequence'], request?.stopSequences),
    stop_details: toAnthropicStopDetails(stopReason),
    container: null,
    diagnostics: null,
    usage: toAnthropicMessageUsage(response.usage),
  };
}

/** Who called a tool: the model itself (Anthropic's programmatic callers are its own server tools, never translated). */
export function directCaller(): { type: 'direct' } {
  return { type: 'direct' };
}
