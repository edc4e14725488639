import type { ChatRequest } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalCopy, canonicalJson, type CacheKeyInput } from '../src/index.js';
import { canonicalFingerprint, matchesCanonicalCopy } from '../src/canonical-match.js';
import { RecentCacheKeys } from '../src/recent-cache-keys.js';
import { reversedKeys } from './support/reversed-keys.js';

// Free-form JSON, with names that collide with Object.prototype.
const name = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', 'constructor', 'a', 'b', '10', '9'));
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(name, tie('value'), { maxKeys: 6 })),
})).value;


describe('matching a value against a canonical copy', () => {
  it('matches, with the same fingerprint, the same value however its keys are ordered', () => {
    fc.assert(
      fc.property(json, (value) => {
        const copy = canonicalCopy(value);
        expect(matchesCanonicalCopy(reversedKeys(value), copy)).toBe(true);
        expect(canonicalFingerprint(reversedKeys(value))).toBe(canonicalFingerprint(value));
        expect(canonicalFingerprint(copy)).toBe(canonicalFingerprint(value));
      }),
      { numRuns: 300 },
    );
  });

  it('matches only values with the same canonical JSON', () => {
    fc.assert(
      fc.property(json, json, (value, other) => {
        if (matchesCanonicalCopy(other, canonicalCopy(value))) expect(canonicalJson(other)).toBe(canonicalJson(value));
        else expect(canonicalJson(other)).not.toBe(canonicalJson(value));
      }),
      { numRuns: 300 },
    );
  });

  it('reads a value as the canonical copy does: undefined and omitted members left out, nothing else', () => {
    const copy = canonicalCopy({ a: 1, b: [1, 2] }, new Set(['skip']));
    expect(matchesCanonicalCopy({ b: [1, 2], a: 1, gone: undefined, skip: 'x' }, copy, new Set(['skip']))).toBe(true);
    expect(matchesCanonicalCopy({ b: [1, 2], a: 1, skip: 'x' }, copy)).toBe(false);
    expect(matchesCanonicalCopy({ a: 1 }, copy)).toBe(false);
    expect(matchesCanonicalCopy({ a: 1, b: [1, 2], c: null }, copy)).toBe(false);
    expect(matchesCanonicalCopy({ a: 1, b: [2, 1] }, copy)).toBe(false);
    expect(matchesCanonicalCopy({ a: '1', b: [1, 2] }, copy)).toBe(false);
    expect(matchesCanonicalCopy({ a: 1, b: { 0: 1, 1: 2 } }, copy)).toBe(false);
    expect(matchesCanonicalCopy(JSON.parse('{"__proto__":{"a":1},"b":[1,2]}'), copy)).toBe(false);
    expect(matchesCanonicalCopy(JSON.parse('{"__proto__":{"a":1}}'), canonicalCopy(JSON.parse('{"__proto__":{"a":1}}')))).toBe(true);
  });
});

describe('recent cache keys', () => {
  const deployment = { provider: 'openai', model: 'gpt-4o-mini' };
  const chat = (request: ChatRequest, scope = 'global', target = deployment): CacheKeyInput => ({ endpoint: 'chat', request, deployment: target, scope });
  const base: ChatRequest = { model: 'smart', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }], stream: false, temperature: 0 };

  it('gives the key cacheKey gives, for a request seen before or not, however it is written', () => {
    const text = fc.constantFrom('Hello', 'Hello!', 'Bye', '');
    const request = fc.record({
      model: fc.constantFrom('smart', 'openai/gpt-4o-mini'),
      messages: fc.array(fc.record({ role: fc.constant('user' as const), content: fc.array(fc.record({ type: fc.constant('text' as const), text }), { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 2 }),
      stream: fc.boolean(),
      temperature: fc.constantFrom(0, 0.5, undefined),
      providerOptions: fc.option(fc.dictionary(name, json, { maxKeys: 2 }), { nil: undefined }),
    }) as fc.Arbitrary<ChatRequest>;
    const input = fc.tuple(request, fc.constantFrom('global', 'key:a'), fc.constantFrom(deployment, { provider: 'azure', model: 'gpt-4o-mini' }), fc.boolean());
    fc.assert(
      fc.property(fc.array(input, { minLength: 1, maxLength: 30 }), (inputs) => {
        const keys = new RecentCacheKeys({ maxEntries: 4, maxChars: 10_000 });
        for (const [value, scope, target, reorder] of inputs) {
          const written = (reorder ? reversedKeys(value) : structuredClone(value)) as ChatRequest;
          const lookup = keys.keyFor(chat(written, scope, target));
          expect(lookup.key).toBe(cacheKey(chat(value, scope, target)));
          if (lookup.made) keys.remember(lookup.made);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('remembers a key only when told (on a hit), one per distinct request, within its bounds', () => {
    const keys = new RecentCacheKeys({ maxEntries: 2, maxChars: 10_000 });
    const first = keys.keyFor(chat(base));
    expect(first.made).toBeDefined();
    expect(keys.size).toBe(0);
    // Not remembered: made again.
    expect(keys.keyFor(chat(base)).made).toBeDefined();
    keys.remember(first.made!);
    const again = keys.keyFor(chat({ ...base, stream: true, user: 'u' }));
    expect(again).toEqual({ key: first.key, made: undefined });
    expect(keys.size).toBe(1);
    for (const input of [chat(base, 'key:a'), chat(base, 'global', { provider: 'azure', model: 'gpt-4o-mini' })]) {
      const other = keys.keyFor(input);
      expect(other.key).not.toBe(first.key);
      keys.remember(other.made!);
    }
    expect(keys.size).toBe(2);
    // A request longer than the whole bound is keyed, not remembered.
    const small = new RecentCacheKeys({ maxEntries: 2, maxChars: 100 });
    const long: ChatRequest = { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(200) }] }] };
    const lookup = small.keyFor(chat(long));
    expect(lookup.key).toBe(cacheKey(chat(long)));
    small.remember(lookup.made!);
    expect(small.size).toBe(0);
  });

  it('is not fooled by a request changed after it was keyed', () => {
    const keys = new RecentCacheKeys();
    const request = structuredClone(base);
    const first = keys.keyFor(chat(request));
    keys.remember(first.made!);
    (request.messages[0]!.content as Array<{ text: string }>)[0]!.text = 'Changed';
    expect(keys.keyFor(chat(request)).key).toBe(cacheKey(chat(request)));
    expect(keys.keyFor(chat(request)).key).not.toBe(first.key);
    expect(keys.keyFor(chat(structuredClone(base)))).toEqual({ key: first.key, made: undefined });
  });
});
