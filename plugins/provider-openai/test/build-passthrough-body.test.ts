import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildPassthroughBody, type PassthroughBodyOptions } from '../src/build-passthrough-body.js';

const openai: PassthroughBodyOptions = {
  model: 'gpt-4o-mini',
  maxTokensField: 'max_completion_tokens',
  providerName: 'openai',
  streamUsage: true,
  unsupportedParams: [],
  logger: undefined,
};

/** What the fast path sent before it was built field by field: spreads and deletes, kept here as the reference. */
function byDeletes(clientBody: Record<string, unknown>, options: PassthroughBodyOptions): Record<string, unknown> {
  const record = (value: unknown) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined);
  const optionsFor = (name: string) => record(record(clientBody['provider_options'])?.[name]);
  const { provider_options: _options, metadata: _metadata, ...rest } = clientBody;
  const body: Record<string, unknown> = { ...optionsFor('openai'), ...(options.providerName !== 'openai' && optionsFor(options.providerName)), ...rest };
  body['model'] = options.model;
  if (body['stream'] === true && options.streamUsage) body['stream_options'] = { ...record(body['stream_options']), include_usage: true };
  else delete body['stream_options'];
  const maxTokens = body['max_completion_tokens'] ?? body['max_tokens'];
  delete body['max_completion_tokens'];
  delete body['max_tokens'];
  if (maxTokens !== undefined && maxTokens !== null) body[options.maxTokensField] = maxTokens;
  return body;
}

describe('buildPassthroughBody', () => {
  it('fits the client body to the deployment: model, usage on streams, the token field, provider_options unfolded, metadata out', () => {
    const client = {
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { continuous_usage_stats: true },
      max_tokens: 64,
      metadata: { team: 'a' },
      temperature: 0.5,
      provider_options: { openai: { temperature: 0.1, user: 'u1' }, groq: { service_tier: 'flex' } },
    };
    const before = structuredClone(client);
    expect(buildPassthroughBody(client, openai)).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { continuous_usage_stats: true, include_usage: true },
      max_completion_tokens: 64,
      temperature: 0.5, // the client's own field wins over its provider option
      user: 'u1',
    });
    expect(buildPassthroughBody(client, { ...openai, providerName: 'groq', maxTokensField: 'max_tokens', streamUsage: false })).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      max_tokens: 64,
      temperature: 0.5,
      user: 'u1',
      service_tier: 'flex',
    });
    // A copy: the same client body goes to a fallback unchanged.
    expect(client).toEqual(before);
  });

  it('keeps a field named __proto__ a field, as a spread does, and never the body prototype', () => {
    const client = JSON.parse('{"model":"m","messages":[],"__proto__":{"polluted":true},"provider_options":{"openai":{"__proto__":{"x":1}}}}') as Record<string, unknown>;
    const body = buildPassthroughBody(client, openai);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect((body as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(body))).toEqual(JSON.parse(JSON.stringify(byDeletes(client, openai))));
    expect(Object.hasOwn(body, '__proto__')).toBe(true);
  });

  it('sends what the spread-and-delete version sent, for any mix of the fields it fits', () => {
    const value = fc.oneof(fc.constant(null), fc.constant(undefined), fc.integer({ min: 0, max: 4096 }), fc.boolean(), fc.string({ maxLength: 8 }));
    const fields = fc.record(
      {
        model: fc.string({ maxLength: 12 }),
        messages: fc.constant([{ role: 'user', content: 'x' }]),
        stream: fc.oneof(fc.boolean(), value),
        stream_options: fc.oneof(value, fc.record({ include_usage: fc.boolean(), other: value }, { requiredKeys: [] })),
        max_tokens: value,
        max_completion_tokens: value,
        metadata: value,
        temperature: value,
        provider_options: fc.oneof(
          value,
          fc.record({ openai: fc.dictionary(fc.constantFrom('temperature', 'max_tokens', 'stream_options', 'user', 'stream'), value), groq: fc.dictionary(fc.constantFrom('max_completion_tokens', 'seed', 'user'), value) }, { requiredKeys: [] }),
        ),
      },
      { requiredKeys: [] },
    );
    const settings = fc.record({
      providerName: fc.constantFrom('openai', 'groq'),
      maxTokensField: fc.constantFrom('max_tokens', 'max_completion_tokens'),
      streamUsage: fc.boolean(),
    });
    fc.assert(
      fc.property(fields, settings, (client, chosen) => {
        const options = { ...openai, ...chosen } as PassthroughBodyOptions;
        // As the upstream reads it: JSON (a field holding undefined is not sent).
        expect(JSON.parse(JSON.stringify(buildPassthroughBody(client, options)))).toEqual(JSON.parse(JSON.stringify(byDeletes(client, options))));
      }),
      { numRuns: 500 },
    );
  });
});
