import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../src/index.js';
import { copyJson } from '../src/copy-json.js';
import { ParsedEntries } from '../src/parsed-entries.js';

function entry(text: string): CacheEntry {
  return {
    v: 1,
    result: {
      kind: 'chat-response',
      response: { id: 'r', model: 'm', created: 1, content: [{ type: 'text', text }], finishReason: { unified: 'stop' }, usage: { inputTokens: 1, outputTokens: 2 } },
    },
    servedBy: { provider: 'openai', model: 'gpt-4o-mini' },
    storedAt: 1,
  };
}

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
