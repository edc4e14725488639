import type { ChatResponse } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { responseToStreamParts, type CacheEntry } from '../src/index.js';
import { copyJson } from '../src/copy-json.js';
import { ParsedEntries } from '../src/parsed-entries.js';
import { textEntry } from './support/cache-entries.js';

const entry = (text: string) => textEntry(text);

const textOf = (value: CacheEntry | undefined) => (value?.result.kind === 'chat-response' ? (value.result.response.content[0] as { text: string }).text : undefined);

describe('copyJson', () => {
  it('copies every object and array, so changing the copy leaves the original as it was', () => {
    const original = { a: [1, { b: 'x', c: null }], d: { e: true } };
    const copy = copyJson(original);
    expect(copy).toEqual(original);
    expect(copy.a).not.toBe(original.a);
    expect(copy.a[1]).not.toBe(original.a[1]);
    (copy.a[1] as { b: string }).b = 'changed';
    copy.d.e = false;
    expect(original).toEqual({ a: [1, { b: 'x', c: null }], d: { e: true } });
  });

  it('keeps a __proto__ member as data, as JSON.parse made it', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const copy = copyJson(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });
});

describe('parsed entries', () => {
  const parsedEntries = (maxEntries = 4, maxBytes = 1024) => new ParsedEntries<string>({ maxEntries, maxBytes, sameSource: (kept, read) => kept === read });

  it('hands out a fresh copy on every hit, never the kept entry', () => {
    const entries = parsedEntries();
    const first = entries.keep('k', 'text-1', entry('hello'), 100);
    const second = entries.copyOf('k', 'text-1');
    expect(textOf(second)).toBe('hello');
    expect(second).not.toBe(first);
    (second!.result as { response: { id: string } }).response.id = 'changed';
    (first.result as { response: { id: string } }).response.id = 'changed too';
    expect(entries.copyOf('k', 'text-1')).toEqual(entry('hello'));
  });

  it('answers only for the value it was parsed from, and forgets an entry whose value changed', () => {
    const entries = parsedEntries();
    entries.keep('k', 'text-1', entry('old'), 100);
    expect(entries.copyOf('k', 'text-2')).toBeUndefined();
    expect(entries.size).toBe(0);
    expect(entries.copyOf('k', 'text-1')).toBeUndefined();
    expect(entries.copyOf('other', 'text-1')).toBeUndefined();
  });

  it('keeps the most recently used within its bounds, and no entry larger than all of them', () => {
    const entries = parsedEntries(2, 1000);
    entries.keep('a', 'a', entry('a'), 100);
    entries.keep('b', 'b', entry('b'), 100);
    entries.copyOf('a', 'a');
    entries.keep('c', 'c', entry('c'), 100);
    expect(entries.size).toBe(2);
    expect(entries.copyOf('b', 'b')).toBeUndefined();
    expect(textOf(entries.copyOf('a', 'a'))).toBe('a');

    const big = entry('big');
    expect(entries.keep('big', 'big', big, 1001)).toBe(big);
    expect(entries.copyOf('big', 'big')).toBeUndefined();
    entries.keep('d', 'd', entry('d'), 900);
    expect(entries.copyOf('c', 'c')).toBeUndefined(); // pushed out by bytes
    expect(textOf(entries.copyOf('d', 'd'))).toBe('d');
  });
});

describe('parsed entries in the shape a hit serves', () => {
  const parsedEntries = (maxBytes = 1024) => new ParsedEntries<string>({ maxEntries: 4, maxBytes, sameSource: (kept, read) => kept === read });
  const response = (entry('Hello big world').result as { response: ChatResponse }).response;
  const partsOf = (value: CacheEntry | undefined) => (value?.result.kind === 'chat-stream' ? value.result.parts : undefined);

  it('hands out a stored response as the stream parts it converts to, a fresh copy on every hit', () => {
    const entries = parsedEntries();
    const first = entries.keep('k', 'text-1', entry('Hello big world'), 100, 'stream');
    expect(partsOf(first)).toEqual(responseToStreamParts(response));
    const parts = partsOf(first)!;
    (parts[1] as { delta: string }).delta = 'changed';
    (parts.at(-1) as { usage: { inputTokens: number } }).usage.inputTokens = 99;
    parts.push({ type: 'text-delta', delta: 'extra' });
    for (let hit = 0; hit < 2; hit++) {
      const served = entries.copyOf('k', 'text-1', 'stream');
      expect(partsOf(served)).toEqual(responseToStreamParts(response));
      (partsOf(served)![0] as { id: string }).id = 'changed';
    }
    // The entry as stored is still there, unchanged, for a whole request.
    expect(entries.copyOf('k', 'text-1', 'whole')).toEqual(entry('Hello big world'));
    expect(entries.copyOf('k', 'text-1')).toEqual(entry('Hello big world'));
  });

  it('hands out stored stream parts as the response they join into', () => {
    const entries = parsedEntries();
    const stored: CacheEntry = { ...entry('x'), result: { kind: 'chat-stream', parts: responseToStreamParts(response) } };
    entries.keep('k', 'text-1', copyJson(stored), 200);
    const whole = entries.copyOf('k', 'text-1', 'whole');
    expect(whole?.result).toEqual({ kind: 'chat-response', response });
    (whole!.result as { response: ChatResponse }).response.content.length = 0;
    expect(entries.copyOf('k', 'text-1', 'whole')?.result).toEqual({ kind: 'chat-response', response });
    expect(entries.copyOf('k', 'text-1', 'stream')).toEqual(stored);
  });

  it('leaves stored parts without usage as they are for a whole request, so a hit reports no usage it never had', () => {
    const entries = parsedEntries();
    const stored: CacheEntry = { ...entry('x'), result: { kind: 'chat-stream', parts: responseToStreamParts(response).filter((part) => part.type !== 'usage') } };
    entries.keep('k', 'text-1', copyJson(stored), 200);
    expect(entries.copyOf('k', 'text-1', 'whole')).toEqual(stored);
  });

  it('forgets the converted form with its entry once the stored value changed', () => {
    const entries = parsedEntries();
    entries.keep('k', 'text-1', entry('old words'), 100);
    expect(partsOf(entries.copyOf('k', 'text-1', 'stream'))).toBeDefined();
    expect(entries.copyOf('k', 'text-2', 'stream')).toBeUndefined();
    expect(entries.size).toBe(0);
  });

  it('counts the converted form in its bytes, and converts on every hit rather than drop the entry when both do not fit', () => {
    const stored = entry('Hello big world');
    const storedBytes = JSON.stringify(stored).length;
    const partsBytes = JSON.stringify({ kind: 'chat-stream', parts: responseToStreamParts(response) }).length;

    const roomy = parsedEntries(storedBytes + partsBytes);
    roomy.keep('k', 'k', entry('Hello big world'), storedBytes);
    roomy.copyOf('k', 'k', 'stream');
    // Full now: one more entry of one byte pushes the first out.
    roomy.keep('other', 'other', entry('o'), 1);
    expect(roomy.copyOf('k', 'k')).toBeUndefined();

    const tight = parsedEntries(storedBytes + partsBytes - 1);
    tight.keep('k', 'k', entry('Hello big world'), storedBytes);
    for (let hit = 0; hit < 2; hit++) expect(partsOf(tight.copyOf('k', 'k', 'stream'))).toEqual(responseToStreamParts(response));
    expect(tight.copyOf('k', 'k')).toEqual(stored);
    tight.keep('other', 'other', entry('o'), 1);
    expect(tight.copyOf('k', 'k')).toEqual(stored);
  });
});
