import { SseDecoder, type ServerSentEvent, type StreamDecoder, type StreamPart } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isContentOnlyChunk } from '../src/chat-chunk-tap.js';
import { createOpenAIStreamDecoder } from '../src/openai-stream-decoder.js';
import { createCompatibleStreamDecoder } from '../src/presets/create-compatible-stream-decoder.js';

const event = (data: string, name?: string): ServerSentEvent => ({ event: name, data, id: undefined });
const chunk = (delta: object, finishReason: string | null = null, extra: object = {}) =>
  JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra });

describe('isContentOnlyChunk', () => {
  it('lets content, reasoning and pieces of tool-call arguments through unread', () => {
    expect(isContentOnlyChunk(event(chunk({ content: 'Hello' })))).toBe(true);
    expect(isContentOnlyChunk(event(chunk({ reasoning_content: 'Hm' })))).toBe(true);
    expect(isContentOnlyChunk(event(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] })))).toBe(true);
    expect(isContentOnlyChunk(event('{"id":"a","choices":[{"index":0,"delta":{"content":"x"},"finish_reason": null}]}'))).toBe(true);
    // OpenAI streams asked for usage say `"usage":null` on every chunk but the last.
    expect(isContentOnlyChunk(event(chunk({ content: 'x' }, null, { usage: null })))).toBe(true);
    expect(isContentOnlyChunk(event(chunk({ content: 'x' }, null, { x_groq: { id: 'req_1', usage: null } })))).toBe(true);
  });

  it('sends to the decoder what may carry usage, a finish reason or an error', () => {
    expect(isContentOnlyChunk(event(chunk({}, 'stop')))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({}, 'error')))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ content: 'x' }, null, { usage: { prompt_tokens: 1, completion_tokens: 1 } })))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ content: 'x' }, null, { x_groq: { usage: { prompt_tokens: 1 } } })))).toBe(false);
    expect(isContentOnlyChunk(event('{"error":{"message":"boom"}}'))).toBe(false);
    expect(isContentOnlyChunk(event('{"object":"error","message":"boom"}'))).toBe(false);
    // OpenRouter's own finish reason, when set, is read too (a false alarm costs only a parse).
    expect(isContentOnlyChunk(event(chunk({ content: 'x' }, null, { choices: [{ index: 0, delta: {}, finish_reason: null, native_finish_reason: 'stop' }] })))).toBe(false);
  });

  it('reads a tool call that is not a piece of arguments as OpenAI writes it: a start (once a call), and any field of the wrong type', () => {
    expect(isContentOnlyChunk(event(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] })))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ tool_calls: [{ index: 0, function: { arguments: 5 } }] })))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ tool_calls: [{ index: '0', function: { arguments: 'x' } }] })))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ tool_calls: [7, { index: 0, function: { arguments: 'x' } }] })))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ tool_calls: [{ index: 0, function: { arguments: 'x' } }, { index: 1, function: { arguments: 'y' } }] })))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ tool_calls: { index: 0 } })))).toBe(false);
  });

  it('reads a chunk whose keys could be spelled with escapes, and anything that is not one JSON object', () => {
    expect(isContentOnlyChunk(event('{"choices":[{"delta":{},"finish\\u005freason":"stop"}]}'))).toBe(false);
    expect(isContentOnlyChunk(event('{"choices":[{"delta":{"content":"caf\\u00e9"}}]}'))).toBe(false);
    expect(isContentOnlyChunk(event('[DONE]'))).toBe(false);
    expect(isContentOnlyChunk(event('[{"choices":[]}]'))).toBe(false);
    expect(isContentOnlyChunk(event('{"choices":[{"delta":{"content":"cut'))).toBe(false);
    expect(isContentOnlyChunk(event(' {"choices":[]}'))).toBe(false);
    expect(isContentOnlyChunk(event(''))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ content: 'x' }), 'message'))).toBe(false);
  });

  it('is conservative about words in the content: "usage" or "error" in the text means a parse, never a miss', () => {
    expect(isContentOnlyChunk(event(chunk({ content: 'the usage of an error' })))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ content: '"finish_reason":"stop"' })))).toBe(false);
    expect(isContentOnlyChunk(event(chunk({ content: '"usage":null' })))).toBe(false);
  });

  it('leaves every event of a recorded stream unread but the first, a tool call\'s start, the finishing one, the usage and [DONE]; none that carries more than content', () => {
    const cases = [
      ['openai', 'stream-text-only.txt', 14 - 4],
      // The tool call's start (its id and name) is read too.
      ['openai', 'stream.txt', 23 - 5],
      // Groq's usage rides on the finishing chunk (x_groq.usage).
      ['openai-compatible', 'groq-stream.txt', 9 - 3],
      ['openai-compatible', 'openrouter-stream.txt', 6 - 4],
    ] as const;
    for (const [dir, file, expected] of cases) {
      const events = eventsOf(readFixture(dir, file));
      const decoder = createCompatibleStreamDecoder('test');
      let unread = 0;
      for (const [index, each] of events.entries()) {
        const parts = decoder.decode(each);
        if (index === 0 || !isContentOnlyChunk(each)) continue;
        unread++;
        expect(parts.every(isContent)).toBe(true);
      }
      expect(unread).toBe(expected);
    }
  });
});

