import type { ChatRequest, Principal } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cacheKey, cacheScopeValue, canonicalJson } from '../src/index.js';
import { reversedKeys } from './support/reversed-keys.js';

const deployment = { provider: 'openai', model: 'gpt-4o-mini' };
const base: ChatRequest = {
  model: 'openai/gpt-4o-mini',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
  ],
  temperature: 0,
  stream: false,
};
const keyOf = (request: ChatRequest, scope = 'global', target = deployment) => cacheKey({ endpoint: 'chat', request, deployment: target, scope });

describe('canonical JSON', () => {
  it('sorts keys at every depth, keeps array order and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson('x"y')).toBe('"x\\"y"');
    expect(canonicalJson(null)).toBe('null');
  });

  it('leaves out the named members of the top-level object only', () => {
    expect(canonicalJson({ b: 1, a: { b: 2 }, c: 3 }, new Set(['b']))).toBe('{"a":{"b":2},"c":3}');
    expect(canonicalJson([{ b: 1 }], new Set(['b']))).toBe('[{"b":1}]');
  });

  it('is canonical for any JSON value: the same text whatever the key order, and the text reads back as the value', () => {
    const key = fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', 'constructor', 'é', '\u{1F600}', '\ud800', 'B', 'a', '10', '9', '01', ''));
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('value'), { maxLength: 5 }), fc.dictionary(key, tie('value'), { maxKeys: 24 })),
    })).value;
    // Equality of JSON values by own members (expect's equality reads `__proto__` as the prototype).
    const member = (value: object, name: string): unknown => Object.getOwnPropertyDescriptor(value, name)?.value;
    const sameJson = (a: unknown, b: unknown): boolean => {
      if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return Object.is(a, b);
      if (Array.isArray(a) !== Array.isArray(b)) return false;
      const names = Object.keys(a);
      if (names.length !== Object.keys(b).length) return false;
      return names.every((name) => Object.hasOwn(b, name) && sameJson(member(a, name), member(b, name)));
    };
    fc.assert(
      fc.property(json, (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(reversedKeys(value))).toBe(text);
        // Reading back gives the value: no member lost (a `__proto__` key included), so different values never share a text.
        expect(sameJson(JSON.parse(text), JSON.parse(JSON.stringify(value)))).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(canonicalJson([undefined, () => 1, { f: () => 1, u: undefined, n: 1 }])).toBe('[null,null,{"n":1}]');
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":2}'))).toBe('{"__proto__":{"x":1},"a":2}');
    expect(canonicalJson(JSON.parse('{"__proto__":{"x":1},"a":2}'))).not.toBe(canonicalJson({ a: 2 }));
  });
});

