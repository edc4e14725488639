import { estimatePromptTokens, estimateTokens } from '../mock-server/estimate-tokens.js';
import { cutAtLimits } from '../mock-server/cut-at-limits.js';
import type { MockChatReply, MockToolCall } from '../mock-server/mock-script.js';
import { parseJsonObject } from '../mock-server/parse-json-object.js';
import { plannedFinishReason } from '../mock-server/planned-finish-reason.js';
import { requiredStringValues } from '../mock-server/required-string-values.js';
import type { BedrockMockIds } from './bedrock-mock-ids.js';
import type { ConverseRequestView } from './read-converse-request.js';

/** A `toolUse` block the assistant will send. */
export interface PlannedToolUse {
  toolUseId: string;
  name: string;
  input: Record<string, unknown>;
}

/** Bedrock's usage object. */
export interface BedrockMockUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens: number;
  cacheWriteInputTokens: number;
}

/** What the assistant says, whether sent whole or streamed. */
export interface PlannedBedrockReply {
  reasoning: { text: string; signature: string } | null;
  text: string | null;
  toolUses: PlannedToolUse[];
  stopReason: string;
  usage: BedrockMockUsage;
}

const stopReasonByFinishReason: Record<NonNullable<MockChatReply['finishReason']>, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'content_filtered',
};

/**
 * Decides the default reply: a `toolUse` when `toolChoice` forces one (`any`: the
 * first tool; `tool`: the named one, and a scripted JSON `content` becomes its
 * input, as a model answering through a JSON tool would), else `Tool result
 * received: …` after tool results, else `Echo: <last user text>`, cut by
 * `stopSequences` and `maxTokens` as Bedrock would. A script's `reply` overrides
 * parts of that. Usage: `inputTokens` leaves the cached prompt out, as Bedrock's does.
 */
export function planBedrockReply(request: ConverseRequestView, ids: BedrockMockIds, scripted: MockChatReply = {}): PlannedBedrockReply {
  let text: string | null;
  let toolUses: PlannedToolUse[];
  let stopReason: string | undefined;
  const forcedTool = request.toolChoice.type === 'tool' ? request.toolChoice.name : undefined;
  const scriptedJson = typeof scripted.content === 'string' ? parseJsonObject(scripted.content) : undefined;
  if (scripted.toolCalls !== undefined) {
    toolUses = scripted.toolCalls.map((call) => scriptedToolUse(call, ids));
    text = scripted.content ?? null;
  } else if (forcedTool !== undefined && scriptedJson !== undefined) {
    toolUses = [{ toolUseId: ids.toolUse(), name: forcedTool, input: scriptedJson }];
    text = null;
  } else if (scripted.content !== undefined) {
    toolUses = [];
    text = scripted.content;
  } else {
    toolUses = forcedToolUses(request, ids);
    text = toolUses.length > 0 ? null : defaultText(request);
    if (text !== null) ({ text, cutBy: stopReason } = cutAtLimits(text, request.stopSequences, request.maxTokens));
  }

  const reasoning = scripted.reasoning !== undefined ? { text: scripted.reasoning, signature: mockSignature(scripted.reasoning) } : null;
  const replyText = (reasoning?.text ?? '') + (text ?? '') + toolUses.map((call) => call.name + JSON.stringify(call.input)).join('');
  const promptTokens = scripted.usage?.prompt_tokens ?? estimatePromptTokens(request.promptTexts);
  const cached = Math.min(scripted.usage?.cached_tokens ?? 0, promptTokens);
  const outputTokens = scripted.usage?.completion_tokens ?? estimateTokens(replyText);
  return {
    reasoning,
    text,
    toolUses,
    stopReason: plannedFinishReason(stopReasonByFinishReason, scripted.finishReason, stopReason, toolUses.length > 0),
    usage: {
      inputTokens: promptTokens - cached,
      outputTokens,
      totalTokens: promptTokens + outputTokens,
      cacheReadInputTokens: cached,
      cacheWriteInputTokens: 0,
    },
  };
}

function defaultText(request: ConverseRequestView): string {
  if (request.toolResults.length > 0) return `Tool result received: ${request.toolResults.join('\n')}`;
  return `Echo: ${request.lastUserText}`;
}

function forcedToolUses(request: ConverseRequestView, ids: BedrockMockIds): PlannedToolUse[] {
  const { tools, toolChoice } = request;
  const chosen =
    toolChoice.type === 'tool' ? tools.filter((tool) => tool.name === toolChoice.name) : toolChoice.type === 'any' ? tools.slice(0, 1) : [];
  return chosen.map((tool) => ({ toolUseId: ids.toolUse(), name: tool.name, input: requiredStringValues(tool.inputSchema, request.lastUserText) }));
}

function scriptedToolUse(call: MockToolCall, ids: BedrockMockIds): PlannedToolUse {
  const args = call.arguments ?? {};
  return { toolUseId: call.id ?? ids.toolUse(), name: call.name, input: typeof args === 'string' ? (parseJsonObject(args) ?? {}) : args };
}

// Deterministic stand-in for the opaque signature reasoning models put on their reasoning.
function mockSignature(reasoning: string): string {
  return Buffer.from(`mock-signature:${reasoning.length}`).toString('base64');
}
