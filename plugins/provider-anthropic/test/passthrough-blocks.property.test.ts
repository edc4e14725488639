import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import { anthropicMessagesDialect, type ServerSentEvent, type StreamPart } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isContentOnlyEvent } from '../src/anthropic-event-tap.js';
import { createAnthropicStreamDecoder } from '../src/anthropic-stream-decoder.js';

/**
 * Streams of content blocks with fields of any type (indices, blocks, tool ids, names,
 * input, deltas), read by the official SDK's MessageStream as written by the fast path
 * (the lazy tap, then the passthrough encoder) and by the translated path (the decoder,
 * then the canonical encoder): the same text, tool calls (ids, names, input), or the same
 * failure. docs/fast-path.md, "A streamed Anthropic block".
 */

const options = { requestId: 'req_1', model: 'anthropic/claude', modelPrefix: 'anthropic/', includeUsage: true };
const named = (data: unknown): ServerSentEvent => ({ event: (data as { type: string }).type, data: JSON.stringify(data), id: undefined });

const index = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(-1, 1e300, 0.5, 'x', '1', null, undefined));
/** Indices no start has: a delta naming one names no block on either path. */
const strayIndex = fc.constantFrom(7, '7', 0.25, -2);
const text = fc.oneof(fc.constantFrom('', 'a', 'b c'), fc.constantFrom(5, null, {}, undefined));
const block = fc.oneof(
  fc.record({ type: fc.constant('text'), text }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('thinking'), thinking: text, signature: fc.constant('') }, { requiredKeys: ['type'] }),
  fc.record(
    {
      type: fc.constant('tool_use'),
      id: fc.constantFrom('toolu_1', 'toolu_2', '', 5, {}, null),
      name: fc.constantFrom('get_weather', 'f', '', 5, null, {}),
      input: fc.constantFrom({}, { a: 1 }, '{"b":2}', 5, null, [1]),
    },
    { requiredKeys: ['type'] },
  ),
  // Server tool blocks pass on the fast path on purpose (docs/fast-path.md), with their input: not here.
  fc.record({ type: fc.constant('redacted_thinking'), data: fc.constant('x') }),
  fc.constantFrom(null, 5, 'x', [1], {}, { type: 5 }),
);
const delta = fc.oneof(
  fc.record({ type: fc.constant('text_delta'), text }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('thinking_delta'), thinking: text }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('input_json_delta'), partial_json: fc.oneof(fc.constantFrom('', '{"c":', '3}', '{"d":4}'), fc.constantFrom(5, null)) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('signature_delta'), signature: fc.constant('s') }),
  fc.constantFrom(null, 5, [1]),
);
/**
 * A block's start, then deltas and a stop naming it or no block. Anthropic sends blocks one
 * after another; a delta for an earlier block after a later one started is left out here:
 * the translated path writes its text into the block open then, by design.
 */
const group = fc
  .tuple(index, block, fc.array(fc.tuple(fc.boolean(), delta), { maxLength: 4 }), fc.boolean(), strayIndex)
  .map(([at, content, deltas, stops, stray]) => {
    // A start without an index is found by none of its deltas' (they look up -1, which may be an earlier block's).
    const own = at ?? stray;
    const events: unknown[] = [at === undefined ? { type: 'content_block_start', content_block: content } : { type: 'content_block_start', index: at, content_block: content }];
    for (const [mine, value] of deltas) events.push({ type: 'content_block_delta', index: mine ? own : stray, delta: value });
    if (stops) events.push({ type: 'content_block_stop', index: own });
    return events;
  });
const content = fc.tuple(fc.array(fc.tuple(strayIndex, delta), { maxLength: 2 }), fc.array(group, { maxLength: 4 })).map(([before, groups]) => [
  // Deltas before any block.
  ...before.map(([at, value]) => ({ type: 'content_block_delta', index: at, delta: value })),
  ...groups.flat(),
]);

const messageStart = { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } } };
const messageEnd = [
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 5 } },
  { type: 'message_stop' },
];

/** What the SDK makes of the events' data: the text of its text blocks and its tool calls, or its failure. */
async function sdkRead(datas: string[]): Promise<unknown> {
  const bytes = new TextEncoder().encode(datas.map((data) => `${data}\n`).join(''));
  const stream = MessageStream.fromReadableStream(new ReadableStream({ start: (controller) => (controller.enqueue(bytes), controller.close()) }));
  try {
    const message = await stream.finalMessage();
    return {
      text: message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join(''),
      calls: message.content.flatMap((block) => (block.type === 'tool_use' ? [{ id: block.id, name: block.name, input: JSON.stringify(block.input) }] : [])),
    };
  } catch (error) {
    // Where the SDK reads a tool's partial JSON (at the block's stop, or at the end) decides the error's class, not its message.
    return { failed: (error as Error).message };
  }
}

function translated(events: ServerSentEvent[]): string[] {
  const decoder = createAnthropicStreamDecoder('anthropic');
  const encoder = anthropicMessagesDialect.createStreamEncoder(options);
  const parts: StreamPart[] = [...events.flatMap((item) => decoder.decode(item)), ...decoder.end()];
  return [...parts.flatMap((part) => encoder.encode(part)), ...encoder.finish()].map((written) => (typeof written === 'string' ? written : written.data));
}

function fast(events: ServerSentEvent[]): string[] {
  const tap = createAnthropicStreamDecoder('anthropic');
  const encoder = anthropicMessagesDialect.passthrough!.createStreamEncoder(options);
  const unread = { read: () => [] };
  const written = events.flatMap((item) =>
    isContentOnlyEvent(item) ? encoder.encode({ event: item, parts: [], unread }) : encoder.encode({ event: item, parts: tap.decode(item) }),
  );
  return [...written, ...encoder.finish()].map((out) => (typeof out === 'string' ? out : out.data));
}

describe('a streamed Anthropic block of any shape, on the fast path and the translated path', () => {
  it('property: the SDK reads the same text and tool calls, or fails the same (tool input that is no JSON)', async () => {
    await fc.assert(
      fc.asyncProperty(content, async (blocks) => {
        const events = [messageStart, ...blocks, ...messageEnd].map(named);
        const viaFast = await sdkRead(fast(events));
        expect(viaFast).toEqual(await sdkRead(translated(events)));
      }),
      { numRuns: 300 },
    );
  });
});
