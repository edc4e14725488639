import { describe, expect, it } from 'vitest';
import { GatewayError, readyBatches, SecretRedactor, type ServerSentEvent } from '../src/index.js';
import { peekFirst } from '../src/transport/peek-first.js';
import { UpstreamBody } from '../src/transport/upstream-body.js';
import { UpstreamPartStream } from '../src/transport/upstream-part-stream.js';

interface Word {
  word: string;
}

/** Each event's data is one word; `boom` is an upstream error. */
const wordDecoder = {
  decode(event: ServerSentEvent): Word[] {
    if (event.data === 'boom') throw new GatewayError('upstream_invalid_response', 'boom');
    return [{ word: event.data }];
  },
  end: (): Word[] => [],
};

/** An upstream body that sends each string as one network chunk, in order. */
function upstream(chunks: string[]) {
  const cuts: string[] = [];
  const body = new UpstreamBody({ pause() {}, resume() {}, abort: (reason) => cuts.push(reason.message) });
  const parts = new UpstreamPartStream<Word>({
    body,
    decoder: wordDecoder,
    provider: 'test',
    signal: new AbortController().signal,
    redactor: new SecretRedactor(),
  });
  const send = async () => {
    for (const chunk of chunks) {
      body.push(Buffer.from(chunk));
      await new Promise((resolve) => setImmediate(resolve));
    }
    body.end();
  };
  return { body, cuts, parts, send };
}

const sse = (...words: string[]) => words.map((word) => `data: ${word}\n\n`).join('');

async function batchesOf(items: AsyncIterable<Word>): Promise<string[][]> {
  const batches: string[][] = [];
  for await (const batch of readyBatches(items)) batches.push(batch.map((item) => item.word));
  return batches;
}

describe('readyBatches over an upstream stream', () => {
  it('hands out the parts of each network chunk as one batch, through peekFirst too', async () => {
    const { parts, send } = upstream([sse('a', 'b', 'c'), sse('d'), sse('e', 'f')]);
    void send();
    expect(await batchesOf(await peekFirst(parts))).toEqual([['a', 'b', 'c'], ['d'], ['e', 'f']]);
  });

  it('gives the parts decoded before an error first, and the error after them', async () => {
    const { parts, send } = upstream([sse('a', 'b', 'boom', 'c')]);
    void send();
    const seen: string[][] = [];
    await expect(async () => {
      for await (const batch of readyBatches(parts)) seen.push(batch.map((item) => item.word));
    }).rejects.toThrow('boom');
    expect(seen).toEqual([['a', 'b']]);
  });

  it('closes the source, releasing the upstream body, when the reader leaves mid-batch', async () => {
    const { body, cuts, parts, send } = upstream([sse('a', 'b'), sse('c')]);
    void send();
    for await (const batch of readyBatches(parts)) if (batch.length > 0) break;
    expect(body.closed).toBe(true);
    expect(cuts).toEqual(['Premature close']);
  });

  it('makes batches of one from a source that holds nothing ready', async () => {
    async function* words() {
      yield { word: 'a' };
      yield { word: 'b' };
    }
    expect(await batchesOf(words())).toEqual([['a'], ['b']]);
  });
});
