import type {
  AssistantContentPart,
  ChatMessage,
  ChatRequest,
  ImagePart,
  ProviderOptions,
  ToolChoice,
  UserContentPart,
} from '../../canonical/chat-request.js';
import { compileValidator, type Validator } from '../../validation/compile-validator.js';
import { estimateJsonTokens, IMAGE_TOKEN_ESTIMATE } from '../../pricing/estimate-prompt-tokens.js';
import { setField } from '../../validation/set-field.js';
import { checkIngressBody, invalidRequest } from '../check-ingress-body.js';
import { checkProviderOptions } from '../check-provider-options.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import type { ParsedIngressRequest } from '../ingress-dialect.js';
import { defaultIngressLimits, type IngressLimits } from '../ingress-limits.js';
import type {
  AnthropicImageBlock,
  AnthropicMessagesRequestBody,
  AnthropicRequestMessage,
  AnthropicToolChoice,
  AnthropicToolResultBlock,
} from './anthropic-messages-wire-types.js';
import { messagesRequestSchema } from './messages-request-schema.js';

/** Body fields the canonical request has a place for; the rest is kept for an Anthropic target. */
const knownFields = new Set([
  'model', 'max_tokens', 'messages', 'system', 'stop_sequences', 'stream', 'temperature', 'top_p', 'tools',
  'tool_choice', 'metadata', 'output_format', 'output_config', 'provider_options',
]);

let validator: Validator<AnthropicMessagesRequestBody> | undefined;

/** Compiles the request schema; called at start so the first request pays nothing. */
export function prepareMessagesValidator(): void {
  validator ??= compileValidator<AnthropicMessagesRequestBody>(messagesRequestSchema, { problems: 'first' });
}

/**
 * Checks an Anthropic Messages body and turns it into the canonical request. The
 * body is expected from the gateway's body parser (finite numbers, bounded depth);
 * `limits` bounds the message count and the model name. Fields only Anthropic
 * understands (`top_k`, `thinking`, unknown newer ones) travel in
 * `providerOptions.anthropic`, which only an Anthropic target reads.
 */
export function parseMessagesRequest(body: unknown, limits: IngressLimits = defaultIngressLimits): ParsedIngressRequest {
  prepareMessagesValidator();
  const wire = checkIngressBody(body, validator!, limits);
  const clientOptions = wire.provider_options;
  if (clientOptions !== undefined) {
    // A Messages body says Anthropic's own settings at its top level (and in the anthropic-beta header).
    if (Object.hasOwn(clientOptions, 'anthropic')) throw invalidRequest('/provider_options/anthropic', "write Anthropic's fields at the top level of the body");
    checkProviderOptions(clientOptions);
  }

  const canonicalMessages: ChatMessage[] = [];
  const system = systemText(wire.system);
  if (system !== undefined) canonicalMessages.push({ role: 'system', content: system });
  for (const message of wire.messages) canonicalMessages.push(...toCanonicalMessages(message));

  const request: ChatRequest = {
    model: wire.model,
    messages: canonicalMessages,
    maxOutputTokens: wire.max_tokens,
    stream: wire.stream === true,
  };
  if (wire.temperature !== undefined) request.temperature = wire.temperature;
  if (wire.top_p !== undefined) request.topP = wire.top_p;
  if (wire.stop_sequences && wire.stop_sequences.length > 0) request.stopSequences = wire.stop_sequences;
  if (typeof wire.metadata?.user_id === 'string') request.user = wire.metadata.user_id;
  // Anthropic reads the server tools' calls and results (search results, their page text) as prompt,
  // and the content only it can read (documents, search results, images inside tool results).
  const serverBlocks = serverToolBlocks(wire.messages);
  const anthropicOnly = anthropicOnlyContent(wire.messages);
  const fastPathOnlyTokens = estimateJsonTokens([...serverBlocks, ...anthropicOnly.blocks]) + anthropicOnly.images * IMAGE_TOKEN_ESTIMATE;
  if (fastPathOnlyTokens > 0) request.fastPathOnlyPromptTokens = fastPathOnlyTokens;
  let translationRefusal = serverBlockRefusal(wire.messages) ?? anthropicOnly.refusal;
  if (wire.tools && wire.tools.length > 0) {
    const tools: NonNullable<ChatRequest['tools']> = [];
    wire.tools.forEach((tool, index) => {
      if (tool.type !== undefined && tool.type !== 'custom') {
        // Runs at Anthropic: sent as written on the same-dialect fast path, refused by any translated attempt.
        translationRefusal ??= invalidRequest(`/tools/${index}/type`, `the server tool '${String(tool.type).slice(0, 64)}' runs only at Anthropic and cannot be translated to other providers`);
        return;
      }
      if (!tool.input_schema) throw invalidRequest(`/tools/${index}`, "must have required property 'input_schema'");
      tools.push({
        name: tool.name,
        ...(tool.description !== undefined && { description: tool.description }),
        parameters: tool.input_schema,
        ...(tool.strict !== undefined && { strict: tool.strict }),
      });
    });
    if (tools.length > 0) request.tools = tools;
  }
  if (wire.tool_choice) applyToolChoice(wire.tool_choice, request);
  const format = wire.output_config?.format ?? wire.output_format;
  if (format) request.responseFormat = { type: 'json-schema', name: 'response', schema: format.schema };

  const anthropic = { ...collectAnthropicOnlyFields(wire), ...cacheHints(wire) };
  const hasAnthropic = Object.keys(anthropic).length > 0;
  if (hasAnthropic || (clientOptions !== undefined && Object.keys(clientOptions).length > 0)) {
    // The client's settings for the providers a translated attempt may reach (`{ openai: { seed: 7 } }`).
    const providerOptions: ProviderOptions = { ...clientOptions };
    if (hasAnthropic) providerOptions['anthropic'] = anthropic;
    request.providerOptions = providerOptions;
  }
  return { request, includeStreamUsage: request.stream, ...(translationRefusal && { translationRefusal }) };
}

