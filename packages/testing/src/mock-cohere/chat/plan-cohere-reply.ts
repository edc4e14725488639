import { estimatePromptTokens, estimateTokens } from '../../mock-server/estimate-tokens.js';
import { cutAtLimits } from '../../mock-server/cut-at-limits.js';
import type { MockChatReply, MockToolCall } from '../../mock-server/mock-script.js';
import { plannedFinishReason } from '../../mock-server/planned-finish-reason.js';
import { requiredStringValues } from '../../mock-server/required-string-values.js';
import type { CohereMockIds } from '../cohere-mock-ids.js';
import { cohereUsage, type CohereUsage } from './cohere-usage.js';
import type { CohereChatRequestView } from './read-cohere-chat-request.js';

/** A tool call the assistant will make. */
export interface PlannedCohereToolCall {
  id: string;
  name: string;
  /** JSON text, as Cohere sends `function.arguments`. */
  arguments: string;
}

/** What the assistant says, independent of whether it is sent whole or streamed. */
export interface PlannedCohereReply {
  /** `tool_plan`; only sent with tool calls, as Cohere does. */
  toolPlan: string | null;
  text: string | null;
  toolCalls: PlannedCohereToolCall[];
  finishReason: string;
  usage: CohereUsage;
}

const finishReasonByScripted: Record<NonNullable<MockChatReply['finishReason']>, string> = {
  stop: 'COMPLETE',
  length: 'MAX_TOKENS',
  tool_calls: 'TOOL_CALL',
  content_filter: 'CONTENT_BLOCKED',
};

const finishReasonByCut = { max_tokens: 'MAX_TOKENS', stop_sequence: 'STOP_SEQUENCE' } as const;

/**
 * Decides the default reply: calls to the first two tools when `tool_choice` is
 * `REQUIRED`, else `Tool result received: …` after tool results, else JSON fitting
 * the schema of a JSON request (`{}` without one), else `Echo: <last user text>`.
 * `max_tokens` and `stop_sequences` cut the text as the API would. Tool calls come
 * with a `tool_plan` (the script's `reasoning`, or a short default). A script's
 * `reply` overrides parts of that.
 */
export function planCohereReply(request: CohereChatRequestView, ids: CohereMockIds, scripted: MockChatReply = {}): PlannedCohereReply {
  let text: string | null;
  let toolCalls: PlannedCohereToolCall[];
  let finishReason: string | undefined;
  if (scripted.toolCalls !== undefined) {
    toolCalls = scripted.toolCalls.map((call) => scriptedToolCall(call, ids));
    text = scripted.content ?? null;
  } else if (scripted.content !== undefined) {
    toolCalls = [];
    text = scripted.content;
  } else {
    toolCalls = forcedToolCalls(request, ids);
    text = toolCalls.length > 0 ? null : defaultText(request);
    if (text !== null) {
      const cut = cutAtLimits(text, request.stopSequences, request.maxTokens);
      text = cut.text;
      finishReason = cut.cutBy && finishReasonByCut[cut.cutBy];
    }
  }
  const toolPlan = toolCalls.length > 0 ? (scripted.reasoning ?? `I will use ${toolCalls.map((call) => call.name).join(' and ')}.`) : null;
  const replyText = (toolPlan ?? '') + (text ?? '') + toolCalls.map((call) => call.name + call.arguments).join('');
  const usage = scripted.usage ?? {};
  return {
    toolPlan,
    text,
    toolCalls,
    finishReason: plannedFinishReason(finishReasonByScripted, scripted.finishReason, finishReason, toolCalls.length > 0),
    usage: cohereUsage(
      usage.prompt_tokens ?? estimatePromptTokens(request.promptTexts),
      usage.completion_tokens ?? estimateTokens(replyText),
      usage.cached_tokens,
    ),
  };
}

function defaultText(request: CohereChatRequestView): string {
  if (request.toolResults.length > 0) return `Tool result received: ${request.toolResults.join('\n')}`;
  if (request.jsonSchema !== undefined) return JSON.stringify(requiredStringValues(request.jsonSchema, request.lastUserText));
  return `Echo: ${request.lastUserText}`;
}

function forcedToolCalls(request: CohereChatRequestView, ids: CohereMockIds): PlannedCohereToolCall[] {
  if (request.toolChoice !== 'REQUIRED' || request.tools.length === 0) return [];
  return request.tools.slice(0, 2).map((tool) => ({
    id: ids.toolCall(tool.name),
    name: tool.name,
    arguments: JSON.stringify(requiredStringValues(tool.parameters, request.lastUserText)),
  }));
}

function scriptedToolCall(call: MockToolCall, ids: CohereMockIds): PlannedCohereToolCall {
  const args = call.arguments ?? {};
  return { id: call.id ?? ids.toolCall(call.name), name: call.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}
