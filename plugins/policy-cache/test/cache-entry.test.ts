import { describe, expect, it } from 'vitest';
import { isCacheEntry, readCacheEntry } from '../src/cache-entry.js';
import { decodeCacheValue, encodeCacheValue } from '../src/index.js';
import { textEntry } from './support/cache-entries.js';

describe("a cache entry's usageEstimated flag", () => {
  it('an entry written before the flag was kept (none) is read, as the provider’s count', () => {
    const old = textEntry('x');
    expect('usageEstimated' in old).toBe(false);
    expect(readCacheEntry(JSON.parse(JSON.stringify(old)))).toEqual(old);
  });

  it('an entry with it is read, and keeps it through a shared store’s encoding', async () => {
    const entry = { ...textEntry('x'), usageEstimated: true as const };
    expect(isCacheEntry(entry)).toBe(true);
    expect(await decodeCacheValue(await encodeCacheValue(entry, 1))).toEqual(entry);
  });

  it.each([false, 'yes', 1, null])('an entry of this version whose flag is %j is unreadable (forged or corrupt), not a hit', (flag) => {
    expect(() => readCacheEntry({ ...textEntry('x'), usageEstimated: flag })).toThrow(/unreadable/);
  });
});

describe('an entry of this version whose answer is not one the cache step writes (corrupt, or forged in a shared store)', () => {
  const entry = textEntry('x');
  const response = (entry.result as unknown as { response: Record<string, unknown> }).response;
  const finish = { type: 'finish', finishReason: { unified: 'stop' } };
  const usage = { type: 'usage', usage: { inputTokens: 1, outputTokens: 2 } };
  const withResult = (result: unknown) => ({ ...entry, result });

  it.each([
    ['a response without its response', { kind: 'chat-response' }],
    ['a response that is text', { kind: 'chat-response', response: 'hi' }],
    ['a response without a finish reason', { kind: 'chat-response', response: { ...response, finishReason: undefined } }],
    ['a response whose finish reason is unknown', { kind: 'chat-response', response: { ...response, finishReason: { unified: 'other', raw: 'abort' } } }],
    ['a response whose usage is not whole counts', { kind: 'chat-response', response: { ...response, usage: { total_tokens: null } } }],
    ['a response with a content part of a number', { kind: 'chat-response', response: { ...response, content: [{ type: 'text', text: 5 }] } }],
    ['a stream whose parts are no list', { kind: 'chat-stream', parts: 'hi' }],
    ['a stream with no finish', { kind: 'chat-stream', parts: [{ type: 'text-delta', delta: 'hi' }, usage] }],
    ['a stream that ended in error', { kind: 'chat-stream', parts: [{ type: 'text-delta', delta: 'hi' }, { type: 'finish', finishReason: { unified: 'error' } }] }],
    ['a stream with a delta of a number', { kind: 'chat-stream', parts: [{ type: 'text-delta', delta: 5 }, finish] }],
    ['a stream with a null part', { kind: 'chat-stream', parts: [null, finish] }],
    ['a stream with a part of no known type', { kind: 'chat-stream', parts: [{ type: 'bogus' }, finish] }],
    ['embeddings without their vectors', { kind: 'embeddings', response: { model: 'm', usage: { inputTokens: 1 } } }],
    ['embeddings without usage', { kind: 'embeddings', response: { model: 'm', embeddings: [[0.5]] } }],
    // NaN, then +Infinity, as float32: a float client's hit would read them as null.
    ['base64 embeddings holding NaN or Infinity', { kind: 'embeddings', response: { model: 'm', embeddings: [], base64Embeddings: ['AAAAPw==', '//////////8=', 'AACAfw=='], usage: { inputTokens: 1 } } }],
  ])('%s is unreadable, never a hit', (_what, result) => {
    expect(isCacheEntry(withResult(result))).toBe(false);
    expect(() => readCacheEntry(JSON.parse(JSON.stringify(withResult(result))))).toThrow(/unreadable/);
  });

  it.each([
    ['a whole answer', entry.result],
    ['a stream, its usage after the finish', { kind: 'chat-stream', parts: [{ type: 'stream-start', id: 'r', model: 'm', created: 1 }, { type: 'text-delta', delta: 'hi' }, { type: 'tool-call-start', index: 0, id: 'c', name: 'f' }, { type: 'tool-call-delta', index: 0, argumentsDelta: '{}' }, { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } }, usage] }],
    ['a stream cut at its token limit', { kind: 'chat-stream', parts: [{ type: 'text-delta', delta: 'hi' }, { type: 'finish', finishReason: { unified: 'length' } }] }],
    ['embeddings', { kind: 'embeddings', response: { model: 'm', embeddings: [[0.5, 1]], usage: { inputTokens: 1 } } }],
    ['base64 embeddings', { kind: 'embeddings', response: { model: 'm', embeddings: [], base64Embeddings: ['AAAAPw=='], usage: { inputTokens: 1 } } }],
  ])('%s the step writes is read', (_what, result) => {
    expect(readCacheEntry(JSON.parse(JSON.stringify(withResult(result))))).toEqual(withResult(result));
  });
});
