import { estimatePromptTokens, estimateTokens } from '../../mock-server/estimate-tokens.js';
import { cutAtLimits } from '../../mock-server/cut-at-limits.js';
import type { MockChatReply, MockToolCall } from '../../mock-server/mock-script.js';
import { parseJsonObject } from '../../mock-server/parse-json-object.js';
import { plannedFinishReason } from '../../mock-server/planned-finish-reason.js';
import { requiredStringValues } from '../../mock-server/required-string-values.js';
import type { AnthropicMockIds } from '../anthropic-mock-ids.js';
import { anthropicUsage, type AnthropicUsage } from './anthropic-usage.js';
import type { MessagesRequestView, MessagesTool } from './read-messages-request.js';

/** A `tool_use` block the assistant will send. */
export interface PlannedToolUse {
  id: string;
  name: string;
  input: Record<string, unknown>;
  /** The input as the JSON text streamed in `input_json_delta` fragments. */
  inputJson: string;
}

/** What the assistant says, independent of whether it is sent whole or streamed. */
export interface PlannedAnthropicReply {
  /** Becomes a `thinking` block before everything else. */
  thinking: { text: string; signature: string } | null;
  /** Becomes a `text` block; `null` for none. */
  text: string | null;
  toolUses: PlannedToolUse[];
  stopReason: string;
  stopSequence: string | null;
  usage: AnthropicUsage;
}

const stopReasonByFinishReason: Record<NonNullable<MockChatReply['finishReason']>, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/**
 * Decides the default reply: a call to a tool when `tool_choice` forces one (`any`:
 * the first tool, or the first two when there are two and parallel use is not
 * disabled; `tool`: the named one), else `Tool result received: …` after tool
 * results, else JSON fitting the schema of a structured-output request, else
 * `Echo: <last user text>`. `max_tokens` and `stop_sequences` cut the text as the API
 * would. A script's `reply` overrides parts of that.
 */
export function planAnthropicReply(request: MessagesRequestView, ids: AnthropicMockIds, scripted: MockChatReply = {}): PlannedAnthropicReply {
  let text: string | null;
  let toolUses: PlannedToolUse[];
  let stopReason: string | undefined;
  let stopSequence: string | null = null;
  if (scripted.toolCalls !== undefined) {
    toolUses = scripted.toolCalls.map((call) => scriptedToolUse(call, ids));
    text = scripted.content ?? null;
  } else if (scripted.content !== undefined) {
    toolUses = [];
    text = scripted.content;
  } else {
    toolUses = forcedToolUses(request, ids);
    text = toolUses.length > 0 ? null : defaultText(request);
    if (text !== null) {
      const cut = cutAtLimits(text, request.stopSequences, request.maxTokens);
      text = cut.text;
      stopReason = cut.cutBy;
      stopSequence = cut.stopSequence;
    }
  }

  const thinking = scripted.reasoning !== undefined ? { text: scripted.reasoning, signature: mockSignature(scripted.reasoning) } : null;
  const replyText = (thinking?.text ?? '') + (text ?? '') + toolUses.map((call) => call.name + call.inputJson).join('');
  const usage = scripted.usage ?? {};
  return {
    thinking,
    text,
    toolUses,
    stopReason: plannedFinishReason(stopReasonByFinishReason, scripted.finishReason, stopReason, toolUses.length > 0),
    stopSequence,
    usage: anthropicUsage(
      usage.prompt_tokens ?? estimatePromptTokens(request.promptTexts),
      usage.completion_tokens ?? estimateTokens(replyText),
      usage.cached_tokens,
      usage.cache_write_tokens,
      usage.cache_write_1h_tokens,
    ),
  };
}

function defaultText(request: MessagesRequestView): string {
  if (request.toolResults.length > 0) return `Tool result received: ${request.toolResults.join('\n')}`;
  if (request.outputSchema !== undefined) return JSON.stringify(requiredStringValues(request.outputSchema, request.lastUserText));
  return `Echo: ${request.lastUserText}`;
}

function forcedToolUses(request: MessagesRequestView, ids: AnthropicMockIds): PlannedToolUse[] {
  const { tools, toolChoice } = request;
  if (tools.length === 0) return [];
  let chosen: MessagesTool[];
  if (toolChoice.type === 'tool') {
    chosen = [tools.find((tool) => tool.name === toolChoice.name) ?? { name: toolChoice.name ?? '', inputSchema: undefined }];
  } else if (toolChoice.type === 'any') {
    chosen = tools.slice(0, toolChoice.disableParallelToolUse ? 1 : 2);
  } else {
    return [];
  }
  return chosen.map((tool) => {
    const input = requiredStringValues(tool.inputSchema, request.lastUserText);
    return { id: ids.toolUse(), name: tool.name, input, inputJson: JSON.stringify(input) };
  });
}

function scriptedToolUse(call: MockToolCall, ids: AnthropicMockIds): PlannedToolUse {
  const args = call.arguments ?? {};
  // Anthropic's `input` is always an object; a script's string that is not one becomes `{}`.
  const input = typeof args === 'string' ? (parseJsonObject(args) ?? {}) : args;
  return { id: call.id ?? ids.toolUse(), name: call.name, input, inputJson: JSON.stringify(input) };
}

// Deterministic stand-in for the opaque signature Anthropic puts on thinking.
function mockSignature(thinking: string): string {
  return Buffer.from(`mock-signature:${estimateTokens(thinking)}:${thinking.length}`).toString('base64');
}