const isContent = (part: StreamPart) => ['text-delta', 'reasoning-delta', 'refusal-delta', 'tool-call-start', 'tool-call-delta'].includes(part.type);

/** Every key anywhere in a JSON value, and every `finish_reason` value. */
function walk(value: unknown, visit: (key: string, value: unknown) => void): void {
  if (Array.isArray(value)) for (const item of value) walk(item, visit);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      visit(key, inner);
      walk(inner, visit);
    }
  }
}

/** Words a chunk's text tends to hold, the flagged ones among them, so the property meets them often. */
const words = fc.constantFrom('usage', 'error', 'finish_reason', 'null', '"usage":null', '"finish_reason":null', 'stop', '"', '\\', '\\u0041', 'é', '°C', '{', '}', ':', ',', ' ');
const text = fc.oneof(fc.string(), fc.array(words, { maxLength: 6 }).map((parts) => parts.join('')), fc.string({ unit: 'binary' }));
const key = fc.oneof(fc.constantFrom('usage', 'error', 'finish_reason', 'x_groq', 'object', 'choices', 'delta', 'content', 'Usage', 'errors'), fc.string());

/** Chunks shaped like the real ones, with what the decoders act on sometimes present, sometimes hidden in content or extra keys. */
const chunkValue = fc.record(
  {
    id: fc.string(),
    object: fc.oneof(fc.constant('chat.completion.chunk'), fc.constant('error'), text),
    model: fc.string(),
    created: fc.integer(),
    choices: fc.array(
      fc.record(
        {
          index: fc.nat(3),
          delta: fc.record(
            {
              role: fc.constant('assistant'),
              content: fc.oneof(text, fc.constant(null)),
              reasoning_content: text,
              reasoning: text,
              refusal: fc.oneof(text, fc.constant(null)),
              tool_calls: fc.array(
                fc.oneof(
                  fc.record(
                    {
                      index: fc.oneof(fc.nat(3), fc.constantFrom(-1, 0.5, '0', null)),
                      id: fc.oneof(fc.string(), fc.nat()),
                      type: fc.oneof(fc.constant('function'), fc.nat()),
                      function: fc.oneof(fc.record({ name: fc.oneof(text, fc.nat()), arguments: fc.oneof(text, fc.nat(), fc.constant({ a: 1 })) }, { requiredKeys: [] }), text),
                    },
                    { requiredKeys: ['index'] },
                  ),
                  fc.constantFrom(7, null, 'call'),
                ),
                { maxLength: 2 },
              ),
            },
            { requiredKeys: [] },
          ),
          finish_reason: fc.oneof(fc.constant(null), fc.constantFrom('stop', 'length', 'tool_calls', 'error', ''), text),
          native_finish_reason: fc.oneof(fc.constant(null), text),
        },
        { requiredKeys: ['index', 'delta'] },
      ),
      { maxLength: 2 },
    ),
    usage: fc.oneof(fc.constant(null), fc.constant(0), fc.constant(false), fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat(), total_tokens: fc.nat() })),
    x_groq: fc.record({ id: fc.string(), usage: fc.oneof(fc.constant(null), fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat() })) }, { requiredKeys: ['id'] }),
    error: fc.oneof(fc.constant(null), fc.record({ message: text })),
  },
  { requiredKeys: ['choices'] },
).chain((value) => fc.tuple(fc.constant(value), fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 })).map(([chunkBody, extra]) => ({ ...extra, ...chunkBody })));

