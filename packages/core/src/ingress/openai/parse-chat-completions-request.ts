import type {
  AssistantContentPart,
  ChatMessage,
  ChatRequest,
  ImagePart,
  ProviderOptions,
  ResponseFormat,
  ToolChoice,
  UserContentPart,
} from '../../canonical/chat-request.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import { estimateJsonTokens } from '../../pricing/estimate-prompt-tokens.js';
import { compileValidator, type Validator } from '../../validation/compile-validator.js';
import { setField } from '../../validation/set-field.js';
import { restrictToAllowedTools } from '../allowed-tools.js';
import { checkIngressBody, invalidRequest } from '../check-ingress-body.js';
import { checkProviderOptions } from '../check-provider-options.js';
import { defaultIngressLimits, type IngressLimits } from '../ingress-limits.js';
import { chatCompletionsRequestSchema } from './chat-completions-request-schema.js';
import type { OpenAIChatRequestBody, OpenAIContentPart, OpenAIMessage, OpenAITool } from './openai-wire-types.js';

/** Body fields the canonical request has a place for; anything else is passed on as-is. */
const knownFields = new Set([
  'model', 'messages', 'stream', 'stream_options', 'temperature', 'top_p', 'n', 'max_tokens',
  'max_completion_tokens', 'presence_penalty', 'frequency_penalty', 'seed', 'user', 'stop', 'tools',
  'tool_choice', 'parallel_tool_calls', 'response_format', 'reasoning_effort', 'metadata', 'provider_options',
]);

let validator: Validator<OpenAIChatRequestBody> | undefined;

/** Compiles the request schema; called at start so the first request pays nothing. */
export function prepareChatCompletionsValidator(): void {
  validator ??= compileValidator<OpenAIChatRequestBody>(chatCompletionsRequestSchema, { problems: 'first' });
}

export interface ParsedChatCompletionsRequest {
  request: ChatRequest;
  includeStreamUsage: boolean;
  /** Set when the request holds what only OpenAI reads (a file, input audio): the error every translated attempt answers. */
  translationRefusal?: GatewayError;
}

/**
 * Checks an OpenAI Chat Completions body and turns it into the canonical request.
 * The body is expected from the gateway's body parser (finite numbers, bounded
 * depth); `limits` bounds the message count and the model name.
 */
export function parseChatCompletionsRequest(body: unknown, limits: IngressLimits = defaultIngressLimits): ParsedChatCompletionsRequest {
  prepareChatCompletionsValidator();
  const wire = checkIngressBody(body, validator!, limits);
  checkProviderOptions(wire.provider_options);

  const request: ChatRequest = {
    model: wire.model,
    messages: wire.messages.map(toCanonicalMessage),
    stream: wire.stream === true,
  };
  // Files, audio and custom tools: the fast path sends them to OpenAI as written (and OpenAI bills them as prompt); nothing else can read them.
  const openAIOnly = openAIOnlyParts(wire);
  if (openAIOnly.parts.length > 0) request.fastPathOnlyPromptTokens = estimateJsonTokens(openAIOnly.parts);
  const maxTokens = wire.max_completion_tokens ?? wire.max_tokens;
  if (maxTokens != null) request.maxOutputTokens = maxTokens;
  if (wire.temperature != null) request.temperature = wire.temperature;
  if (wire.top_p != null) request.topP = wire.top_p;
  if (wire.presence_penalty != null) request.presencePenalty = wire.presence_penalty;
  if (wire.frequency_penalty != null) request.frequencyPenalty = wire.frequency_penalty;
  if (wire.seed != null) request.seed = wire.seed;
  if (wire.user !== undefined) request.user = wire.user;
  if (wire.n != null) request.candidateCount = wire.n;
  if (wire.stop != null) request.stopSequences = typeof wire.stop === 'string' ? [wire.stop] : wire.stop;
  if (wire.metadata != null) request.metadata = wire.metadata;
  if (wire.reasoning_effort != null) request.reasoningEffort = wire.reasoning_effort;
  if (wire.parallel_tool_calls !== undefined) request.parallelToolCalls = wire.parallel_tool_calls;
  const functionTools = wire.tools?.filter((tool): tool is OpenAITool => tool.type === 'function') ?? [];
  if (functionTools.length > 0) {
    request.tools = functionTools.map(({ function: fn }) => ({
      name: fn.name,
      ...(fn.description !== undefined && { description: fn.description }),
      parameters: fn.parameters ?? { type: 'object', properties: {} },
      ...(fn.strict != null && { strict: fn.strict }),
    }));
  }
  if (wire.tool_choice !== undefined) {
    const toolChoice = toCanonicalToolChoice(wire.tool_choice, request, customToolNames(wire));
    if (toolChoice) request.toolChoice = toolChoice;
  }
  if (wire.response_format) request.responseFormat = toCanonicalResponseFormat(wire.response_format);

  const providerOptions = toProviderOptions(wire);
  if (providerOptions) request.providerOptions = providerOptions;
  return {
    request,
    includeStreamUsage: request.stream && wire.stream_options?.include_usage === true,
    ...(openAIOnly.refusal && { translationRefusal: openAIOnly.refusal }),
  };
}

