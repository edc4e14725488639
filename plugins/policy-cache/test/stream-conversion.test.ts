import { createLogger, readyBatches, type ChatResponse, type ReadyItems, type StreamPart } from '@switchyard/core';
import { describe, expect, it, vi } from 'vitest';
import { decodeCacheValue, encodeCacheValue, recordStream, replayParts, responseToStreamParts, splitAtWords, streamPartsToResponse, throttledWarning, type CacheEntry } from '../src/index.js';

const response: ChatResponse = {
  id: 'chatcmpl-1',
  model: 'gpt-4o-mini-2024-07-18',
  created: 1_700_000_000,
  content: [
    { type: 'reasoning', text: 'The user wants  weather.' },
    { type: 'text', text: ' It is 18°C in Paris. ' },
    { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
    { type: 'tool-call', id: 'call_2', name: 'get_time', arguments: '' },
  ],
  finishReason: { unified: 'tool-calls', raw: 'tool_calls' },
  usage: { inputTokens: 12, outputTokens: 9, reasoningTokens: 3 },
  providerMetadata: { openai: { system_fingerprint: 'fp_1' } },
};

describe('converting between whole responses and stream parts', () => {
  it('splits at word boundaries without losing a character', () => {
    expect(splitAtWords('Hello, big  world ')).toEqual(['Hello, ', 'big  ', 'world ']);
    expect(splitAtWords('  lead')).toEqual(['  lead']);
    expect(splitAtWords('   ')).toEqual(['   ']);
    expect(splitAtWords('')).toEqual([]);
  });

  it('turns a response into several parts and back into the same response', () => {
    const parts = responseToStreamParts(response);
    expect(parts[0]).toEqual({ type: 'stream-start', id: 'chatcmpl-1', model: 'gpt-4o-mini-2024-07-18', created: 1_700_000_000, providerMetadata: { openai: { system_fingerprint: 'fp_1' } } });
    expect(parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(3);
    expect(parts.filter((part) => part.type === 'tool-call-start').map((part) => (part as { index: number }).index)).toEqual([0, 1]);
    expect(parts.at(-2)).toEqual({ type: 'finish', finishReason: response.finishReason });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: response.usage });
    expect(streamPartsToResponse(parts)).toEqual(response);
  });

  it('keeps thinking signatures and redacted thinking both ways, each signed block its own part', () => {
    const signed: ChatResponse = {
      ...response,
      content: [
        { type: 'reasoning', text: 'First, think.', signature: 'sig-1' },
        { type: 'reasoning', text: '', redactedData: 'EncryptedBlob==' },
        { type: 'reasoning', text: 'Then think again.', signature: 'sig-2' },
        { type: 'text', text: 'Done.' },
      ],
    };
    const parts = responseToStreamParts(signed);
    expect(parts.filter((part) => part.type === 'reasoning-signature' || part.type === 'reasoning-redacted')).toEqual([
      { type: 'reasoning-signature', signature: 'sig-1' },
      { type: 'reasoning-redacted', data: 'EncryptedBlob==' },
      { type: 'reasoning-signature', signature: 'sig-2' },
    ]);
    expect(streamPartsToResponse(parts)).toEqual(signed);
  });

  it('assembles interleaved tool-call deltas per index', () => {
    const parts: StreamPart[] = [
      { type: 'stream-start', id: 'x', model: 'm', created: 5 },
      { type: 'tool-call-start', index: 0, id: 'a', name: 'one' },
      { type: 'tool-call-start', index: 1, id: 'b', name: 'two' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a"' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"b":2}' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ':1}' },
      { type: 'finish', finishReason: { unified: 'tool-calls' } },
    ];
    expect(streamPartsToResponse(parts).content).toEqual([
      { type: 'tool-call', id: 'a', name: 'one', arguments: '{"a":1}' },
      { type: 'tool-call', id: 'b', name: 'two', arguments: '{"b":2}' },
    ]);
  });
});

async function* source(parts: StreamPart[], failAfter?: number): AsyncGenerator<StreamPart> {
  for (const [index, part] of parts.entries()) {
    if (index === failAfter) throw new Error('upstream broke');
    yield part;
  }
}

describe('recording a stream as it passes', () => {
  const parts = responseToStreamParts(response);

  it('hands over every part once the stream finished normally', async () => {
    const onComplete = vi.fn();
    const seen: StreamPart[] = [];
    for await (const part of recordStream(source(parts), 1 << 20, onComplete)) seen.push(part);
    expect(seen).toEqual(parts);
    expect(onComplete).toHaveBeenCalledWith(parts);
  });

  it('hands over nothing when the consumer left early, and closes the source', async () => {
    const onComplete = vi.fn();
    let closed = false;
    async function* tracked() {
      try {
        yield* source(parts);
      } finally {
        closed = true;
      }
    }
    for await (const part of recordStream(tracked(), 1 << 20, onComplete)) if (part.type === 'text-delta') break;
    expect(closed).toBe(true);
    expect(onComplete).not.toHaveBeenCalled();
  });

  it('hands over nothing when the source threw, ended without a finish, finished with an error or grew too big', async () => {
    const onComplete = vi.fn();
    await expect(async () => {
      for await (const _part of recordStream(source(parts, 3), 1 << 20, onComplete));
    }).rejects.toThrow('upstream broke');
    for await (const _part of recordStream(source(parts.filter((part) => part.type !== 'finish')), 1 << 20, onComplete));
    for await (const _part of recordStream(source([...parts.slice(0, -2), { type: 'finish', finishReason: { unified: 'error' } }]), 1 << 20, onComplete));
    for await (const _part of recordStream(source(parts), 100, onComplete));
    expect(onComplete).not.toHaveBeenCalled();
  });

  it('opens the source only when read, and leaving before reading closes nothing and hands over nothing', async () => {
    const onComplete = vi.fn();
    let opened = 0;
    const lazy: AsyncIterable<StreamPart> = {
      [Symbol.asyncIterator]: () => {
        opened++;
        return source(parts)[Symbol.asyncIterator]();
      },
    };
    const recording = recordStream(lazy, 1 << 20, onComplete);
    expect(opened).toBe(0);
    expect(await recording.return!()).toEqual({ done: true, value: undefined });
    expect(opened).toBe(0);
    expect(onComplete).not.toHaveBeenCalled();
  });

  it('hands over once, however often the finished stream is read', async () => {
    const onComplete = vi.fn();
    const recording = recordStream(source(parts), 1 << 20, onComplete);
    for await (const _part of recording);
    expect(await recording.next()).toEqual({ done: true, value: undefined });
    expect(onComplete).toHaveBeenCalledTimes(1);
  });
});

/** A source that holds its parts ready in chunks of `size`, as an upstream stream does a network chunk's. */
function chunked(parts: StreamPart[], size: number): AsyncIterable<StreamPart> {
  let index = 0;
  let readyUntil = 0;
  const iterator: AsyncIterator<StreamPart> & ReadyItems<StreamPart> = {
    next: async () => {
      if (index >= parts.length) return { done: true, value: undefined };
      readyUntil = index + size;
      return { done: false, value: parts[index++]! };
    },
    takeReady: () => (index < readyUntil && index < parts.length ? parts[index++] : undefined),
  };
  return { [Symbol.asyncIterator]: () => iterator };
}

describe('recording a stream read in ready batches', () => {
  const parts = responseToStreamParts(response);

  it('keeps the parts taken without a promise too, and hands them all over once finished', async () => {
    const onComplete = vi.fn();
    const batches: StreamPart[][] = [];
    for await (const batch of readyBatches(recordStream(chunked(parts, 3), 1 << 20, onComplete))) batches.push(batch);
    expect(batches.length).toBe(Math.ceil(parts.length / 3));
    expect(batches.flat()).toEqual(parts);
    expect(onComplete).toHaveBeenCalledWith(parts);
  });

  it('still counts the bytes of parts taken without a promise', async () => {
    const onComplete = vi.fn();
    for await (const _batch of readyBatches(recordStream(chunked(parts, parts.length), 100, onComplete)));
    expect(onComplete).not.toHaveBeenCalled();
  });
});

describe('replaying stored parts', () => {
  const parts = responseToStreamParts(response);

  it('yields every part in order, one per step, and can be read once', async () => {
    const replay = replayParts(parts);
    const seen: StreamPart[] = [];
    for await (const part of replay) seen.push(part);
    expect(seen).toEqual(parts);
    expect(seen[0]).toBe(parts[0]);
    expect(await replay.next()).toEqual({ done: true, value: undefined });
  });

  it('hands out the parts after the first without a promise each, in order, and is then done', async () => {
    const replay = replayParts(parts);
    const batches: StreamPart[][] = [];
    for await (const batch of readyBatches(replay)) batches.push(batch);
    expect(batches).toEqual([parts]);
    expect(replay.takeReady()).toBeUndefined();
    expect(await replay.next()).toEqual({ done: true, value: undefined });
  });

  it('stops when the client leaves', async () => {
    const replay = replayParts(parts);
    for await (const part of replay) if (part.type === 'text-delta') break;
    expect(await replay.next()).toEqual({ done: true, value: undefined });
  });
});

describe('the shared-store value format', () => {
  const entry: CacheEntry = { v: 1, result: { kind: 'chat-response', response }, servedBy: { provider: 'openai', model: 'gpt-4o-mini' }, usage: response.usage, storedAt: 1 };

  it('stores small values as plain JSON and large ones compressed, and reads both back', async () => {
    const small = await encodeCacheValue(entry, 1 << 20);
    expect(small[0]).toBe(0);
    expect(await decodeCacheValue(small)).toEqual(entry);
    const large: CacheEntry = { ...entry, result: { kind: 'chat-response', response: { ...response, content: [{ type: 'text', text: 'lorem ipsum '.repeat(2000) }] } } };
    const compressed = await encodeCacheValue(large, 1024);
    expect(compressed[0]).toBe(1);
    expect(compressed.length).toBeLessThan(JSON.stringify(large).length / 10);
    expect(await decodeCacheValue(compressed)).toEqual(large);
  });

  it('reads foreign or old values as misses', async () => {
    expect(await decodeCacheValue(Buffer.from('\u0000{"v":0}'))).toBeUndefined();
    expect(await decodeCacheValue(Buffer.from('{"v":1}'))).toBeUndefined();
    expect(await decodeCacheValue(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('the throttled warning', () => {
  it('logs once per interval and counts what it left out', () => {
    let now = 0;
    const warn = vi.fn();
    const logger = { warn } as unknown as Parameters<typeof throttledWarning>[0];
    const throttled = throttledWarning(logger, 60_000, () => now);
    throttled(new Error('down'), 'cache down');
    throttled(new Error('down'), 'cache down');
    now = 59_999;
    throttled(new Error('down'), 'cache down');
    now = 60_000;
    throttled(new Error('still down'), 'cache down');
    expect(warn.mock.calls).toEqual([
      [{ error: 'down', suppressed: 0 }, 'cache down'],
      [{ error: 'still down', suppressed: 2 }, 'cache down'],
    ]);
  });

  it('blanks secrets in the error it logs, as every other Redis user does', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(line) } });
    const throttled = throttledWarning(logger, 60_000, () => 0);
    throttled(new Error('connect ECONNREFUSED rediss://default:hunter2-CachePass@cache.internal:6380 (sk-proj-CacheLeak0123456789abcdef)'), 'cache down');
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('hunter2-CachePass');
    expect(lines[0]).not.toContain('CacheLeak0123456789');
    expect(JSON.parse(lines[0]!)).toMatchObject({ error: expect.stringContaining('cache.internal:6380'), suppressed: 0, msg: 'cache down' });
  });
});
