import { GatewayError, parseUpstreamJson, toPlainToolCallId, type AssistantMessage, type ChatMessage, type UserContentPart } from '@switchyard/core';
import type { BedrockContentBlock, BedrockImageBlock, BedrockMessage, BedrockTextBlock, BedrockToolResultBlock } from './bedrock-wire-types.js';

/** The `system` and `messages` fields of a Converse body. */
export interface BedrockPrompt {
  system?: BedrockTextBlock[];
  messages: BedrockMessage[];
  /** Whether the history holds tool calls or results: Converse then wants a `toolConfig`. */
  usesTools: boolean;
  /** The names of the tools the history called, each once, in order. */
  calledTools: string[];
}

/** The user turn put before a conversation that opens with the assistant, and a user message of blank text alone: as little as Converse takes (no blank text). */
const openingUserText = '.';

const imageFormats: Record<string, BedrockImageBlock['image']['format']> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/**
 * Canonical messages → Converse `system` + `messages`. System messages are lifted
 * in order to `system`; tool results become `toolResult` blocks of a user turn
 * (first in it); consecutive turns of one role are merged, since Converse wants
 * them alternating, and one opening with the assistant gets a user turn of "." first.
 * Images must be inline bytes: Bedrock fetches no URLs.
 */
export function convertToBedrockMessages(messages: ChatMessage[], provider = 'bedrock'): BedrockPrompt {
  const system: BedrockTextBlock[] = [];
  const turns: BedrockMessage[] = [];
  let usesTools = false;
  const calledTools = new Set<string>();
  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
        // Converse refuses blank text blocks.
        if (message.content !== '') system.push({ text: message.content });
        return;
      case 'user':
        append(turns, 'user', toUserBlocks(message.content, index, provider));
        return;
      case 'tool':
        usesTools = true;
        append(turns, 'user', [toToolResult(message.toolCallId, message.content, message.isError === true)]);
        return;
      case 'assistant': {
        const blocks = toAssistantBlocks(message, index, provider);
        for (const block of blocks) {
          if (!('toolUse' in block)) continue;
          usesTools = true;
          calledTools.add(block.toolUse.name);
        }
        // An empty assistant turn is refused; one that said nothing adds nothing.
        if (blocks.length > 0) append(turns, 'assistant', blocks);
      }
    }
  });
  // Converse refuses a conversation that does not start with a user turn ("A conversation must
  // start with a user message"): a chat UI's opening greeting gets a user turn of its own before it.
  if (turns[0]?.role === 'assistant') turns.unshift({ role: 'user', content: [{ text: openingUserText }] });
  const prompt: BedrockPrompt = { messages: turns.map(resultsFirst), usesTools, calledTools: [...calledTools] };
  if (system.length > 0) prompt.system = system;
  return prompt;
}