describe('isContentOnlyChunk, for any chunk', () => {
  it('property: a chunk it lets through unread holds no usage, no error and no finish reason, by any decoder', () => {
    fc.assert(
      fc.property(fc.oneof(chunkValue, fc.jsonValue()), fc.boolean(), (value, spaced) => {
        const data = JSON.stringify(value, null, spaced ? 1 : undefined);
        if (!isContentOnlyChunk(event(data))) return;
        // Read as JSON: no error key anywhere, and every usage and finish reason null.
        walk(JSON.parse(data), (name, inner) => {
          expect(name).not.toBe('error');
          if (name === 'finish_reason' || name === 'usage') expect(inner).toBeNull();
          // A tool call only as a piece of arguments, every field of its type: nothing the fast path's encoder writes again.
          if (name === 'tool_calls') {
            expect(inner).toEqual([{ index: expect.any(Number), function: { arguments: expect.any(String) } }]);
            expect(Number.isSafeInteger((inner as Array<{ index: number }>)[0]!.index)).toBe(true);
            expect((inner as Array<{ index: number }>)[0]!.index).toBeGreaterThanOrEqual(0);
          }
        });
        // Read by the decoders, after a first chunk: content only, and the same however often it is read.
        for (const decoder of [startedDecoder(createOpenAIStreamDecoder), startedDecoder(createCompatibleStreamDecoder)]) {
          let parts: StreamPart[];
          try {
            parts = decoder.decode(event(data));
          } catch (error) {
            // Only a shape the plain OpenAI decoder cannot walk (tool_calls that are not an array of objects), never a mapped error.
            expect(error).toBeInstanceOf(TypeError);
            continue;
          }
          expect(parts.every(isContent)).toBe(true);
          expect(decoder.decode(event(data))).toEqual(parts);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a text that is not what JSON.stringify wrote is still never let through with a non-null finish reason, usage or error', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(words, fc.constantFrom('"finish_reason":', '"usage":', '"error":', '"content":', '"a"', '1', '[', ']')), { maxLength: 20 }), (pieces) => {
        const data = `{${pieces.join('')}}`;
        if (!isContentOnlyChunk(event(data))) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(data);
        } catch {
          return; // not JSON: forwarded as it came (docs/fast-path.md)
        }
        walk(parsed, (name, inner) => {
          expect(name).not.toBe('error');
          if (name === 'finish_reason' || name === 'usage') expect(inner).toBeNull();
        });
      }),
      { numRuns: 2000 },
    );
  });
});

function eventsOf(text: string): ServerSentEvent[] {
  const framer = new SseDecoder();
  return [...framer.feed(Buffer.from(text, 'utf8')), ...framer.end()];
}

function startedDecoder(create: (provider: string) => StreamDecoder): StreamDecoder {
  const decoder = create('test');
  decoder.decode(event(chunk({ role: 'assistant', content: '' })));
  return decoder;
}
