import type { ChatResponse, StreamPart } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { MemoryCacheStore, responseToStreamParts, type CacheEntry } from '../src/index.js';
import { textEntry } from './support/cache-entries.js';

const entry = (text: string, storedAt = Date.now()) => textEntry(text, { storedAt, usage: true });

/** A monotonic clock in ms that moves only when told to. */
function steppedClock() {
  let now = 1000;
  return Object.assign(() => now, { advance: (ms: number) => void (now += ms) });
}

describe('the memory store', () => {
  it('returns what was stored, as a copy', async () => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20 });
    await store.set('k', entry('hello'), 60);
    const first = await store.get('k');
    expect(first).toEqual(entry('hello', first!.storedAt));
    (first!.result as { response: { id: string } }).response.id = 'changed';
    expect(((await store.get('k'))!.result as { response: { id: string } }).response.id).toBe('r');
    expect(await store.get('other')).toBeUndefined();
  });

  it('answers at once as by promise: setNow and getNow are set and get without the promise', async () => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20 });
    store.setNow('k', entry('hello', 5), 60);
    expect(await store.get('k')).toEqual(entry('hello', 5));
    const first = store.getNow('k');
    expect(first).toEqual(entry('hello', 5));
    (first!.result as { response: { id: string } }).response.id = 'changed';
    expect(store.getNow('k')).toEqual(entry('hello', 5));
    await store.set('j', entry('there', 6), 60);
    expect(store.getNow('j')).toEqual(entry('there', 6));
    expect(store.getNow('other')).toBeUndefined();
  });

  it('hands out a copy again on a repeated hit, which is served parsed', async () => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20 });
    await store.set('k', entry('hello', 5), 60);
    for (let hit = 0; hit < 3; hit++) {
      const served = await store.get('k');
      expect(served).toEqual(entry('hello', 5));
      (served!.result as { response: { content: unknown[] } }).response.content.push({ type: 'text', text: 'mutated' });
      served!.servedBy.provider = 'changed';
    }
  });

  it('hands out a stored response as stream parts when asked, on the first hit and on repeated ones, a copy each time', async () => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20 });
    await store.set('k', entry('Hello big world', 5), 60);
    const expected = { ...entry('Hello big world', 5), result: { kind: 'chat-stream', parts: responseToStreamParts((entry('Hello big world').result as { response: ChatResponse }).response) } };
    for (let hit = 0; hit < 3; hit++) {
      const served = await store.get('k', 'stream');
      expect(served).toEqual(expected);
      (served!.result as { parts: StreamPart[] }).parts.length = 1;
    }
    expect(await store.get('k', 'whole')).toEqual(entry('Hello big world', 5));
    await store.set('k', entry('Other words', 6), 60);
    expect(((await store.get('k', 'stream'))!.result as { parts: StreamPart[] }).parts[1]).toEqual({ type: 'text-delta', delta: 'Other ' });
  });

  it('serves what was last written, not the parsed copy of what it replaced', async () => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20 });
    await store.set('k', entry('first', 1), 60);
    await store.get('k');
    await store.get('k');
    await store.set('k', entry('second', 2), 60);
    expect(await store.get('k')).toEqual(entry('second', 2));
  });

  it('does not serve a parsed entry once it expired or was evicted', async () => {
    // A clock the test moves: on real time, a stall past 50 ms before the first get expired the entry early.
    const clock = steppedClock();
    const store = new MemoryCacheStore({ maxEntries: 2, maxBytes: 1 << 20, clock });
    await store.set('short', entry('short'), 0.05);
    clock.advance(49);
    expect(await store.get('short')).toBeDefined();
    clock.advance(2);
    expect(await store.get('short')).toBeUndefined();

    await store.set('a', entry('a'), 60);
    await store.get('a');
    await store.set('b', entry('b'), 60);
    await store.set('c', entry('c'), 60);
    expect(await store.get('a')).toBeUndefined();
  });

  it('stays under its byte bound while ten times that volume is written', async () => {
    const maxBytes = 64 * 1024;
    const store = new MemoryCacheStore({ maxEntries: 100_000, maxBytes });
    let written = 0;
    for (let index = 0; written < 10 * maxBytes; index++) {
      const value = entry(`${index} ${'x'.repeat(500 + (index % 7) * 300)}`);
      written += Buffer.byteLength(JSON.stringify(value));
      await store.set(`key-${index}`, value, 60);
      expect(store.calculatedSize).toBeLessThanOrEqual(maxBytes);
    }
    expect(written).toBeGreaterThanOrEqual(10 * maxBytes);
    // Full, not emptied: the newest entries are still there.
    expect(store.calculatedSize).toBeGreaterThan(maxBytes / 2);
    expect(store.size).toBeGreaterThan(10);
  });

  it('stays under its entry bound and drops the least recently used', async () => {
    const store = new MemoryCacheStore({ maxEntries: 3, maxBytes: 1 << 20 });
    for (const key of ['a', 'b', 'c']) await store.set(key, entry(key), 60);
    await store.get('a');
    await store.set('d', entry('d'), 60);
    expect(store.size).toBe(3);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBeDefined();
  });

  it('does not keep an entry larger than the whole cache', async () => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 2048 });
    await store.set('big', entry('x'.repeat(4096)), 60);
    expect(await store.get('big')).toBeUndefined();
    expect(store.calculatedSize).toBe(0);
  });

  it('forgets entries after their ttl', async () => {
    const clock = steppedClock();
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20, clock });
    await store.set('short', entry('a'), 1);
    await store.set('long', entry('b'), 60);
    clock.advance(999);
    expect(await store.get('short')).toBeDefined();
    clock.advance(2);
    expect(await store.get('short')).toBeUndefined();
    expect(await store.get('long')).toBeDefined();
  });
});
