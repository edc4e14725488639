import { maxMatchedEventLength, SseDecoder, type ServerSentEvent, type StreamPart } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readTokenChunk } from '../src/token-chunk.js';
import { createOpenAIStreamDecoder } from '../src/openai-stream-decoder.js';
import { createCompatibleStreamDecoder } from '../src/presets/create-compatible-stream-decoder.js';

interface ChunkExtras {
  serviceTier?: boolean;
  fingerprint?: string | null;
  usage?: boolean;
  obfuscation?: string;
  /** A piece of tool call 'index''s arguments instead of content. */
  toolCall?: { index: number };
  /** Reasoning instead of content, the other field written as null beside it (DeepSeek) or left out. */
  reasoning?: { withNullContent: boolean };
  /** Content with `"reasoning_content":null` beside it (DeepSeek). */
  nullReasoning?: boolean;
}

/** A chunk as OpenAI writes one token of content or arguments (keys in OpenAI's order). */
const openAIChunk = (text: string, extra: ChunkExtras = {}) =>
  JSON.stringify({
    id: 'chatcmpl-CFa3dZ1pK6wR9nT3vX8mLq2sYb5Jc',
    object: 'chat.completion.chunk',
    created: 1764072009,
    model: 'gpt-4o-mini-2024-07-18',
    ...(extra.serviceTier !== false && { service_tier: 'default' }),
    ...(extra.fingerprint !== undefined && { system_fingerprint: extra.fingerprint }),
    choices: [{ index: 0, delta: deltaOf(text, extra), logprobs: null, finish_reason: null }],
    ...(extra.usage !== false && { usage: null }),
    ...(extra.obfuscation !== undefined && { obfuscation: extra.obfuscation }),
  });

function deltaOf(text: string, extra: ChunkExtras): object {
  if (extra.toolCall) return { tool_calls: [{ index: extra.toolCall.index, function: { arguments: text } }] };
  if (extra.reasoning) return extra.reasoning.withNullContent ? { content: null, reasoning_content: text } : { reasoning_content: text };
  return extra.nullReasoning ? { content: text, reasoning_content: null } : { content: text };
}

const dataEvents = (dir: string, file: string): ServerSentEvent[] => {
  const framer = new SseDecoder();
  return [...framer.feed(Buffer.from(readFixture(dir, file), 'utf8')), ...framer.end()];
};

/** The parts a chunk read without parsing must have given: those of the delta JSON.parse finds. */
function partsOfDelta(delta: Record<string, unknown>): StreamPart[] {
  if (typeof delta['content'] === 'string') return delta['content'] ? [{ type: 'text-delta', delta: delta['content'] }] : [];
  if (typeof delta['reasoning_content'] === 'string') return delta['reasoning_content'] ? [{ type: 'reasoning-delta', delta: delta['reasoning_content'] }] : [];
  const [call] = delta['tool_calls'] as Array<{ index: number; function: { arguments: string } }>;
  return call!.function.arguments ? [{ type: 'tool-call-delta', index: call!.index, argumentsDelta: call!.function.arguments }] : [];
}

/**
 * What a match must mean: the text is JSON whose only payload is choice 0's delta,
 * holding one content or one tool call's arguments and nothing else, and the parts
 * read are that delta's.
 */
function expectOnlyToken(text: string, parts: StreamPart[]): void {
  const chunk = JSON.parse(text) as Record<string, unknown>;
  expect(chunk['error']).toBeUndefined();
  expect(chunk['usage'] ?? null).toBeNull();
  const choices = chunk['choices'] as Array<Record<string, unknown>>;
  expect(choices).toHaveLength(1);
  expect(choices[0]!['finish_reason']).toBeNull();
  expect(choices[0]!['logprobs'] ?? null).toBeNull();
  const delta = choices[0]!['delta'] as Record<string, unknown>;
  if ('content' in delta || 'reasoning_content' in delta) {
    // One token of content or of reasoning; the other field, when written, is null.
    const keys = Object.keys(delta);
    expect(['content', 'reasoning_content']).toEqual(expect.arrayContaining(keys));
    expect(keys.filter((key) => typeof delta[key] === 'string')).toHaveLength(1);
    expect(keys.filter((key) => delta[key] !== null && typeof delta[key] !== 'string')).toEqual([]);
  } else {
    expect(Object.keys(delta)).toEqual(['tool_calls']);
    const calls = delta['tool_calls'] as Array<Record<string, unknown>>;
    expect(calls).toHaveLength(1);
    expect(Object.keys(calls[0]!)).toEqual(['index', 'function']);
    expect(Object.keys(calls[0]!['function'] as object)).toEqual(['arguments']);
  }
  expect(parts).toEqual(partsOfDelta(delta));
}