function append(turns: BedrockMessage[], role: BedrockMessage['role'], blocks: BedrockContentBlock[]): void {
  const last = turns.at(-1);
  if (last?.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

// Claude on Bedrock wants the tool results first in their turn, before any text that follows.
function resultsFirst(turn: BedrockMessage): BedrockMessage {
  if (turn.role !== 'user' || !turn.content.some((block) => 'toolResult' in block)) return turn;
  return {
    role: 'user',
    content: [...turn.content.filter((block) => 'toolResult' in block), ...turn.content.filter((block) => !('toolResult' in block))],
  };
}

/**
 * A user message's blocks. Converse refuses blank text blocks ("text content blocks must be
 * non-empty"): they are left out, and a message of nothing else says what an opening turn says.
 */
function toUserBlocks(parts: readonly UserContentPart[], messageIndex: number, provider: string): BedrockContentBlock[] {
  const blocks: BedrockContentBlock[] = [];
  parts.forEach((part, partIndex) => {
    if (part.type !== 'text' || part.text.trim() !== '') blocks.push(toUserBlock(part, messageIndex, partIndex, provider));
  });
  return blocks.length > 0 ? blocks : [{ text: openingUserText }];
}

function toUserBlock(part: UserContentPart, messageIndex: number, partIndex: number, provider: string): BedrockContentBlock {
  if (part.type === 'text') return { text: part.text };
  const param = `messages[${messageIndex}].content[${partIndex}].image_url`;
  if (part.source.kind === 'url') {
    throw new GatewayError('invalid_request', `${provider} accepts images only as base64 data URLs, not by https URL.`, { param, provider });
  }
  const mediaType = part.source.mediaType.toLowerCase();
  // Own keys only: the media type is the client's (`constructor` must be refused, not read from Object.prototype).
  const format = Object.hasOwn(imageFormats, mediaType) ? imageFormats[mediaType] : undefined;
  if (!format) {
    throw new GatewayError('invalid_request', `${provider} accepts png, jpeg, gif and webp images, not ${part.source.mediaType}.`, {
      param,
      provider,
    });
  }
  // `detail` has no Converse counterpart and is dropped.
  return { image: { format, source: { bytes: part.source.data } } };
}

/**
 * A call's id as Converse accepts it, 1 to 64 of `[a-zA-Z0-9_-]` (ToolUseBlock and
 * ToolResultBlock): another provider's or a client's id (`functions.get_weather:0`,
 * `call.1`) was a ValidationException. The call and its result are both written with this.
 * (The newest API reference lets `.` and `:` into a ToolUseBlock's id, not a ToolResultBlock's:
 * the stricter pattern is kept, which both take.)
 */
const toBedrockToolUseId = (id: string): string => toPlainToolCallId(id, 64);

/** Said for a tool that returned nothing: Converse refuses a blank text block ("text content blocks must be non-empty"), and a result needs content. */
const emptyToolResultText = '(empty)';

/** A tool's output: a JSON object goes as `json` (what the fixture shows), anything else as text. */
function toToolResult(toolUseId: string, content: string, isError: boolean): BedrockToolResultBlock {
  const parsed = parseObject(content);
  const text = content.trim() === '' ? emptyToolResultText : content;
  return {
    toolResult: {
      toolUseId: toBedrockToolUseId(toolUseId),
      content: [parsed === undefined ? { text } : { json: parsed }],
      status: isError ? 'error' : 'success',
    },
  };
}

function toAssistantBlocks(message: AssistantMessage, messageIndex: number, provider: string): BedrockContentBlock[] {
  const blocks: BedrockContentBlock[] = [];
  let toolCallIndex = 0;
  for (const part of message.content) {
    switch (part.type) {
      case 'reasoning':
        // Only signed reasoning can go back: the model refuses reasoning it cannot verify.
        if (part.redactedData) blocks.push({ reasoningContent: { redactedContent: part.redactedData } });
        else if (part.signature) blocks.push({ reasoningContent: { reasoningText: { text: part.text, signature: part.signature } } });
        break;
      case 'text':
      case 'refusal':
        if (part.text !== '') blocks.push({ text: part.text });
        break;
      case 'tool-call': {
        const input = part.arguments.trim() === '' ? {} : parseObject(part.arguments);
        if (input === undefined) {
          throw new GatewayError(
            'invalid_request',
            // The param names the call; its id is not repeated (a history's ids may be 64 KB: docs/limits.md).
            `messages[${messageIndex}]: the arguments of tool call ${toolCallIndex} are not a JSON object, which ${provider} requires as tool input.`,
            { param: `messages[${messageIndex}].tool_calls[${toolCallIndex}].function.arguments`, provider },
          );
        }
        toolCallIndex += 1;
        blocks.push({ toolUse: { toolUseId: toBedrockToolUseId(part.id), name: part.name, input } });
      }
    }
  }
  return blocks;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    // Bounded as an upstream's JSON is: the ingress's depth limit does not look inside strings, and
    // arguments 20,000 levels deep overflowed the stack when the request was written (a 500).
    const value: unknown = parseUpstreamJson(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
