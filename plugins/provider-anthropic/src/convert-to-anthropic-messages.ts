import {
  GatewayError,
  toPlainToolCallId,
  parseUpstreamJson,
  type AssistantMessage,
  type ChatMessage,
  type ImageSource,
  type UserContentPart,
} from '@switchyard/core';
import type {
  AnthropicAssistantBlock,
  AnthropicCacheControl,
  AnthropicImageBlock,
  AnthropicMessage,
  AnthropicTextBlock,
  AnthropicUserBlock,
} from './anthropic-wire-types.js';

/** Where the client asked for prompt-cache breakpoints (from `providerOptions.anthropic`). */
export interface CacheBreakpoints {
  /** On the last system block; the system prompt is then sent as blocks. */
  system?: AnthropicCacheControl;
  /** On the last block of the last message: caches the conversation so far. */
  messages?: AnthropicCacheControl;
}

/** The `system` and `messages` fields of a Messages API body. */
export interface AnthropicPrompt {
  system?: string | AnthropicTextBlock[];
  messages: AnthropicMessage[];
}

type Turn = { role: 'user'; blocks: AnthropicUserBlock[] } | { role: 'assistant'; blocks: AnthropicAssistantBlock[] };

/**
 * Canonical messages → Anthropic `system` + `messages`. System messages, wherever
 * they stand, are lifted in order to the top-level `system` (the API has no system
 * role); tool results become `tool_result` blocks of a user turn; consecutive turns
 * of one role are merged, since the API wants them alternating.
 */
export function convertToAnthropicMessages(messages: ChatMessage[], cache: CacheBreakpoints = {}): AnthropicPrompt {
  const systemTexts: string[] = [];
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
        systemTexts.push(message.content);
        return;
      case 'user':
        appendUser(turns, message.content.map(toUserBlock));
        return;
      case 'tool':
        appendUser(turns, [
          { type: 'tool_result', tool_use_id: toPlainToolCallId(message.toolCallId), content: message.content, ...(message.isError && { is_error: true }) },
        ]);
        return;
      case 'assistant': {
        const blocks = toAssistantBlocks(message, index);
        // The API refuses empty assistant turns; one that said nothing adds nothing.
        if (blocks.length === 0) return;
        const last = turns.at(-1);
        if (last?.role === 'assistant') last.blocks.push(...blocks);
        else turns.push({ role: 'assistant', blocks });
      }
    }
  });

  if (cache.messages) {
    const lastBlock = turns.at(-1)?.blocks.at(-1);
    // Thinking blocks take no cache_control.
    if (lastBlock && lastBlock.type !== 'thinking' && lastBlock.type !== 'redacted_thinking') lastBlock.cache_control = cache.messages;
  }
  const prompt: AnthropicPrompt = { messages: turns.map(toMessage) };
  const system = toSystem(systemTexts, cache.system);
  if (system !== undefined) prompt.system = system;
  return prompt;
}

function appendUser(turns: Turn[], blocks: AnthropicUserBlock[]): void {
  const last = turns.at(-1);
  if (last?.role === 'user') last.blocks.push(...blocks);
  else turns.push({ role: 'user', blocks });
}

function toMessage(turn: Turn): AnthropicMessage {
  if (turn.role === 'assistant') return { role: 'assistant', content: turn.blocks };
  // The API wants tool results first in their turn, before any text that follows them.
  const results = turn.blocks.filter((block) => block.type === 'tool_result');
  const blocks = results.length > 0 ? [...results, ...turn.blocks.filter((block) => block.type !== 'tool_result')] : turn.blocks;
  // The plain-string form for a lone text keeps bodies short and matches what clients send.
  const only = blocks[0];
  if (blocks.length === 1 && only?.type === 'text' && only.cache_control === undefined) return { role: 'user', content: only.text };
  return { role: 'user', content: blocks };
}

function toSystem(texts: string[], cacheControl: AnthropicCacheControl | undefined): string | AnthropicTextBlock[] | undefined {
  if (texts.length === 0) return undefined;
  if (texts.length === 1 && !cacheControl) return texts[0];
  const blocks: AnthropicTextBlock[] = texts.map((text) => ({ type: 'text', text }));
  if (cacheControl) blocks[blocks.length - 1]!.cache_control = cacheControl;
  return blocks;
}

function toUserBlock(part: UserContentPart): AnthropicTextBlock | AnthropicImageBlock {
  if (part.type === 'text') return { type: 'text', text: part.text };
  // OpenAI's `detail` has no Anthropic counterpart and is dropped.
  return { type: 'image', source: toImageSource(part.source) };
}

function toImageSource(source: ImageSource): AnthropicImageBlock['source'] {
  return source.kind === 'url'
    ? { type: 'url', url: source.url }
    : { type: 'base64', media_type: source.mediaType, data: source.data };
}

function toAssistantBlocks(message: AssistantMessage, index: number): AnthropicAssistantBlock[] {
  const blocks: AnthropicAssistantBlock[] = [];
  let toolCallIndex = 0;
  message.content.forEach((part) => {
    switch (part.type) {
      case 'reasoning':
        // Only signed thinking can go back: the API rejects thinking it cannot verify.
        if (part.redactedData) blocks.push({ type: 'redacted_thinking', data: part.redactedData });
        else if (part.signature) blocks.push({ type: 'thinking', thinking: part.text, signature: part.signature });
        return;
      case 'text':
      case 'refusal':
        // Empty text blocks are refused by the API.
        if (part.text !== '') blocks.push({ type: 'text', text: part.text });
        return;
      case 'tool-call':
        blocks.push({ type: 'tool_use', id: toPlainToolCallId(part.id), name: part.name, input: parseToolInput(part.arguments, index, toolCallIndex++) });
    }
  });
  return blocks;
}

function parseToolInput(text: string, messageIndex: number, toolCallIndex: number): Record<string, unknown> {
  // OpenAI clients send "" for a call without arguments.
  if (text.trim() === '') return {};
  let input: unknown;
  try {
    // Bounded as an upstream's JSON is: the ingress's depth limit does not look inside strings, and
    // arguments 20,000 levels deep overflowed the stack when the request was written (a 500).
    input = parseUpstreamJson(text);
  } catch {
    input = undefined;
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input as Record<string, unknown>;
  throw new GatewayError(
    'invalid_request',
    // The param names the call; its id is not repeated (a history's ids may be 64 KB: docs/limits.md).
    `messages[${messageIndex}]: the arguments of tool call ${toolCallIndex} are not a JSON object, which Anthropic requires as tool input.`,
    { param: `messages[${messageIndex}].tool_calls[${toolCallIndex}].function.arguments`, provider: 'anthropic' },
  );
}