describe('readTokenChunk', () => {
  it("reads every token event of OpenAI's recorded streams as JSON.parse does, and nothing else", () => {
    // The role chunk, the tool call's first chunk (its id and name), the finishing chunk, the usage chunk and [DONE] are parsed.
    // Groq's and DeepSeek's chunks have OpenAI's keys: their content and reasoning tokens are read too.
    for (const [dir, file, parsed] of [
      ['openai', 'stream.txt', 5],
      ['openai', 'stream-text-only.txt', 4],
      ['openai-compatible', 'groq-stream.txt', 3],
      ['openai-compatible', 'deepseek-stream-reasoner.txt', 3],
      // Mistral leaves `logprobs` out; its tool calls come whole (id, name, arguments) and are parsed.
      ['mistral', 'stream-text-only.txt', 3],
      ['mistral', 'stream.txt', 4],
    ] as const) {
      const events = dataEvents(dir, file);
      const read = events.filter((event) => {
        const parts = readTokenChunk(event.data);
        if (parts === undefined) return false;
        expectOnlyToken(event.data, parts);
        return true;
      });
      expect(read.length).toBe(events.length - parsed);
      expect(read.length).toBeGreaterThan(3);
    }
  });

  it('reads any content or arguments, unescaping quotes, backslashes, control characters and \\u escapes', () => {
    const extras = fc.record(
      {
        serviceTier: fc.boolean(),
        fingerprint: fc.option(fc.string({ maxLength: 8 }), { nil: undefined }),
        usage: fc.boolean(),
        obfuscation: fc.string({ maxLength: 8 }),
        toolCall: fc.record({ index: fc.nat(1000) }),
        reasoning: fc.record({ withNullContent: fc.boolean() }),
        nullReasoning: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), extras, (text, extra) => {
        const chunk = openAIChunk(text, extra);
        const parts = readTokenChunk(chunk);
        expect(parts).toBeDefined();
        expectOnlyToken(chunk, parts!);
        expect(parts!.length).toBe(text === '' ? 0 : 1);
      }),
      { numRuns: 500 },
    );
    expect(readTokenChunk(openAIChunk('caf\u00e9 "quoted" \\ back\nslash \u{1F600}'))).toEqual([{ type: 'text-delta', delta: 'caf\u00e9 "quoted" \\ back\nslash \u{1F600}' }]);
    const escaped = openAIChunk('x').replace('"content":"x"', '"content":"caf\\u00e9 \\ud83d\\ude00 \\/ \\t"');
    expect(readTokenChunk(escaped)).toEqual([{ type: 'text-delta', delta: 'caf\u00e9 \u{1F600} / \t' }]);
    expect(readTokenChunk(openAIChunk('{\"city', { toolCall: { index: 2 } }))).toEqual([{ type: 'tool-call-delta', index: 2, argumentsDelta: '{\"city' }]);
    expect(readTokenChunk(openAIChunk('', { usage: false, serviceTier: false, fingerprint: null }))).toEqual([]);
  });

  it('leaves to JSON.parse every chunk that carries more than content, or is written another way', () => {
    const base = JSON.parse(openAIChunk('Hi')) as Record<string, unknown>;
    const choice = (base['choices'] as object[])[0] as Record<string, unknown>;
    const variants: object[] = [
      { ...base, choices: [{ ...choice, delta: { role: 'assistant', content: 'Hi' } }] },
      { ...base, choices: [{ ...choice, delta: { content: 'Hi', refusal: null } }] },
      { ...base, choices: [{ ...choice, delta: { content: 'Hi', reasoning_content: 'Hm' } }] },
      { ...base, choices: [{ ...choice, delta: { reasoning_content: 'Hm', content: null } }] },
      { ...base, choices: [{ ...choice, delta: { reasoning: 'Hm' } }] },
      { ...base, choices: [{ ...choice, delta: { tool_calls: [{ index: 0, type: 'function', function: { arguments: '{}' } }] } }] },
      { ...base, choices: [{ ...choice, finish_reason: 'stop' }] },
      { ...base, choices: [{ ...choice, logprobs: { content: [] } }] },
      { ...base, choices: [{ ...choice, index: 1 }] },
      { ...base, choices: [choice, { ...choice, index: 1 }] },
      { ...base, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } },
      { ...base, error: { message: 'boom' } },
      { ...base, x_groq: { id: 'req_1' } },
      { ...base, choices: [{ ...choice, content_filter_results: {} }] },
      { ...base, choices: [{ ...choice, delta: { tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] } }] },
      { ...base, choices: [{ ...choice, delta: { tool_calls: [{ index: 0, function: { arguments: '{' } }, { index: 1, function: { arguments: '{' } }] } }] },
      { ...base, choices: [{ ...choice, delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: '{' } }] } }] },
      { ...base, choices: [{ ...choice, delta: { tool_calls: [{ index: -1, function: { arguments: '{' } }] } }] },
    ];
    for (const variant of variants) expect(readTokenChunk(JSON.stringify(variant)), JSON.stringify(variant)).toBeUndefined();
    const text = openAIChunk('Hi');
    for (const other of [
      text.replace('"content":"Hi"', '"content": "Hi"'), // spacing
      text.replace('"delta":{"content":"Hi"}', '"delta":{"content":"Hi","content":"Bye"}'), // a duplicate key: JSON.parse keeps the last
      text.replace('"delta":{"content":"Hi"}', '"delta":{"content":"Hi"},"delta":{"content":"Bye"}'),
      text.replace('"content":"Hi"', '"content":"H\\x"'), // not a JSON escape
      text.replace('"content":"Hi"', '"content":"H\ti"'), // a raw control character
      text.replace('"created":1764072009', '"created":01764072009'), // a leading zero
      text.replace('"content"', '"\\u0063ontent"'), // an escaped name
      `${text} `,
      text.slice(0, -1),
    ]) {
      expect(readTokenChunk(other), other).toBeUndefined();
    }
  });

  it('parses a chunk longer than a token event (a long regular-expression match is slow, and past a few MB throws)', () => {
    expect(readTokenChunk(openAIChunk('x'.repeat(maxMatchedEventLength - 300)))).toBeDefined();
    expect(readTokenChunk(openAIChunk('x'.repeat(maxMatchedEventLength)))).toBeUndefined();
    for (const create of [createOpenAIStreamDecoder, createCompatibleStreamDecoder]) {
      const decoder = create('openai');
      decoder.decode({ event: undefined, id: undefined, data: openAIChunk('') });
      const huge = 'y'.repeat(10_000_000);
      expect(decoder.decode({ event: undefined, id: undefined, data: openAIChunk(huge) })).toEqual([{ type: 'text-delta', delta: huge }]);
    }
  });

  it('never reads a mutated chunk differently from JSON.parse: a match is valid JSON holding exactly the token read', () => {
    const pieces = ['"', '\\', ',', '}', ']', '{', ':', '0', 'null', '"content":"x"', '"reasoning_content":"r"', '"content":null,', '"delta":{"content":"y"}', '"arguments":"z"', ',"index":1', ',"usage":{"total_tokens":1}', '\u0001', '\\u00', ' '];
    fc.assert(
      fc.property(
        fc.string({ maxLength: 16 }),
        fc.constantFrom<ChunkExtras>({}, { toolCall: { index: 0 } }, { reasoning: { withNullContent: true } }, { nullReasoning: true }),
        fc.array(fc.tuple(fc.nat(), fc.nat(8), fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 3 }))), { minLength: 1, maxLength: 4 }),
        (token, extra, edits) => {
          let text = openAIChunk(token, extra);
          for (const [at, removed, inserted] of edits) {
            const position = at % (text.length + 1);
            text = text.slice(0, position) + inserted + text.slice(position + removed);
          }
          const parts = readTokenChunk(text);
          if (parts !== undefined) expectOnlyToken(text, parts);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('the stream decoders read content chunks without parsing them', () => {
  const decodeAll = (decode: (event: ServerSentEvent) => StreamPart[], events: ServerSentEvent[]) => events.flatMap(decode);

  it('give the same parts as a decoder that parses every event', () => {
    // A decoder made fresh for each event parses it (only later events of a stream are read); the stream-start part is its own.
    for (const create of [createOpenAIStreamDecoder, createCompatibleStreamDecoder]) {
      for (const [dir, file] of [
        ['openai', 'stream.txt'],
        ['openai', 'stream-text-only.txt'],
        ['openai-compatible', 'groq-stream.txt'],
        ['openai-compatible', 'deepseek-stream-reasoner.txt'],
        ['mistral', 'stream.txt'],
      ] as const) {
        const events = dataEvents(dir, file);
        const parts = decodeAll(create('openai').decode, events);
        const parsedOneByOne = events.flatMap((event, index) => create('openai').decode(event).filter((part) => index === 0 || part.type !== 'stream-start'));
        expect(parts).toEqual(parsedOneByOne);
        expect(parts.filter((part) => part.type === 'text-delta' || part.type === 'reasoning-delta' || part.type === 'tool-call-delta').length).toBeGreaterThan(3);
      }
    }
  });

  it('still parses the first event, for the stream-start part', () => {
    const decoder = createOpenAIStreamDecoder('openai');
    expect(decoder.decode({ event: undefined, id: undefined, data: openAIChunk('Hi') })).toEqual([
      { type: 'stream-start', id: 'chatcmpl-CFa3dZ1pK6wR9nT3vX8mLq2sYb5Jc', model: 'gpt-4o-mini-2024-07-18', created: 1764072009 },
      { type: 'text-delta', delta: 'Hi' },
    ]);
    expect(decoder.decode({ event: undefined, id: undefined, data: openAIChunk('') })).toEqual([]);
    expect(decoder.decode({ event: undefined, id: undefined, data: openAIChunk(' there') })).toEqual([{ type: 'text-delta', delta: ' there' }]);
  });
});
