import type { ChatRequest, ToolChoice } from '../../canonical/chat-request.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { compileValidator, type Validator } from '../../validation/compile-validator.js';
import { checkIngressBody, invalidRequest } from '../check-ingress-body.js';
import { restrictToAllowedTools } from '../allowed-tools.js';
import { checkProviderOptions, responsesGovernedFields } from '../check-provider-options.js';
import type { ParsedIngressRequest } from '../ingress-dialect.js';
import { defaultIngressLimits, type IngressLimits } from '../ingress-limits.js';
import { responsesItemId } from './responses-item-id.js';
import { openAIOnlyItems, openAIOnlyParts, responsesItemsToMessages } from './responses-items-to-messages.js';
import { estimateJsonTokens } from '../../pricing/estimate-prompt-tokens.js';
import { responsesRequestSchema } from './responses-request-schema.js';
import type { ResponsesCreateBody, ResponsesInputItem, ResponsesMessageItem, ResponsesResponse } from './responses-wire-types.js';

/** The request fields a Response object repeats back to the client, as OpenAI does. */
export type ResponsesEcho = Pick<
  ResponsesResponse,
  | 'instructions' | 'max_output_tokens' | 'parallel_tool_calls' | 'previous_response_id' | 'reasoning' | 'store'
  | 'temperature' | 'text' | 'tool_choice' | 'tools' | 'top_p' | 'truncation' | 'user' | 'metadata'
>;

/** What the echo says when nothing was asked (a cached or test answer with no request at hand). */
export const defaultResponsesEcho: ResponsesEcho = {
  instructions: null,
  max_output_tokens: null,
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  store: true,
  temperature: null,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: null,
  truncation: 'disabled',
  user: null,
  metadata: {},
};

/** A parsed Responses body: the canonical request and what the endpoint needs besides it. */
export interface ParsedResponsesRequest extends ParsedIngressRequest {
  /** This turn's input as Responses items, each with an `id` (what `input_items` lists). */
  inputItems: ResponsesInputItem[];
  echo: ResponsesEcho;
  /** Whether the finished response is kept (`store`, default true). */
  store: boolean;
  previousResponseId: string | undefined;
  /** How many leading canonical messages come from `instructions` (0 or 1): a previous conversation goes after them. */
  leadingSystemMessages: number;
}

let validator: Validator<ResponsesCreateBody> | undefined;

/** Compiles the request schema; called at start so the first request pays nothing. */
export function prepareResponsesValidator(): void {
  validator ??= compileValidator<ResponsesCreateBody>(responsesRequestSchema, { problems: 'first' });
}

/** Fields that ask for something only OpenAI's own servers can do. */
const openAIOnlyFields: Record<string, string> = {
  conversation: 'conversations are kept by OpenAI; use previous_response_id',
  prompt: 'prompt templates are kept by OpenAI',
};

/**
 * Checks a `POST /v1/responses` body and turns it into the canonical request. The
 * body is expected from the gateway's body parser (finite numbers, bounded depth);
 * `limits` bounds the item count and the model name.
 */
