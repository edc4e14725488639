import { openAIChatDialect, type ServerSentEvent, type SseEvent, type StreamDecoder } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isContentOnlyChunk } from '../src/chat-chunk-tap.js';
import { createOpenAIStreamDecoder } from '../src/openai-stream-decoder.js';
import { createCompatibleStreamDecoder } from '../src/presets/create-compatible-stream-decoder.js';

/**
 * A finish reason through this adapter's real tap (its decoders and lazy test) and the
 * fast path's encoder, against the same decoder and the translated path's encoder: an
 * OpenAI client reads the same finish reason whatever word the upstream wrote and
 * however it spelled it (escapes in the value or in the key), and a word OpenAI
 * defines passes as the upstream wrote it (docs/fast-path.md).
 */

const openAIWords = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call'];
const hostileWords = ['abort', 'model_length', 'insufficient_system_resource', '__proto__', 'toString', 'constructor', 'STOP', 'x'.repeat(10_000)];
const decoders: Array<[string, () => StreamDecoder]> = [
  ['openai', () => createOpenAIStreamDecoder('openai')],
  ['compatible preset', () => createCompatibleStreamDecoder('groq')],
];

/** `text` as a JSON string with every character spelled `\uXXXX`. */
const escaped = (text: string) => `"${[...text].map((char) => [...char].map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')).join('')}"`;
const data = (event: SseEvent) => (typeof event === 'string' ? event : event.data);

function stream(finishMember: string): ServerSentEvent[] {
  const chunk = (rest: string) => `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini",${rest}}`;
  return [
    chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]'),
    chunk('"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]'),
    chunk(`"choices":[{"index":0,"delta":{},${finishMember}}]`),
    '[DONE]',
  ].map((text) => ({ event: undefined, data: text, id: undefined }));
}

const options = { requestId: 'req_1', model: 'openai/gpt-4o-mini', modelPrefix: 'openai/', includeUsage: false };

/** The finish reasons a client reads, and the fast path's data events. */
function viaFastPath(events: ServerSentEvent[], decoder: StreamDecoder) {
  const encoder = openAIChatDialect.passthrough!.createStreamEncoder(options);
  const out: string[] = [];
  events.forEach((event, at) => {
    // The lazy tap: the first event always decoded, a content-only one left unread.
    const unread = at > 0 && isContentOnlyChunk(event);
    out.push(...encoder.encode({ event, parts: unread ? [] : decoder.decode(event) }).map(data));
  });
  out.push(...encoder.finish().map(data));
  return out;
}

function viaTranslatedPath(events: ServerSentEvent[], decoder: StreamDecoder) {
  const encoder = openAIChatDialect.createStreamEncoder(options);
  const out: string[] = [];
  for (const event of events) for (const part of decoder.decode(event)) out.push(...encoder.encode(part).map(data));
  out.push(...encoder.finish().map(data));
  return out;
}

const finishReasons = (events: string[]) =>
  events.filter((text) => text !== '[DONE]').flatMap((text) => (JSON.parse(text).choices as Array<{ finish_reason: unknown }>).map((choice) => choice.finish_reason).filter((value) => value !== null));

describe.each(decoders)('a finish reason through the %s tap', (_name, createDecoder) => {
  it('property: the fast-path client reads what the translated path writes, whatever the word and its spelling; a defined word passes as it came', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...openAIWords, ...hostileWords), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })),
        fc.constantFrom('plain', 'escaped value', 'escaped key'),
        (word, spelling) => {
          const member =
            spelling === 'plain' ? `"finish_reason":${JSON.stringify(word)}` : spelling === 'escaped value' ? `"finish_reason":${escaped(word)}` : `"fin\\u0069sh_reason":${JSON.stringify(word)}`;
          const events = stream(member);
          const fast = viaFastPath(events, createDecoder());
          const expected = finishReasons(viaTranslatedPath(events, createDecoder()));
          expect(expected).toHaveLength(1);
          // The one defined word the translated path writes otherwise: the legacy `function_call` (as `tool_calls`,
          // though it drops the legacy `function_call` delta itself), which the fast path passes with that delta.
          expect(finishReasons(fast)).toEqual(word === 'function_call' ? ['function_call'] : expected);
          if (openAIWords.includes(word)) expect(fast).toContain(events[2]!.data.replace('"model":"gpt-4o-mini"', '"model":"openai/gpt-4o-mini"'));
          else expect(fast.join('\n')).not.toContain(member);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: a finish_reason that is not a word (any JSON value but a non-empty string or null) reads null on both paths, plain or under an escaped key, on its own chunk or with content', () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((value) => value !== null && !(typeof value === 'string' && value !== '')),
        fc.boolean(),
        fc.boolean(),
        (value, escapedKey, withContent) => {
          const member = `${escapedKey ? '"fin\\u0069sh_reason"' : '"finish_reason"'}:${JSON.stringify(value)}`;
          const events = stream(member);
          if (withContent) events[2] = { ...events[2]!, data: events[2]!.data.replace('"delta":{}', '"delta":{"content":"!"}') };
          const fast = viaFastPath(events, createDecoder());
          const translated = viaTranslatedPath(events, createDecoder());
          // The translated path writes no finish reason at all: the decoders read none.
          expect(finishReasons(translated)).toEqual([]);
          expect(finishReasons(fast)).toEqual([]);
          const content = (events: string[]) => events.filter((text) => text !== '[DONE]').map((text) => (JSON.parse(text).choices as Array<{ delta?: { content?: string } }>).map((choice) => choice.delta?.content ?? '').join('')).join('');
          expect(content(fast)).toBe(content(translated));
        },
      ),
      { numRuns: 300 },
    );
  });
});

it('a compatible preset’s model_length reads length on both paths, the openai provider’s stop', () => {
  const events = stream('"finish_reason":"model_length"');
  expect(finishReasons(viaFastPath(events, createCompatibleStreamDecoder('groq')))).toEqual(['length']);
  expect(finishReasons(viaFastPath(events, createOpenAIStreamDecoder('openai')))).toEqual(['stop']);
});
