import { estimatePromptTokens, estimateTokens } from '../../mock-server/estimate-tokens.js';
import { isRecord } from '../../mock-server/is-record.js';
import type { MockChatReply, MockToolCall } from '../../mock-server/mock-script.js';
import { requiredStringValues } from '../../mock-server/required-string-values.js';
import type { DeclaredFunction, GenerateContentView } from './read-generate-content-request.js';

/** A function call the model will make. */
export interface PlannedFunctionCall {
  name: string;
  args: Record<string, unknown>;
}

/** Gemini's token counts for one reply. */
export interface PlannedGeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  thoughtsTokenCount: number;
  cachedContentTokenCount: number;
}

/** What the model says, independent of whether it is sent whole or streamed. */
export interface PlannedGeminiReply {
  /** Answer text; `null` for none. */
  text: string | null;
  /** A thought summary, sent as a `thought: true` part before the answer. */
  thought: string | undefined;
  functionCalls: PlannedFunctionCall[];
  finishReason: 'STOP' | 'MAX_TOKENS' | 'SAFETY';
  usage: PlannedGeminiUsage;
}

const finishReasons = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP', content_filter: 'SAFETY' } as const;

/**
 * Decides the default reply: after function results, an acknowledgement quoting
 * them; when the client forces a call (`mode: ANY`), calls (the first two declared
 * functions, or the first allowed one); else an echo of the last user text. A
 * script's `reply` overrides parts of that.
 */
export function planGeminiReply(request: GenerateContentView, scripted: MockChatReply = {}): PlannedGeminiReply {
  let text: string | null;
  let functionCalls: PlannedFunctionCall[];
  if (scripted.toolCalls !== undefined) {
    functionCalls = scripted.toolCalls.map(scriptedCall);
    text = scripted.content ?? null;
  } else if (scripted.content !== undefined || scripted.finishReason === 'content_filter') {
    // A filtered answer has no content unless the script gives some.
    functionCalls = [];
    text = scripted.content ?? null;
  } else if (request.functionResponses.length > 0) {
    functionCalls = [];
    text = request.functionResponses.map((result) => `Tool result received: ${JSON.stringify(result.response)}`).join('\n');
  } else {
    functionCalls = forcedCalls(request);
    text = functionCalls.length > 0 ? null : `Echo: ${request.lastUserText}`;
  }

  const thought = scripted.reasoning;
  const usage = scripted.usage ?? {};
  const thoughts = usage.reasoning_tokens ?? (thought ? estimateTokens(thought) : 0);
  const replyText = (text ?? '') + functionCalls.map((call) => call.name + JSON.stringify(call.args)).join('');
  return {
    text,
    thought,
    functionCalls,
    finishReason: finishReasons[scripted.finishReason ?? 'stop'],
    usage: {
      promptTokenCount: usage.prompt_tokens ?? estimatePromptTokens(request.texts),
      // OpenAI's completion tokens include reasoning; Gemini counts thoughts apart.
      candidatesTokenCount: usage.completion_tokens !== undefined ? Math.max(0, usage.completion_tokens - thoughts) : estimateTokens(replyText),
      thoughtsTokenCount: thoughts,
      cachedContentTokenCount: usage.cached_tokens ?? 0,
    },
  };
}

function forcedCalls(request: GenerateContentView): PlannedFunctionCall[] {
  if (request.mode !== 'ANY' || request.functions.length === 0) return [];
  const allowed = request.allowedFunctionNames;
  const chosen: DeclaredFunction[] =
    allowed && allowed.length > 0
      ? request.functions.filter((declared) => declared.name === allowed[0])
      : request.functions.slice(0, 2);
  return chosen.map((declared) => ({ name: declared.name, args: requiredStringValues(declared.parameters, request.lastUserText, isGeminiString) }));
}

// Gemini's schemas spell types in capitals (`STRING`); JSON Schema's lower case is accepted too.
function isGeminiString(type: unknown): boolean {
  if (typeof type === 'string') return type.toLowerCase() === 'string';
  return Array.isArray(type) && type.some((name) => typeof name === 'string' && name.toLowerCase() === 'string');
}

function scriptedCall(call: MockToolCall): PlannedFunctionCall {
  const args = call.arguments ?? {};
  if (typeof args !== 'string') return { name: call.name, args };
  const parsed: unknown = JSON.parse(args);
  return { name: call.name, args: isRecord(parsed) ? parsed : {} };
}