/**
 * What the canonical request leaves out, as it came: the user messages' file and audio
 * parts, the assistant messages' custom tool calls and the custom tools; and the refusal
 * naming the first (in the body's order: messages, then tools).
 */
function openAIOnlyParts(wire: OpenAIChatRequestBody): { parts: unknown[]; refusal: GatewayError | undefined } {
  const parts: unknown[] = [];
  let refusal: GatewayError | undefined;
  for (const [index, message] of wire.messages.entries()) {
    if (message.role === 'assistant') {
      for (const [callIndex, call] of (message.tool_calls ?? []).entries()) {
        if (call.type !== 'custom') continue;
        parts.push(call);
        refusal ??= invalidRequest(`/messages/${index}/tool_calls/${callIndex}/type`, customToolRefusal);
      }
    }
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    for (const [partIndex, part] of message.content.entries()) {
      if (part.type !== 'file' && part.type !== 'input_audio') continue;
      parts.push(part);
      refusal ??= invalidRequest(`/messages/${index}/content/${partIndex}/type`, `'${part.type}' content is read by OpenAI alone and cannot be translated to other providers`);
    }
  }
  for (const [index, tool] of (wire.tools ?? []).entries()) {
    if (tool.type !== 'custom') continue;
    parts.push(tool);
    refusal ??= invalidRequest(`/tools/${index}/type`, customToolRefusal);
  }
  return { parts, refusal };
}

const customToolRefusal = "'custom' tools are read by OpenAI alone and cannot be translated to other providers";

/** The names of the request's custom tools, which a tool choice may name. */
function customToolNames(wire: OpenAIChatRequestBody): Set<string> {
  const names = new Set<string>();
  for (const tool of wire.tools ?? []) if (tool.type === 'custom') names.add(tool.custom.name);
  return names;
}

function toCanonicalMessage(message: OpenAIMessage, index: number): ChatMessage {
  switch (message.role) {
    case 'system':
    case 'developer':
      return {
        role: 'system',
        content: textOnLines(message.content),
        ...(message.role === 'developer' && { developer: true }),
      };
    case 'user':
      return {
        role: 'user',
        content: typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : userParts(message.content, index),
        ...(message.name !== undefined && { name: message.name }),
      };
    case 'assistant': {
      const content: AssistantContentPart[] = [];
      if (message.reasoning_content) content.push({ type: 'reasoning', text: message.reasoning_content });
      if (typeof message.content === 'string') {
        if (message.content) content.push({ type: 'text', text: message.content });
      } else if (message.content) {
        for (const part of message.content) {
          if (part.type === 'text') content.push({ type: 'text', text: part.text });
          else if (part.type === 'refusal') content.push({ type: 'refusal', text: part.refusal });
        }
      }
      if (message.refusal) content.push({ type: 'refusal', text: message.refusal });
      for (const call of message.tool_calls ?? []) {
        // A custom tool's call has no canonical form: it rides the fast path alone (openAIOnlyParts).
        if (call.type === 'function') content.push({ type: 'tool-call', id: call.id, name: call.function.name, arguments: call.function.arguments });
      }
      return { role: 'assistant', content, ...(message.name !== undefined && { name: message.name }) };
    }
    case 'tool':
      return { role: 'tool', toolCallId: message.tool_call_id, content: textOnLines(message.content) };
  }
}

/**
 * A system, developer or tool message's text: its text parts on their own lines, as the
 * Messages route joins a tool_result's blocks. Joined with nothing, `line one` and `line two`
 * (or two sentences of a system prompt) ran together for every provider the canonical form reaches.
 */
function textOnLines(content: string | OpenAIContentPart[]): string {
  if (typeof content === 'string') return content;
  let text = '';
  for (const part of content) if (part.type === 'text') text += text === '' ? part.text : `\n${part.text}`;
  return text;
}

