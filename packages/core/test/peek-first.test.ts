import { describe, expect, it } from 'vitest';
import { peekFirst } from '../src/transport/peek-first.js';
import { takeReady } from '../src/transport/take-ready.js';

interface Word {
  word: string;
}

async function* words(...list: string[]): AsyncGenerator<Word> {
  for (const word of list) yield { word };
}

describe('peekFirst', () => {
  it('rejects when the sequence fails before its first item', async () => {
    async function* failing(): AsyncGenerator<Word> {
      throw new Error('no first byte');
    }
    await expect(peekFirst(failing())).rejects.toThrow('no first byte');
  });

  it('yields the item it waited for, then the rest', async () => {
    const seen: string[] = [];
    for await (const item of await peekFirst(words('a', 'b', 'c'))) seen.push(item.word);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('offers the first item as ready, once', async () => {
    const iterator = (await peekFirst(words('a', 'b')))[Symbol.asyncIterator]();
    expect(takeReady(iterator)).toEqual({ word: 'a' });
    // A generator holds nothing ready: only next() can tell.
    expect(takeReady(iterator)).toBeUndefined();
    expect(await iterator.next()).toEqual({ done: false, value: { word: 'b' } });
  });

  it('closes the source when the reader leaves early', async () => {
    let closed = false;
    async function* source(): AsyncGenerator<Word> {
      try {
        yield { word: 'a' };
        yield { word: 'b' };
      } finally {
        closed = true;
      }
    }
    for await (const item of await peekFirst(source())) if (item.word === 'a') break;
    expect(closed).toBe(true);
  });
});