describe('the cache key', () => {
  it('is a SHA-256 hex digest', () => {
    expect(keyOf(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on the order keys were written in', () => {
    const reordered = JSON.parse(
      '{"stream":false,"temperature":0,"messages":[{"content":"Be brief.","role":"system"},{"content":[{"text":"Hello","type":"text"}],"role":"user"}],"model":"openai/gpt-4o-mini"}',
    ) as ChatRequest;
    expect(keyOf(reordered)).toBe(keyOf(base));
  });

  it('ignores stream, the usage-chunk flag, user and metadata', () => {
    expect(keyOf({ ...base, stream: true })).toBe(keyOf(base));
    expect(keyOf({ ...base, user: 'end-user-42' })).toBe(keyOf(base));
    expect(keyOf({ ...base, metadata: { trace: 'abc' } })).toBe(keyOf(base));
    expect(keyOf({ ...base, includeStreamUsage: true } as ChatRequest)).toBe(keyOf(base));
  });

  it("keys a limit an API key filled in as the same limit sent by the client (only the limit itself decides)", () => {
    expect(keyOf({ ...base, maxOutputTokens: 500, maxOutputTokensOfKey: true })).toBe(keyOf({ ...base, maxOutputTokens: 500 }));
    expect(keyOf({ ...base, maxOutputTokens: 500, maxOutputTokensOfKey: true })).not.toBe(keyOf({ ...base, maxOutputTokens: 600, maxOutputTokensOfKey: true }));
  });

  it('changes with whatever changes the answer', () => {
    const variants: ChatRequest[] = [
      { ...base, temperature: 0.2 },
      { ...base, maxOutputTokens: 10 },
      { ...base, seed: 1 },
      { ...base, stopSequences: ['\n'] },
      { ...base, tools: [{ name: 'get_weather', parameters: { type: 'object' } }] },
      { ...base, toolChoice: { type: 'required' } },
      { ...base, responseFormat: { type: 'json' } },
      { ...base, responseFormat: { type: 'json-schema', name: 'answer', schema: { type: 'object' } } },
      { ...base, messages: [...base.messages, { role: 'user', content: [{ type: 'text', text: 'More' }] }] },
      { ...base, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello!' }] }] },
      { ...base, providerOptions: { openai: { logit_bias: { 1: 2 } } } },
    ];
    const keys = new Set([keyOf(base), ...variants.map((variant) => keyOf(variant))]);
    expect(keys.size).toBe(variants.length + 1);
  });

  it('changes with the routed deployment, not with the name the client used for it', () => {
    expect(keyOf(base, 'global', { provider: 'openai', model: 'gpt-4o' })).not.toBe(keyOf(base));
    expect(keyOf(base, 'global', { provider: 'azure', model: 'gpt-4o-mini' })).not.toBe(keyOf(base));
    expect(keyOf({ ...base, model: 'smart' })).toBe(keyOf(base));
  });

  it('keeps chat and embeddings apart', () => {
    const embeddings = cacheKey({ endpoint: 'embeddings', request: { model: 'x', input: ['Hello'] }, deployment, scope: 'global' });
    expect(embeddings).not.toBe(keyOf(base));
    expect(cacheKey({ endpoint: 'embeddings', request: { model: 'x', input: ['Hello'], user: 'u' }, deployment, scope: 'global' })).toBe(embeddings);
    expect(cacheKey({ endpoint: 'embeddings', request: { model: 'x', input: ['Hello'], dimensions: 8 }, deployment, scope: 'global' })).not.toBe(embeddings);
  });
});

describe('the cache key, for any request', () => {
  // Free-form JSON as clients put it in tool schemas and provider options (names that
  // collide with Object.prototype included).
  const name = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'type', 'b', 'a', '10', '9'));
  const freeJson = fc.dictionary(name, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 });
  const message = fc.oneof(
    fc.record({ role: fc.constant('system' as const), content: fc.string({ maxLength: 20 }) }),
    fc.record({ role: fc.constant('user' as const), content: fc.array(fc.record({ type: fc.constant('text' as const), text: fc.string({ maxLength: 20 }) }), { minLength: 1, maxLength: 3 }) }),
  );
  const request: fc.Arbitrary<ChatRequest> = fc.record(
    {
      model: fc.constantFrom('openai/gpt-4o-mini', 'smart'),
      messages: fc.array(message, { minLength: 1, maxLength: 4 }),
      stream: fc.boolean(),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
      maxOutputTokens: fc.integer({ min: 1, max: 4096 }),
      seed: fc.integer(),
      stopSequences: fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
      tools: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 8 }), parameters: freeJson }), { maxLength: 2 }),
      providerOptions: fc.record({ openai: freeJson }),
      user: fc.string({ maxLength: 8 }),
      metadata: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 3 }),
    },
    { requiredKeys: ['model', 'messages', 'stream'] },
  ) as fc.Arbitrary<ChatRequest>;


  it('is the same for the same canonical request, however its keys are ordered and whatever its fields without effect say', () => {
    fc.assert(
      fc.property(request, fc.boolean(), fc.string({ maxLength: 8 }), fc.constantFrom('openai/gpt-4o-mini', 'smart', 'cheap'), (value, stream, user, model) => {
        const key = keyOf(value);
        expect(keyOf(reversedKeys(value) as ChatRequest)).toBe(key);
        expect(keyOf({ ...value, stream, user, model, metadata: { trace: user }, includeStreamUsage: stream } as ChatRequest)).toBe(key);
      }),
      { numRuns: 300 },
    );
  });

  it('changes when anything that changes the answer changes', () => {
    const changes: Array<[string, (value: ChatRequest) => ChatRequest]> = [
      ['temperature', (value) => ({ ...value, temperature: (value.temperature ?? 0) + 0.5 })],
      ['max tokens', (value) => ({ ...value, maxOutputTokens: (value.maxOutputTokens ?? 0) + 1 })],
      ['seed', (value) => ({ ...value, seed: (value.seed ?? 0) + 1 })],
      ['a stop sequence', (value) => ({ ...value, stopSequences: [...(value.stopSequences ?? []), '\n'] })],
      ['a message', (value) => ({ ...value, messages: [...value.messages, { role: 'user', content: [{ type: 'text', text: '' }] }] })],
      ['a message text', (value) => ({ ...value, messages: value.messages.map((message, index) => (index === 0 && message.role === 'system' ? { ...message, content: `${message.content}.` } : message)) })],
      ['the message order', (value) => ({ ...value, messages: [...value.messages, value.messages[0]!].slice(1) })],
      ['a tool', (value) => ({ ...value, tools: [...(value.tools ?? []), { name: 'x', parameters: {} }] })],
      ['a provider option', (value) => ({ ...value, providerOptions: { ...value.providerOptions, openai: { ...value.providerOptions?.['openai'], extra: 1 } } })],
      ['a provider option moved under another provider', (value) => ({ ...value, providerOptions: { other: value.providerOptions?.['openai'] ?? {} } })],
    ];
    fc.assert(
      fc.property(request, fc.constantFrom(...changes), (value, [, change]) => {
        const changed = change(value);
        // Rotating a one-message list, or one of identical messages, changes nothing: only real changes count.
        fc.pre(canonicalJson(changed) !== canonicalJson(value));
        expect(keyOf(changed)).not.toBe(keyOf(value));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(request, fc.string({ maxLength: 8 }), (value, scope) => {
        fc.pre(scope !== 'global');
        expect(keyOf(value, scope)).not.toBe(keyOf(value));
        expect(keyOf(value, 'global', { provider: 'openai', model: 'gpt-4o' })).not.toBe(keyOf(value));
      }),
      { numRuns: 100 },
    );
  });
});