/** The server tool calls and results of the conversation, which the canonical messages leave out. */
function serverToolBlocks(messages: AnthropicMessagesRequestBody['messages']): unknown[] {
  const blocks: unknown[] = [];
  for (const message of messages) {
    if (typeof message.content === 'string') continue;
    for (const block of message.content) if (block.type === 'server_tool_use' || block.type === 'web_search_tool_result') blocks.push(block);
  }
  return blocks;
}

/** Server tool calls and results sent back in the conversation: only Anthropic itself can read them. */
function serverBlockRefusal(messages: AnthropicMessagesRequestBody['messages']): GatewayError | undefined {
  for (const [index, message] of messages.entries()) {
    if (typeof message.content === 'string') continue;
    const blockIndex = message.content.findIndex((block) => block.type === 'server_tool_use' || block.type === 'web_search_tool_result');
    if (blockIndex >= 0) {
      return invalidRequest(`/messages/${index}/content/${blockIndex}/type`, `'${message.content[blockIndex]!.type}' blocks come from Anthropic's server tools and cannot be translated to other providers`);
    }
  }
  return undefined;
}

/** What `anthropicOnlyContent` found: blocks counted as their JSON text, images counted as images, and the refusal a translated attempt answers. */
interface AnthropicOnlyContent {
  blocks: unknown[];
  images: number;
  refusal: GatewayError | undefined;
}

/**
 * Content blocks only Anthropic reads: documents and search results (in a user turn or a
 * tool result) and images inside tool results (Claude Code's screenshots, read image files).
 * The canonical messages have no place for them: they go to an Anthropic target as written
 * on the fast path, and a translated attempt refuses the request (it refused every target).
 */
function anthropicOnlyContent(messages: AnthropicMessagesRequestBody['messages']): AnthropicOnlyContent {
  const found: AnthropicOnlyContent = { blocks: [], images: 0, refusal: undefined };
  const note = (block: { type: string }, pointer: string, inToolResult: boolean): void => {
    if (block.type === 'image') found.images++;
    else found.blocks.push(block);
    found.refusal ??= invalidRequest(
      `${pointer}/type`,
      block.type === 'image' && inToolResult
        ? 'an image inside a tool_result cannot be translated to other providers; only an Anthropic target reads it (or send it in a user turn)'
        : `'${block.type}' blocks are read by Anthropic alone and cannot be translated to other providers`,
    );
  };
  for (const [index, message] of messages.entries()) {
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    for (const [blockIndex, block] of message.content.entries()) {
      const pointer = `/messages/${index}/content/${blockIndex}`;
      if (block.type === 'document' || block.type === 'search_result') note(block, pointer, false);
      else if (block.type === 'tool_result' && Array.isArray(block.content)) {
        for (const [partIndex, part] of block.content.entries()) if (part.type !== 'text') note(part, `${pointer}/content/${partIndex}`, true);
      }
    }
  }
  return found;
}

function systemText(system: AnthropicMessagesRequestBody['system']): string | undefined {
  if (system === undefined) return undefined;
  const text = typeof system === 'string' ? system : system.map((block) => block.text).join('\n\n');
  return text === '' ? undefined : text;
}

/**
 * One Anthropic turn becomes one or more canonical messages: the tool results a
 * user turn carries become tool messages, placed first as Anthropic requires them
 * to be, then whatever else the user said.
 */
