import type { MessageIdentity } from './build-anthropic-message.js';
import type { PlannedAnthropicReply, PlannedToolUse } from './plan-anthropic-reply.js';

/**
 * The Server-Sent Events of a streamed reply, each a complete `event: …\ndata: …\n\n`,
 * shaped like the fixtures `stream.txt` / `stream-text-only.txt`: `message_start`
 * (empty content, input usage, `output_tokens: 1`), then per block
 * `content_block_start`, deltas and `content_block_stop` (a `ping` after the first
 * start), then `message_delta` with the stop reason and cumulative usage, then
 * `message_stop`.
 */
export function buildAnthropicStreamEvents(identity: MessageIdentity, reply: PlannedAnthropicReply): string[] {
  const events: string[] = [
    event('message_start', {
      type: 'message_start',
      message: {
        id: identity.id,
        type: 'message',
        role: 'assistant',
        model: identity.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...reply.usage, output_tokens: 1 },
      },
    }),
  ];
  const blocks: string[][] = [];
  if (reply.thinking) blocks.push(thinkingBlock(blocks.length, reply.thinking));
  if (reply.text !== null) blocks.push(textBlock(blocks.length, reply.text));
  for (const call of reply.toolUses) blocks.push(toolUseBlock(blocks.length, call));
  blocks.forEach((block, index) => {
    events.push(...block.slice(0, 1));
    // Anthropic sends its keep-alive early in the stream; the fixtures have it after the first block start.
    if (index === 0) events.push(ping);
    events.push(...block.slice(1));
  });
  if (blocks.length === 0) events.push(ping);

  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens } = reply.usage;
  events.push(
    event('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: reply.stopReason, stop_sequence: reply.stopSequence },
      usage: { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens },
    }),
    event('message_stop', { type: 'message_stop' }),
  );
  return events;
}

// Byte for byte as in the fixtures, space included.
const ping = 'event: ping\ndata: {"type": "ping"}\n\n';

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

function textBlock(index: number, text: string): string[] {
  return [
    event('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }),
    ...splitWords(text).map((piece) =>
      event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }),
    ),
    event('content_block_stop', { type: 'content_block_stop', index }),
  ];
}

function thinkingBlock(index: number, thinking: { text: string; signature: string }): string[] {
  return [
    event('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }),
    ...splitWords(thinking.text).map((piece) =>
      event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } }),
    ),
    event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: thinking.signature } }),
    event('content_block_stop', { type: 'content_block_stop', index }),
  ];
}

function toolUseBlock(index: number, call: PlannedToolUse): string[] {
  // Like the API: an empty first fragment, then pieces of the JSON text.
  const fragments = ['', ...(call.inputJson.match(/.{1,12}/gs) ?? [])];
  return [
    event('content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} },
    }),
    ...fragments.map((fragment) =>
      event('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: fragment } }),
    ),
    event('content_block_stop', { type: 'content_block_stop', index }),
  ];
}

// Word-sized pieces with the leading space attached, as tokens arrive (" the", " current").
function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}
