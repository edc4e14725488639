import { estimatePromptTokens, estimateTokens } from '../../mock-server/estimate-tokens.js';
import type { MockIds } from '../mock-ids.js';
import type { MockChatReply, MockToolCall } from '../../mock-server/mock-script.js';
import { requiredStringValues } from '../../mock-server/required-string-values.js';
import type { ChatRequestView, ChatTool } from './chat-request-view.js';
import { openAIUsage, type OpenAIUsage } from './openai-usage.js';

/** A tool call the assistant will make, with its arguments already a JSON string. */
export interface PlannedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What the assistant says, independent of whether it is sent whole or streamed. */
export interface PlannedReply {
  content: string | null;
  toolCalls: PlannedToolCall[];
  finishReason: string;
  usage: OpenAIUsage;
}

/**
 * Decides the default reply: an echo of the last user message, an acknowledgement
 * of a tool result that ends the conversation, or, when the
 * client forces a tool (`tool_choice` "required" or a named function), a call to
 * it. A script's `reply` overrides parts of that.
 */
export function planChatReply(request: ChatRequestView, ids: MockIds, scripted: MockChatReply = {}): PlannedReply {
  let content: string | null;
  let toolCalls: PlannedToolCall[];
  if (scripted.toolCalls !== undefined) {
    toolCalls = scripted.toolCalls.map((call) => scriptedToolCall(call, ids));
    content = scripted.content ?? null;
  } else if (scripted.content !== undefined) {
    toolCalls = [];
    content = scripted.content;
  } else if (request.toolResultText !== undefined) {
    toolCalls = [];
    content = `Tool result received: ${request.toolResultText}`;
  } else {
    toolCalls = forcedToolCalls(request, ids);
    content = toolCalls.length > 0 ? null : `Echo: ${request.lastUserText}`;
  }

  const replyText = (content ?? '') + toolCalls.map((call) => call.name + call.arguments).join('');
  const usage = scripted.usage ?? {};
  return {
    content,
    toolCalls,
    finishReason: scripted.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    usage: openAIUsage(
      usage.prompt_tokens ?? estimatePromptTokens(request.messageTexts),
      usage.completion_tokens ?? estimateTokens(replyText),
      usage.cached_tokens,
      usage.reasoning_tokens,
    ),
  };
}

function forcedToolCalls(request: ChatRequestView, ids: MockIds): PlannedToolCall[] {
  const { tools, toolChoice } = request;
  if (tools.length === 0) return [];
  let chosen: ChatTool[];
  if (typeof toolChoice === 'object') {
    chosen = [tools.find((tool) => tool.name === toolChoice.name) ?? { name: toolChoice.name, parameters: undefined }];
  } else if (toolChoice === 'required') {
    chosen = tools.slice(0, request.parallelToolCalls ? 2 : 1);
  } else {
    return [];
  }
  return chosen.map((tool) => ({
    id: ids.toolCall(),
    name: tool.name,
    arguments: JSON.stringify(requiredStringValues(tool.parameters, request.lastUserText)),
  }));
}

function scriptedToolCall(call: MockToolCall, ids: MockIds): PlannedToolCall {
  const args = call.arguments ?? {};
  return {
    id: call.id ?? ids.toolCall(),
    name: call.name,
    arguments: typeof args === 'string' ? args : JSON.stringify(args),
  };
}