/** A user message's parts the canonical form holds; files and audio are left out (`openAIOnlyParts`). */
function userParts(parts: readonly OpenAIContentPart[], messageIndex: number): UserContentPart[] {
  const content: UserContentPart[] = [];
  parts.forEach((part, partIndex) => {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    else if (part.type === 'image_url') content.push(toImagePart(part.image_url, `/messages/${messageIndex}/content/${partIndex}/image_url/url`));
    else if (part.type === 'refusal') throw invalidRequest(`/messages/${messageIndex}/content/${partIndex}/type`, 'a user message cannot contain a refusal');
  });
  return content;
}

// A media type of at most 64 characters each side of the slash, as the Messages and Responses routes take:
// it goes upstream as it came, and a provider that refuses it names it back.
const dataUrlPattern = /^data:([\w.+-]{1,64}\/[\w.+-]{1,64});base64,(.*)$/s;

function toImagePart(image: { url: string; detail?: 'auto' | 'low' | 'high' }, pointer: string): ImagePart {
  const detail = image.detail !== undefined ? { detail: image.detail } : {};
  if (image.url.startsWith('data:')) {
    const match = dataUrlPattern.exec(image.url);
    if (!match) throw invalidRequest(pointer, 'expected a base64 data URL (data:<media type>;base64,<data>)');
    return { type: 'image', source: { kind: 'base64', mediaType: match[1]!, data: match[2]! }, ...detail };
  }
  if (!/^https?:\/\//i.test(image.url)) throw invalidRequest(pointer, 'expected an http(s) URL or a base64 data URL');
  return { type: 'image', source: { kind: 'url', url: image.url }, ...detail };
}

/**
 * The tool choice as the canonical request says it; undefined for a custom tool's, which
 * has no canonical form (the request holds that tool, so only the fast path takes it).
 */
function toCanonicalToolChoice(
  choice: NonNullable<OpenAIChatRequestBody['tool_choice']>,
  request: ChatRequest,
  customNames: ReadonlySet<string>,
): ToolChoice | undefined {
  if (typeof choice === 'string') return { type: choice };
  if (choice.type === 'allowed_tools') {
    const { mode, tools } = choice.allowed_tools;
    const functionNames: string[] = [];
    const functionPointers: string[] = [];
    tools.forEach((tool, index) => {
      if (tool.type === 'function') {
        functionNames.push(tool.function.name);
        functionPointers.push(`/tool_choice/allowed_tools/tools/${index}/function/name`);
      } else if (!customNames.has(tool.custom.name)) {
        throw invalidRequest(`/tool_choice/allowed_tools/tools/${index}/custom/name`, `no custom tool named '${tool.custom.name}' is defined in 'tools'`);
      }
    });
    return restrictToAllowedTools(request, mode, functionNames, (index) => functionPointers[index]!);
  }
  if (choice.type === 'custom') {
    if (!customNames.has(choice.custom.name)) throw invalidRequest('/tool_choice/custom/name', `no custom tool named '${choice.custom.name}' is defined in 'tools'`);
    return undefined;
  }
  const name = choice.function.name;
  if (!request.tools?.some((tool) => tool.name === name)) {
    throw invalidRequest('/tool_choice/function/name', `no tool named '${name}' is defined in 'tools'`);
  }
  return { type: 'tool', name };
}

function toCanonicalResponseFormat(format: NonNullable<OpenAIChatRequestBody['response_format']>): ResponseFormat {
  if (format.type === 'text') return { type: 'text' };
  if (format.type === 'json_object') return { type: 'json' };
  const { name, description, schema, strict } = format.json_schema;
  return {
    type: 'json-schema',
    name,
    schema: schema ?? {},
    ...(description !== undefined && { description }),
    ...(strict != null && { strict }),
  };
}

/** `provider_options` with the unknown top-level fields under `openai`; undefined when there are none (most requests: no object made). */
function toProviderOptions(wire: OpenAIChatRequestBody): ProviderOptions | undefined {
  // Unknown top-level fields are OpenAI-style parameters newer than this gateway.
  const extra = collectUnknownFields(wire);
  if (wire.provider_options === undefined && extra === undefined) return undefined;
  const providerOptions: ProviderOptions = { ...wire.provider_options };
  if (extra) providerOptions['openai'] = { ...extra, ...providerOptions['openai'] };
  return Object.keys(providerOptions).length > 0 ? providerOptions : undefined;
}

function collectUnknownFields(wire: OpenAIChatRequestBody): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key in wire) {
    if (knownFields.has(key)) continue;
    // A field named __proto__ stays a field, as on the fast path, not extra's prototype.
    setField((extra ??= {}), key, wire[key]);
  }
  return extra;
}
