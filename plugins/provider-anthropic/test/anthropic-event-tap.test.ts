import { mayHoldMistypedAnthropicText, type ServerSentEvent, type StreamDecoder, type StreamPart } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isContentOnlyEvent } from '../src/anthropic-event-tap.js';
import { createAnthropicStreamDecoder } from '../src/anthropic-stream-decoder.js';

const named = (name: string | undefined, data: unknown): ServerSentEvent => ({ event: name, data: typeof data === 'string' ? data : JSON.stringify(data), id: undefined });
// A signature is content too: it reaches only the client (on the fast path, in the upstream's own bytes).
const isContent = (part: StreamPart) => ['text-delta', 'reasoning-delta', 'reasoning-signature', 'tool-call-delta'].includes(part.type);

/** A decoder past message_start with one block of each kind open: text 0, thinking 1, tool 2, a server tool 3. */
function openDecoder(): StreamDecoder {
  const decoder = createAnthropicStreamDecoder('anthropic');
  decoder.decode(named('message_start', { type: 'message_start', message: { id: 'msg_1', model: 'claude', usage: { input_tokens: 10, output_tokens: 1 } } }));
  decoder.decode(named('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
  decoder.decode(named('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'thinking', thinking: '' } }));
  decoder.decode(named('content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} } }));
  decoder.decode(named('content_block_start', { type: 'content_block_start', index: 3, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } }));
  return decoder;
}

describe('isContentOnlyEvent', () => {
  it('leaves content_block_delta events unread, by their event name', () => {
    expect(isContentOnlyEvent(named('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }))).toBe(true);
  });

  it('reads every other event, and any event without a name (its data decides, which the text alone cannot say safely)', () => {
    for (const name of ['message_start', 'content_block_start', 'content_block_stop', 'message_delta', 'message_stop', 'ping', 'error', 'a_future_event']) {
      expect(isContentOnlyEvent(named(name, { type: name }))).toBe(false);
    }
    expect(isContentOnlyEvent(named(undefined, { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }))).toBe(false);
  });

  it('reads a content_block_delta whose text may be of the wrong type, for the fast path not to pass it on', () => {
    for (const delta of [{ type: 'text_delta', text: {} }, { type: 'thinking_delta', thinking: 7 }, { type: 'input_json_delta', partial_json: null }]) {
      expect(isContentOnlyEvent(named('content_block_delta', { type: 'content_block_delta', index: 0, delta }))).toBe(false);
    }
    // A key spelled with an escape could decode to one of those: read too.
    expect(isContentOnlyEvent(named('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","t\\u0065xt":5}}'))).toBe(false);
  });

  it('reads a delta of a kind that holds text unless it is in Anthropic\'s exact shape (which holds the text): one without it is not passed on', () => {
    for (const type of ['text_delta', 'thinking_delta', 'input_json_delta']) {
      expect(isContentOnlyEvent(named('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type } }))).toBe(false);
      // The text under another key, or nested, is not the delta's.
      expect(isContentOnlyEvent(named('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type, extra: { text: 'x', thinking: 'x', partial_json: 'x' } } }))).toBe(false);
    }
    expect(isContentOnlyEvent(named('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Hm"}}'))).toBe(true);
    expect(isContentOnlyEvent(named('content_block_delta', '{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"a"}}'))).toBe(true);
    // Spaced as another server writes it: read (a parse), never a miss.
    expect(isContentOnlyEvent(named('content_block_delta', '{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}'))).toBe(false);
    // Kinds that hold no text stay unread in any shape.
    expect(isContentOnlyEvent(named('content_block_delta', '{"type": "content_block_delta", "index": 1, "delta": {"type": "signature_delta", "signature": "abc"}}'))).toBe(true);
  });

  it('reads a content_block_delta whose delta may not be an object (the SDKs threw reading its type), and no other of a kind that holds no text', () => {
    for (const delta of ['null', '5', '"x"', '[1]', ' null', '\n5']) {
      expect(isContentOnlyEvent(named('content_block_delta', `{"type":"content_block_delta","index":0,"delta":${delta}}`))).toBe(false);
    }
    // A repeated key: JSON.parse keeps the last.
    expect(isContentOnlyEvent(named('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"x"},"delta":null}'))).toBe(false);
    expect(isContentOnlyEvent(named('content_block_delta', '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"x"}}'))).toBe(true);
    expect(isContentOnlyEvent(named('content_block_delta', '{"type":"content_block_delta","index":0,"delta" :\n {"type":"citations_delta","citation":{}}}'))).toBe(true);
  });

  it('property: a content_block_delta, whatever its data says, gives the decoder only content, the same however often it is read', () => {
    const delta = fc.oneof(
      fc.record({ type: fc.constant('text_delta'), text: fc.string() }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constant('thinking_delta'), thinking: fc.string() }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constant('input_json_delta'), partial_json: fc.string() }, { requiredKeys: ['type'] }),
      fc.record({ type: fc.constant('signature_delta'), signature: fc.string() }),
      fc.record({ type: fc.constant('citations_delta'), citation: fc.jsonValue() }),
      fc.record({ type: fc.string(), stop_reason: fc.constantFrom('end_turn', 'max_tokens') }),
      fc.jsonValue(),
    );
    const data = fc.record(
      {
        type: fc.constantFrom('content_block_delta', 'message_delta', 'error', 'message_start'),
        index: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.constant(null)),
        delta,
        usage: fc.record({ input_tokens: fc.nat(), output_tokens: fc.nat() }),
        error: fc.record({ type: fc.constant('overloaded_error'), message: fc.string() }),
        message: fc.record({ id: fc.string(), model: fc.string() }),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(data, (value) => {
        const event = named('content_block_delta', value);
        // Left unread, unless its text may hold a text of the wrong type or a delta of a kind that holds text may lack it (then it is read, as the tests above show).
        const unread = isContentOnlyEvent(event);
        if (mayHoldMistypedAnthropicText.test(event.data)) expect(unread).toBe(false);
        const delta = (value as { delta?: unknown }).delta;
        const kind = typeof delta === 'object' && delta !== null ? (delta as Record<string, unknown>)['type'] : undefined;
        const fields: Record<string, string> = { text_delta: 'text', thinking_delta: 'thinking', input_json_delta: 'partial_json' };
        // Own keys only: a delta type of "__proto__" or "toString" names no field.
        const field = typeof kind === 'string' && Object.hasOwn(fields, kind) ? fields[kind] : undefined;
        if (unread && field !== undefined) expect(typeof (delta as Record<string, unknown>)[field]).toBe('string');
        // Anthropic's own events stay unread.
        if (field !== undefined && typeof (delta as Record<string, unknown>)[field] === 'string' && event.data === JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: kind, [field]: (delta as Record<string, unknown>)[field] } })) {
          expect(unread).toBe(!mayHoldMistypedAnthropicText.test(event.data));
        }
        const decoder = openDecoder();
        const parts = decoder.decode(event);
        expect(parts.every(isContent)).toBe(true);
        expect(decoder.decode(event)).toEqual(parts);
        // Reading it did not open or close anything: a stream without a stop is still incomplete.
        expect(() => decoder.end()).toThrow(/before the message was complete/);
      }),
      { numRuns: 1000, examples: [[{ type: 'content_block_delta', delta: { type: '__proto__', stop_reason: 'end_turn' } }]] },
    );
  });
});