describe('cache scopes', () => {
  const alice: Principal = { kind: 'static', keyId: 'static:alice', name: 'alice', team: 'red', project: 'web' };
  const bob: Principal = { kind: 'static', keyId: 'static:bob', name: 'bob', team: 'red', project: 'web' };
  const carol: Principal = { kind: 'static', keyId: 'static:carol', name: 'carol', team: 'blue', project: 'web' };
  const loner: Principal = { kind: 'static', keyId: 'static:loner', name: 'loner' };

  it('per key: two keys never share an entry', () => {
    expect(keyOf(base, cacheScopeValue('key', alice))).not.toBe(keyOf(base, cacheScopeValue('key', bob)));
    expect(keyOf(base, cacheScopeValue('key', alice))).toBe(keyOf(base, cacheScopeValue('key', { ...alice })));
  });

  it('per team and project: members share, other teams do not', () => {
    expect(cacheScopeValue('team', alice)).toBe(cacheScopeValue('team', bob));
    expect(cacheScopeValue('team', alice)).not.toBe(cacheScopeValue('team', carol));
    expect(cacheScopeValue('project', alice)).toBe(cacheScopeValue('project', bob));
    // Same project name in another team is another project.
    expect(cacheScopeValue('project', alice)).not.toBe(cacheScopeValue('project', carol));
  });

  it('per project: a slash in a team or project name cannot make two projects one', () => {
    // Team and project names are free text (the admin API takes any label).
    const slashTeam: Principal = { kind: 'static', keyId: 'static:dave', name: 'dave', team: 'red/web', project: 'v2' };
    const slashProject: Principal = { kind: 'static', keyId: 'static:erin', name: 'erin', team: 'red', project: 'web/v2' };
    expect(cacheScopeValue('project', slashTeam)).not.toBe(cacheScopeValue('project', slashProject));
    const emptyTeam: Principal = { kind: 'static', keyId: 'static:fay', name: 'fay', team: '', project: 'web' };
    const noTeam: Principal = { kind: 'static', keyId: 'static:gus', name: 'gus', project: 'web' };
    expect(cacheScopeValue('project', emptyTeam)).not.toBe(cacheScopeValue('project', noTeam));
  });

  it('falls back to the key, never to a wider circle, when the principal has no team or project', () => {
    expect(cacheScopeValue('team', loner)).toBe(cacheScopeValue('key', loner));
    expect(cacheScopeValue('project', loner)).toBe('key:static:loner');
  });

  it('global: everyone shares; no principal is anonymous', () => {
    expect(keyOf(base, cacheScopeValue('global', alice))).toBe(keyOf(base, cacheScopeValue('global', carol)));
    expect(cacheScopeValue('key', undefined)).toBe('anonymous');
    expect(cacheScopeValue('team', undefined)).toBe('anonymous');
  });
});
