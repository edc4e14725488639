import { maxMatchedEventLength, SseDecoder, type ServerSentEvent } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAnthropicStreamDecoder } from '../src/anthropic-stream-decoder.js';
import { readBlockDelta } from '../src/block-delta-event.js';

const eventsOf = (file: string): ServerSentEvent[] => {
  const framer = new SseDecoder();
  return [...framer.feed(Buffer.from(readFixture('anthropic', file), 'utf8')), ...framer.end()];
};

const deltaEvent = (index: number, delta: object) => JSON.stringify({ type: 'content_block_delta', index, delta });

/** What a match must mean: the text is JSON holding exactly the index and delta read. */
function expectReadAsParsed(text: string): void {
  const read = readBlockDelta(text);
  if (read === undefined) return;
  expect(JSON.parse(text)).toStrictEqual({ type: 'content_block_delta', index: read.index, delta: read.delta });
}

describe('readBlockDelta', () => {
  it("reads every text and tool-input delta of Anthropic's recorded streams as JSON.parse does", () => {
    for (const file of ['stream.txt', 'stream-text-only.txt']) {
      const deltas = eventsOf(file).filter((event) => event.event === 'content_block_delta');
      expect(deltas.length).toBeGreaterThan(2);
      for (const event of deltas) {
        expect(readBlockDelta(event.data), event.data).toBeDefined();
        expectReadAsParsed(event.data);
      }
    }
  });

  it('reads any text, thinking or tool input, unescaping what JSON escapes', () => {
    const delta = fc.oneof(
      fc.record({ type: fc.constant('text_delta'), text: fc.string({ unit: 'binary', maxLength: 48 }) }),
      fc.record({ type: fc.constant('thinking_delta'), thinking: fc.string({ unit: 'binary', maxLength: 48 }) }),
      fc.record({ type: fc.constant('input_json_delta'), partial_json: fc.string({ unit: 'binary', maxLength: 48 }) }),
    );
    fc.assert(
      fc.property(fc.nat(100_000), delta, (index, each) => {
        expect(readBlockDelta(deltaEvent(index, each))).toStrictEqual({ index, delta: { ...each } });
      }),
      { numRuns: 500 },
    );
  });

  it('leaves every other delta, and any delta written another way, to JSON.parse', () => {
    const text = deltaEvent(0, { type: 'text_delta', text: 'Hi' });
    for (const other of [
      deltaEvent(0, { type: 'signature_delta', signature: 'EqQBCgIYAhIM' }),
      deltaEvent(0, { type: 'citations_delta', citation: { type: 'char_location', cited_text: 'x' } }),
      deltaEvent(0, { type: 'text_delta', thinking: 'Hi' }), // the field of another type
      deltaEvent(0, { type: 'text_delta', text: 'Hi', citations: [] }),
      JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' }, extra: 1 }),
      text.replace('"text":"Hi"', '"text":"Hi","text":"Bye"'), // a duplicate key: JSON.parse keeps the last
      text.replace('"index":0', '"index":-1'),
      text.replace('"index":0', '"index":01'),
      text.replace('"text":"Hi"', '"text": "Hi"'),
      text.replace('"text":"Hi"', '"text":"H\ni"'), // a raw control character
      text.replace('"text":"Hi"', '"text":"H\\qi"'), // not a JSON escape
      `${text} `,
      text.slice(0, -1),
      JSON.stringify({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } }),
    ]) {
      expect(readBlockDelta(other), other).toBeUndefined();
    }
  });

  it('parses an event longer than a token event (a long regular-expression match is slow, and past a few MB throws)', () => {
    const text = 'x'.repeat(maxMatchedEventLength);
    expect(readBlockDelta(deltaEvent(0, { type: 'text_delta', text: 'x'.repeat(maxMatchedEventLength - 80) }))).toBeDefined();
    expect(readBlockDelta(deltaEvent(0, { type: 'text_delta', text }))).toBeUndefined();
    const decoder = createAnthropicStreamDecoder('anthropic');
    decoder.decode({ event: 'content_block_start', id: undefined, data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) });
    const huge = 'y'.repeat(10_000_000);
    expect(decoder.decode({ event: 'content_block_delta', id: undefined, data: deltaEvent(0, { type: 'text_delta', text: huge }) })).toEqual([{ type: 'text-delta', delta: huge }]);
  });

  it('never reads a mutated event differently from JSON.parse', () => {
    const pieces = ['"', '\\', ',', '}', '{', ':', '0', '"text":"x"', '"type":"text_delta"', '"partial_json":"y"', '\u0001', '\\u00', ' '];
    fc.assert(
      fc.property(
        fc.string({ maxLength: 16 }),
        fc.constantFrom('text', 'thinking', 'partial_json'),
        fc.array(fc.tuple(fc.nat(), fc.nat(8), fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 }))), { minLength: 1, maxLength: 4 }),
        (value, field, edits) => {
          const type = field === 'partial_json' ? 'input_json_delta' : `${field}_delta`;
          let text = deltaEvent(1, { type, [field]: value });
          for (const [at, removed, inserted] of edits) {
            const position = at % (text.length + 1);
            text = text.slice(0, position) + inserted + text.slice(position + removed);
          }
          expectReadAsParsed(text);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the Anthropic stream decoder reads block deltas without parsing them', () => {
  afterEach(() => vi.useRealTimers());

  it('gives the same parts as when it parses every event', () => {
    // Anthropic's message_start has no creation time, so each decoder stamps the clock's second: the two runs must see one clock.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 11, 5, 12, 0, 0, 999) });
    for (const file of ['stream.txt', 'stream-text-only.txt']) {
      const events = eventsOf(file);
      // A trailing space is still the same JSON, but never matches the exact shape: every event is parsed.
      const parsed = events.map((event) => ({ ...event, data: `${event.data} ` }));
      const read = events.flatMap(createAnthropicStreamDecoder('anthropic').decode);
      expect(read).toEqual(parsed.flatMap(createAnthropicStreamDecoder('anthropic').decode));
      expect(read.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(1);
    }
  });

  it('reads a delta by its data when the event has no name, and parses one whose name says otherwise', () => {
    const decoder = createAnthropicStreamDecoder('anthropic');
    decoder.decode({ event: 'message_start', id: undefined, data: JSON.stringify({ type: 'message_start', message: { id: 'msg_1', model: 'claude' } }) });
    decoder.decode({ event: 'content_block_start', id: undefined, data: JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) });
    const data = deltaEvent(0, { type: 'text_delta', text: 'Hi' });
    expect(decoder.decode({ event: undefined, id: undefined, data })).toEqual([{ type: 'text-delta', delta: 'Hi' }]);
    expect(decoder.decode({ event: 'content_block_delta', id: undefined, data })).toEqual([{ type: 'text-delta', delta: 'Hi' }]);
    // The event's name decides what it is, as before: a ping carries nothing, whatever its data.
    expect(decoder.decode({ event: 'ping', id: undefined, data })).toEqual([]);
  });
});