export function parseResponsesRequest(body: unknown, limits: IngressLimits = defaultIngressLimits): ParsedResponsesRequest {
  prepareResponsesValidator();
  const input = (body as { input?: unknown } | null)?.input;
  if (Array.isArray(input) && input.length > limits.maxMessages) {
    throw invalidRequest('/input', `more than ${limits.maxMessages} items (limits.max_messages)`);
  }
  const wire = checkIngressBody(body, validator!, limits);
  const providerOptions = wire.provider_options;
  checkProviderOptions(providerOptions, responsesGovernedFields);
  for (const [field, reason] of Object.entries(openAIOnlyFields)) {
    if (wire[field] !== undefined && wire[field] !== null) throw invalidRequest(`/${field}`, `not supported by this gateway: ${reason}`);
  }
  if (wire.background === true) throw invalidRequest('/background', 'background responses are not supported by this gateway');
  if (wire.input === undefined && !wire.previous_response_id) throw invalidRequest('', "must have required property 'input'");

  const inputItems = withIds(typeof wire.input === 'string' ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: wire.input }] }] : (wire.input ?? []));
  const messages: ChatRequest['messages'] = [];
  if (wire.instructions) messages.push({ role: 'system', content: wire.instructions });
  const leadingSystemMessages = messages.length;
  // Built-in tools run only at OpenAI: carried by the pass-through, refused for every translated attempt.
  let translationRefusal: GatewayError | undefined;
  messages.push(...responsesItemsToMessages(inputItems, '/input', (refusal) => void (translationRefusal ??= refusal)));

  const request: ChatRequest = { model: wire.model, messages, stream: wire.stream === true };
  countOpenAIOnlyItems(request, inputItems);
  // Read by a translated attempt's adapter, counted by the budget hold; the pass-through unfolds the client's own.
  if (providerOptions !== undefined && Object.keys(providerOptions).length > 0) request.providerOptions = providerOptions;
  if (wire.max_output_tokens != null) request.maxOutputTokens = wire.max_output_tokens;
  if (wire.temperature != null) request.temperature = wire.temperature;
  if (wire.top_p != null) request.topP = wire.top_p;
  if (wire.user !== undefined) request.user = wire.user;
  else if (typeof wire['safety_identifier'] === 'string') request.user = wire['safety_identifier'];
  if (wire.metadata != null && Object.keys(wire.metadata).length > 0) request.metadata = wire.metadata;
  const effort = wire.reasoning?.effort;
  if (effort != null) request.reasoningEffort = effort === 'xhigh' ? 'high' : effort;
  const functionTools = (wire.tools ?? []).filter((tool, index) => {
    if (tool.type === 'function') return true;
    translationRefusal ??= invalidRequest(`/tools/${index}/type`, `the built-in tool '${String(tool.type).slice(0, 64)}' runs only at OpenAI and cannot be translated to other providers`);
    return false;
  });
  if (functionTools.length > 0) {
    request.tools = functionTools.map((tool, index) => {
      if (!tool.name) throw invalidRequest(`/tools/${index}`, "must have required property 'name'");
      return {
        name: tool.name,
        ...(tool.description != null && { description: tool.description }),
        parameters: tool.parameters ?? { type: 'object', properties: {} },
        ...(tool.strict != null && { strict: tool.strict }),
      };
    });
    // Without function tools it means nothing, and OpenAI Chat refuses it ("only allowed when 'tools' are specified"): left out, as a tool_choice is.
    if (wire.parallel_tool_calls != null) request.parallelToolCalls = wire.parallel_tool_calls;
  }
  if (wire.tool_choice !== undefined) {
    const choice = wire.tool_choice;
    if (typeof choice === 'object' && choice.type === 'allowed_tools') {
      const allowed = readAllowedFunctions(choice);
      if (allowed.builtIn) translationRefusal ??= invalidRequest('/tool_choice/tools', 'the allowed tools name a built-in tool, which runs only at OpenAI');
      // A choice without tools means nothing to any provider (OpenAI Chat refuses it): left out.
      else if (request.tools) request.toolChoice = restrictToAllowedTools(request, allowed.mode, allowed.names, (index) => `/tool_choice/tools/${index}/name`);
    } else if (typeof choice === 'object' && choice.type !== 'function') {
      translationRefusal ??= invalidRequest('/tool_choice/type', `the tool choice '${String((choice as { type: unknown }).type).slice(0, 64)}' names a built-in tool, which runs only at OpenAI`);
    } else applyToolChoice(choice, request);
  }
  const format = wire.text?.format;
  if (format?.type === 'json_object') request.responseFormat = { type: 'json' };
  else if (format?.type === 'json_schema') {
    request.responseFormat = {
      type: 'json-schema',
      name: format.name,
      schema: format.schema,
      ...(format.description !== undefined && { description: format.description }),
      ...(format.strict != null && { strict: format.strict }),
    };
  }

  return {
    request,
    // Every Responses stream ends with the usage in `response.completed`.
    includeStreamUsage: true,
    inputItems,
    echo: echoOf(wire),
    store: wire.store !== false,
    previousResponseId: wire.previous_response_id ?? undefined,
    leadingSystemMessages,
    ...(translationRefusal && { translationRefusal }),
  };
}

/** An `allowed_tools` choice's mode and function names; `builtIn` when it lists a tool that is not a function. */
function readAllowedFunctions(choice: { mode?: unknown; tools?: unknown }): { mode: 'auto' | 'required'; names: string[]; builtIn: boolean } {
  if (choice.mode !== 'auto' && choice.mode !== 'required') throw invalidRequest('/tool_choice/mode', "must be one of 'auto', 'required'");
  if (!Array.isArray(choice.tools)) throw invalidRequest('/tool_choice/tools', 'must be an array');
  const names: string[] = [];
  let builtIn = false;
  choice.tools.forEach((tool: unknown, index) => {
    if (typeof tool !== 'object' || tool === null || Array.isArray(tool)) throw invalidRequest(`/tool_choice/tools/${index}`, 'must be an object');
    const { type, name } = tool as { type?: unknown; name?: unknown };
    if (type !== 'function') builtIn = true;
    else if (typeof name !== 'string' || name === '') throw invalidRequest(`/tool_choice/tools/${index}/name`, 'must be a non-empty string');
    else names.push(name);
  });
  return { mode: choice.mode, names, builtIn };
}

