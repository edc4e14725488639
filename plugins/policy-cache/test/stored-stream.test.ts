import type { StreamPart } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCacheValue, encodeCacheValue, responseToStreamParts, type CachedResult, type CacheEntry } from '../src/index.js';
import { storedStream } from '../src/stored-stream.js';

const start: StreamPart = { type: 'stream-start', id: 'chatcmpl-9', model: 'gpt-4o-mini-2024-07-18', created: 1_700_000_000, providerMetadata: { openai: { system_fingerprint: 'fp_9' } } };
const ending: StreamPart[] = [
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } },
  { type: 'usage', usage: { inputTokens: 20, outputTokens: 500 } },
];

/** A stream's parts as a hit replays them from what the cache keeps. */
function replayed(parts: StreamPart[]): StreamPart[] {
  return replayOf(storedStream(parts));
}

function replayOf(stored: CachedResult): StreamPart[] {
  if (stored.kind === 'chat-stream') return stored.parts;
  if (stored.kind !== 'chat-response') throw new Error('not a chat answer');
  return responseToStreamParts(stored.response, stored.deltas);
}

const entryBytes = (parts: StreamPart[]) =>
  JSON.stringify({ v: 1, result: storedStream(parts), servedBy: { provider: 'openai', model: 'gpt-4o-mini' }, storedAt: 1 }).length;

describe('a finished stream as the cache keeps it', () => {
  it('a 500-token stream: about a sixth of the bytes of its parts, replayed with the same deltas', () => {
    const parts: StreamPart[] = [start, ...Array.from({ length: 500 }, (_, index): StreamPart => ({ type: 'text-delta', delta: index % 7 === 0 ? ' the' : 'ir' })), ...ending];
    const asParts = JSON.stringify({ v: 1, result: { kind: 'chat-stream', parts }, servedBy: { provider: 'openai', model: 'gpt-4o-mini' }, storedAt: 1 }).length;
    expect(storedStream(parts).kind).toBe('chat-response');
    expect(entryBytes(parts)).toBeLessThan(asParts / 5);
    expect(replayed(parts)).toEqual(parts);
  });

  it('replays reasoning with its signature, redacted thinking, refusals and tool calls as they came', () => {
    const parts: StreamPart[] = [
      start,
      { type: 'reasoning-delta', delta: 'Think' },
      { type: 'reasoning-delta', delta: 'ing.' },
      { type: 'reasoning-signature', signature: 'sig-1' },
      { type: 'reasoning-redacted', data: 'Blob==' },
      { type: 'text-delta', delta: 'Calling ' },
      { type: 'text-delta', delta: 'tools.' },
      { type: 'tool-call-start', index: 0, id: 'call_1', name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"ci' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'ty":"Lyon"}' },
      { type: 'tool-call-start', index: 1, id: 'call_2', name: 'get_time' },
      { type: 'refusal-delta', delta: 'No ' },
      { type: 'refusal-delta', delta: 'more.' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 9, reasoningTokens: 3 } },
    ];
    expect(replayed(parts)).toEqual(parts);
  });

  it('joins each tool call of interleaved calls, its argument deltas in their order', () => {
    const parts: StreamPart[] = [
      start,
      { type: 'tool-call-start', index: 0, id: 'a', name: 'one' },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'two' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a"' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"b":2}' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
      ...ending,
    ];
    expect(replayed(parts).filter((part) => part.type.startsWith('tool-call'))).toEqual([
      { type: 'tool-call-start', index: 0, id: 'a', name: 'one' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a"' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'two' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"b":2}' },
    ]);
  });

  it('keeps as parts a stream with counts given before the end (a replay starts with them) or with no final usage', () => {
    const partial: StreamPart[] = [start, { type: 'usage', usage: { inputTokens: 20, outputTokens: 1 }, partial: true }, { type: 'text-delta', delta: 'Hi' }, ...ending];
    expect(storedStream(partial)).toEqual({ kind: 'chat-stream', parts: partial });
    const noUsage: StreamPart[] = [start, { type: 'text-delta', delta: 'Hi' }, ending[0]!];
    expect(storedStream(noUsage)).toEqual({ kind: 'chat-stream', parts: noUsage });
  });

  it('any stream of text deltas (empty ones dropped) replays the same deltas, through the stored bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 40 }), async (deltas) => {
        const parts: StreamPart[] = [start, ...deltas.map((delta): StreamPart => ({ type: 'text-delta', delta })), ...ending];
        const entry: CacheEntry = { v: 1, result: storedStream(parts), servedBy: { provider: 'openai', model: 'gpt-4o-mini' }, storedAt: 1 };
        const read = (await decodeCacheValue(await encodeCacheValue(entry, 1 << 20)))!;
        expect(read).toEqual(entry);
        expect(read.result.kind).toBe('chat-response');
        expect(replayOf(read.result)).toEqual(parts.filter((part) => part.type !== 'text-delta' || part.delta !== ''));
      }),
    );
  });

  it('lengths that do not add up (an entry forged in a shared store) cut the text at its words, never into more pieces than characters', () => {
    const parts: StreamPart[] = [start, { type: 'text-delta', delta: 'Hello ' }, { type: 'text-delta', delta: 'big world' }, ...ending];
    const stored = storedStream(parts);
    if (stored.kind !== 'chat-response') throw new Error('kept as parts');
    const texts = (deltas: unknown) =>
      responseToStreamParts(stored.response, deltas as unknown[]).flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []));
    expect(texts([[6, 9]])).toEqual(['Hello ', 'big world']);
    for (const forged of [[[6, 8]], [[6, 10]], [[0, 6, 9]], [[6, 9, 0]], [[1.5, 13.5]], [[-1, 16]], [Array(10_000).fill(1)], [['6', '9']], 'x', [null], 5]) {
      expect(texts(forged)).toEqual(['Hello ', 'big ', 'world']);
    }
  });
});