function toCanonicalMessages(message: AnthropicRequestMessage): ChatMessage[] {
  if (typeof message.content === 'string') {
    return [
      message.role === 'user'
        ? { role: 'user', content: [{ type: 'text', text: message.content }] }
        : { role: 'assistant', content: message.content ? [{ type: 'text', text: message.content }] : [] },
    ];
  }
  if (message.role === 'assistant') {
    const content: AssistantContentPart[] = [];
    for (const block of message.content) {
      if (block.type === 'text') content.push({ type: 'text', text: block.text });
      else if (block.type === 'tool_use') content.push({ type: 'tool-call', id: block.id, name: block.name, arguments: JSON.stringify(block.input) });
      else if (block.type === 'thinking') content.push({ type: 'reasoning', text: block.thinking, ...(block.signature !== undefined && { signature: block.signature }) });
      // Encrypted for Anthropic alone: carried to go back to it as it came (other providers leave it out).
      else if (block.type === 'redacted_thinking') content.push({ type: 'reasoning', text: '', redactedData: block.data });
    }
    return [{ role: 'assistant', content }];
  }
  const toolMessages: ChatMessage[] = [];
  const userContent: UserContentPart[] = [];
  message.content.forEach((block) => {
    if (block.type === 'text') userContent.push({ type: 'text', text: block.text });
    else if (block.type === 'image') userContent.push(toImagePart(block));
    else if (block.type === 'tool_result') {
      toolMessages.push({ role: 'tool', toolCallId: block.tool_use_id, content: toolResultText(block), ...(block.is_error === true && { isError: true }) });
    }
  });
  if (userContent.length === 0) return toolMessages;
  return [...toolMessages, { role: 'user', content: userContent }];
}

function toImagePart(block: AnthropicImageBlock): ImagePart {
  const source = block.source;
  return source.type === 'base64'
    ? { type: 'image', source: { kind: 'base64', mediaType: source.media_type, data: source.data } }
    : { type: 'image', source: { kind: 'url', url: source.url } };
}

/**
 * A tool result as the text the canonical tool message holds. An image, a document or a
 * search result in it has no such place: the request goes to Anthropic as written, or
 * is refused (`anthropicOnlyContent`).
 */
function toolResultText(block: AnthropicToolResultBlock): string {
  if (block.content === undefined) return '';
  if (typeof block.content === 'string') return block.content;
  let text = '';
  for (const part of block.content) if (part.type === 'text') text += text === '' ? part.text : `\n${part.text}`;
  return text;
}

function applyToolChoice(choice: AnthropicToolChoice, request: ChatRequest): void {
  let canonical: ToolChoice;
  if (choice.type === 'tool') {
    if (!request.tools?.some((tool) => tool.name === choice.name)) {
      throw invalidRequest('/tool_choice/name', `no tool named '${choice.name}' is defined in 'tools'`);
    }
    canonical = { type: 'tool', name: choice.name };
  } else {
    canonical = { type: choice.type === 'any' ? 'required' : choice.type };
  }
  // A choice without tools means nothing to any provider (OpenAI refuses it, and
  // parallel_tool_calls too, "only allowed when 'tools' are specified"): left out.
  if (!request.tools) return;
  request.toolChoice = canonical;
  if (choice.disable_parallel_tool_use === true) request.parallelToolCalls = false;
}

/**
 * The client's `cache_control` marks, as the three breakpoint hints the canonical
 * request can carry to an Anthropic target (system prompt, last tool, end of the
 * conversation), so prompt caching survives the translation; other providers ignore them.
 */
function cacheHints(wire: AnthropicMessagesRequestBody): Record<string, unknown> {
  const hints: Record<string, unknown> = {};
  const mark = (value: unknown) => (typeof value === 'object' && value !== null ? value : undefined);
  const system = Array.isArray(wire.system) ? wire.system.findLast((block) => mark(block.cache_control)) : undefined;
  if (system) hints['system_cache_control'] = system.cache_control;
  const tool = wire.tools?.findLast((candidate) => mark(candidate.cache_control));
  if (tool) hints['tools_cache_control'] = tool.cache_control;
  for (let index = wire.messages.length - 1; index >= 0 && hints['messages_cache_control'] === undefined; index--) {
    const content = wire.messages[index]!.content;
    if (typeof content === 'string') continue;
    const block = content.findLast((candidate) => mark((candidate as { cache_control?: unknown }).cache_control));
    if (block) hints['messages_cache_control'] = (block as { cache_control?: unknown }).cache_control;
  }
  return hints;
}

function collectAnthropicOnlyFields(wire: AnthropicMessagesRequestBody): Record<string, unknown> | undefined {
  let extra: Record<string, unknown> | undefined;
  for (const key in wire) {
    if (knownFields.has(key)) continue;
    // A field named __proto__ stays a field, as on the fast path, not extra's prototype.
    setField((extra ??= {}), key, wire[key]);
  }
  if (wire.output_config?.effort !== undefined) (extra ??= {})['output_config'] = { effort: wire.output_config.effort };
  return extra;
}
