import type { ChatResponse, StreamPart } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../src/index.js';
import { copyEntry, copyStreamPart } from '../src/copy-entry.js';

const parts: StreamPart[] = [
  { type: 'stream-start', id: 'x', model: 'm', created: 5, providerMetadata: { openai: { system_fingerprint: 'fp', nested: { a: [1] } } } },
  { type: 'stream-start', id: 'y', model: 'm', created: 6 },
  { type: 'text-delta', delta: 'Hello ' },
  { type: 'reasoning-delta', delta: 'hm' },
  { type: 'refusal-delta', delta: 'no' },
  { type: 'tool-call-start', index: 0, id: 'call_1', name: 'get' },
  { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' },
  { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } },
  { type: 'usage', usage: { inputTokens: 3, outputTokens: 4, reasoningTokens: 1 }, partial: true },
];

/** Every object and array inside `value`, the value itself included. */
function objectsIn(value: unknown, found: object[] = []): object[] {
  if (value === null || typeof value !== 'object') return found;
  found.push(value);
  for (const member of Object.values(value)) objectsIn(member, found);
  return found;
}

describe('copying stream parts', () => {
  it('copies every part of every type equal, and shares no object with it', () => {
    for (const part of parts) {
      const copy = copyStreamPart(part);
      expect(copy).toEqual(part);
      const originals = new Set(objectsIn(part));
      for (const inner of objectsIn(copy)) expect(originals.has(inner)).toBe(false);
    }
  });

  it('copies a part of a type it does not know member by member', () => {
    const unknown = { type: 'annotation', data: { url: 'u' } } as unknown as StreamPart;
    const copy = copyStreamPart(unknown) as unknown as { data: { url: string } };
    expect(copy).toEqual(unknown);
    expect(copy.data).not.toBe((unknown as unknown as { data: object }).data);
  });

  it('keeps a __proto__ member as data, as JSON.parse made it', () => {
    const parsed = JSON.parse('{"type":"finish","finishReason":{"unified":"stop","__proto__":{"polluted":true}},"__proto__":{"x":1}}') as StreamPart;
    const copy = copyStreamPart(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.getPrototypeOf((copy as { finishReason: object }).finishReason)).toBe(Object.prototype);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(parsed));
  });
});

describe('copying an entry', () => {
  it('copies a stored stream and an old entry’s usage deeply, so changing the copy leaves the original as it was', () => {
    const entry: CacheEntry = { v: 1, result: { kind: 'chat-stream', parts }, servedBy: { provider: 'openai', model: 'gpt-4o-mini' }, usage: { inputTokens: 3, outputTokens: 4 }, storedAt: 7 };
    const before = JSON.stringify(entry);
    const copy = copyEntry(entry);
    expect(copy).toEqual(entry);
    const originals = new Set(objectsIn(entry));
    for (const inner of objectsIn(copy)) expect(originals.has(inner)).toBe(false);
    expect(JSON.stringify(entry)).toBe(before);
  });

  it('copies a whole response deeply, content parts of every type (and of one it does not know) included', () => {
    const content = [
      { type: 'reasoning', text: 'hm', signature: 'sig' },
      { type: 'text', text: 't' },
      { type: 'refusal', text: 'no' },
      { type: 'tool-call', id: 'c', name: 'n', arguments: '{}' },
      { type: 'citation', source: { url: 'u' } },
    ] as ChatResponse['content'];
    const response: ChatResponse = { id: 'r', model: 'm', created: 1, content, finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 1, outputTokens: 2 }, providerMetadata: { openai: { a: { b: 1 } } } };
    const entry: CacheEntry = {
      v: 1,
      result: { kind: 'chat-response', response },
      servedBy: { provider: 'openai', model: 'gpt-4o-mini' },
      storedAt: 1,
    };
    const copy = copyEntry(entry);
    expect(copy).toEqual(entry);
    const originals = new Set(objectsIn(entry));
    for (const inner of objectsIn(copy)) expect(originals.has(inner)).toBe(false);
  });
});