function applyToolChoice(choice: NonNullable<ResponsesCreateBody['tool_choice']>, request: ChatRequest): void {
  let canonical: ToolChoice;
  if (typeof choice === 'string') canonical = { type: choice };
  else if (choice.type === 'function') {
    if (!request.tools?.some((tool) => tool.name === choice.name)) {
      throw invalidRequest('/tool_choice/name', `no function named '${String(choice.name).slice(0, 128)}' is defined in 'tools'`);
    }
    canonical = { type: 'tool', name: choice.name };
  } else {
    throw invalidRequest('/tool_choice/type', `the tool choice '${String(choice.type).slice(0, 64)}' names a built-in tool, which this gateway does not support`);
  }
  // A choice without tools means nothing to any provider (OpenAI Chat refuses it): left out.
  if (request.tools) request.toolChoice = canonical;
}

/**
 * A client's `input` as `input_items` lists it, the way OpenAI does: every item
 * with its type and an id (the client's, or a fresh one), a message's text content
 * as a list of parts.
 */
function withIds(items: readonly ResponsesInputItem[]): ResponsesInputItem[] {
  return items.map((item) => {
    const prefix = item.type === 'function_call' ? 'fc' : item.type === 'function_call_output' ? 'fco' : item.type === 'reasoning' ? 'rs' : 'msg';
    const id = typeof item.id === 'string' && item.id !== '' ? item.id : responsesItemId(prefix);
    if (item.type !== undefined && item.type !== 'message') return { ...item, id } as ResponsesInputItem;
    const message = item as ResponsesMessageItem;
    const content = typeof message.content === 'string'
      ? [message.role === 'assistant' ? { type: 'output_text' as const, text: message.content, annotations: [] } : { type: 'input_text' as const, text: message.content }]
      : message.content;
    return { ...message, type: 'message', id, content };
  });
}

function echoOf(wire: ResponsesCreateBody): ResponsesEcho {
  return {
    instructions: wire.instructions ?? null,
    max_output_tokens: wire.max_output_tokens ?? null,
    parallel_tool_calls: wire.parallel_tool_calls ?? true,
    previous_response_id: wire.previous_response_id ?? null,
    reasoning: { effort: wire.reasoning?.effort ?? null, summary: wire.reasoning?.summary ?? null },
    store: wire.store !== false,
    temperature: wire.temperature ?? null,
    text: { format: wire.text?.format ?? { type: 'text' } },
    tool_choice: wire.tool_choice ?? 'auto',
    tools: (wire.tools ?? []).filter((tool) => tool.type === 'function').map((tool) => ({
      type: 'function',
      name: tool.name,
      description: tool.description ?? null,
      parameters: tool.parameters ?? null,
      strict: tool.strict ?? null,
    })),
    top_p: wire.top_p ?? null,
    truncation: wire.truncation ?? 'disabled',
    user: wire.user ?? null,
    metadata: wire.metadata ?? {},
  };
}

/**
 * Puts a stored conversation in front of this turn's input, after this turn's
 * `instructions` (a previous turn's instructions are not carried over, as at OpenAI).
 *
 * @throws {GatewayError} `invalid_request` when the whole conversation passes `limits.max_messages`.
 */
export function prefixConversation(parsed: ParsedResponsesRequest, previousItems: readonly ResponsesInputItem[], limits: IngressLimits): void {
  const previous = responsesItemsToMessages(previousItems, '/previous_response_id', (refusal) => void (parsed.translationRefusal ??= refusal));
  const messages = parsed.request.messages;
  if (messages.length + previous.length > limits.maxMessages) {
    throw new GatewayError('invalid_request', `The conversation continued from 'previous_response_id' has more than ${limits.maxMessages} messages (limits.max_messages).`, { param: 'previous_response_id' });
  }
  messages.splice(parsed.leadingSystemMessages, 0, ...previous);
  countOpenAIOnlyItems(parsed.request, previousItems);
}

/** Adds the built-in and custom tool items and the files to the prompt estimate: the pass-through sends them, OpenAI bills them. */
function countOpenAIOnlyItems(request: ChatRequest, items: readonly ResponsesInputItem[]): void {
  const tokens = estimateJsonTokens([...openAIOnlyItems(items), ...openAIOnlyParts(items)]);
  if (tokens > 0) request.fastPathOnlyPromptTokens = (request.fastPathOnlyPromptTokens ?? 0) + tokens;
}
