import type { MockUpstream } from '@switchyard/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Bodies each ingress accepts, with the edges its schema lets through (empty and
 * odd text, NUL and lone surrogates, data URLs of any media type and bad base64, tool
 * calls with arguments that are no JSON object, results for calls never made, system
 * text in several shapes, every tool_choice and response format), translated to
 * every provider's own wire format and answered by its mock upstream. The fuzzers of
 * the trust boundary (fuzz-ingress, no-500-from-input) send to the mock provider and
 * OpenAI only; here every adapter's translation meets them. Every answer is a 200
 * (a stream that ends as its dialect ends one) or a 4xx in the dialect's error
 * shape, never a 5xx, and nothing is logged at error level.
 */
const numRuns = Number(process.env['FUZZ_RUNS'] ?? 200);
const seed = Number(process.env['FUZZ_SEED'] ?? 20261206);

const providers = providerMocks;

type ProviderName = keyof typeof providers;
const names = Object.keys(providers) as ProviderName[];
const upstreams: Partial<Record<ProviderName, MockUpstream<string> & { url: string }>> = {};
let gateway: TestGateway;
const statuses = new Map<string, number>();

beforeAll(async () => {
  for (const name of names) upstreams[name] = (await providers[name].start()) as MockUpstream<string> & { url: string };
  gateway = await startTestGateway({ providers: Object.fromEntries(names.map((name) => [name, providers[name].options(upstreams[name]!.url)])) });
});
afterAll(async () => {
  const summary = [...statuses.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}: ${count}`);
  console.log(`hostile-ingress-translated: ${summary.join(', ')}`);
  await gateway.close();
  for (const upstream of Object.values(upstreams)) await upstream.close();
});

// ---- what may be sent --------------------------------------------------------

const model = fc.constantFrom(...names.map((name) => `${name}/${providers[name].model}`));
const text = fc.oneof(fc.constantFrom('', ' ', 'hi', '\u0000', '\ud800', '{"a":1}', 'a\r\nb', '😀', 'data: [DONE]\n\n'), fc.string({ maxLength: 8 }));
const imageUrl = fc.constantFrom(
  'data:image/png;base64,', 'data:image/png;base64,!!!!', 'data:image/svg+xml;base64,PHN2Zz4=', 'data:application/pdf;base64,JVBERi0=',
  'data:image/png;base64,iVBORw0KGgo=', 'data:a/b;base64,AAAA', 'https://example.com/a.png', 'http://127.0.0.1:1/x',
);
const toolArguments = fc.constantFrom('{}', '', 'not json', '[]', '1', 'null', '{"a":{"b":[1,2]}}', '"str"');
const parameters = fc.constantFrom({ type: 'object' }, { type: 'object', properties: {} }, { type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { a: { $ref: '#/$defs/x' } } });

const chatMessage = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 })) }),
  fc.record({
    role: fc.constant('user'),
    content: fc.oneof(text, fc.array(fc.oneof(fc.record({ type: fc.constant('text'), text }), fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: imageUrl }) })), { maxLength: 3 })),
  }),
  fc.record(
    {
      role: fc.constant('assistant'),
      content: fc.option(fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 })), { nil: null }),
      tool_calls: fc.array(fc.record({ id: fc.constantFrom('c1', 'c2', 'x'.repeat(300)), type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'g', 'missing'), arguments: toolArguments }) }), { maxLength: 2 }),
      reasoning_content: text,
    },
    { requiredKeys: ['role'] },
  ),
  fc.record({ role: fc.constant('tool'), tool_call_id: fc.constantFrom('c1', 'c2', 'never-called'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 })) }),
);

const chatBody = fc.record(
  {
    model,
    messages: fc.array(chatMessage, { minLength: 1, maxLength: 5 }),
    stream: fc.boolean(),
    max_tokens: fc.integer({ min: 1, max: 1_000_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    stop: fc.oneof(text, fc.array(text, { maxLength: 4 })),
    seed: fc.integer(),
    tools: fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'g'), description: text, parameters, strict: fc.boolean() }, { requiredKeys: ['name'] }) }), { maxLength: 2 }),
    tool_choice: fc.constantFrom('auto', 'none', 'required', { type: 'function', function: { name: 'f' } }),
    response_format: fc.constantFrom({ type: 'text' }, { type: 'json_object' }, { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } }, { type: 'json_schema', json_schema: { name: 'x' } }),
    reasoning_effort: fc.constantFrom('none', 'minimal', 'low', 'medium', 'high'),
    parallel_tool_calls: fc.boolean(),
    logprobs: fc.boolean(),
    top_logprobs: fc.integer({ min: 0, max: 20 }),
    presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    user: text,
  },
  { requiredKeys: ['model', 'messages'] },
);

const messagesBlock = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({
    type: fc.constant('image'),
    source: fc.oneof(
      fc.record({ type: fc.constant('base64'), media_type: fc.constantFrom('image/png', 'image/gif', 'a/b'), data: fc.constantFrom('AAAA', '!!!', 'iVBORw0KGgo=') }),
      fc.record({ type: fc.constant('url'), url: fc.constantFrom('https://example.com/a.png', 'http://x') }),
    ),
  }),
  fc.record({ type: fc.constant('tool_use'), id: fc.constantFrom('t1', 't2'), name: fc.constantFrom('f', 'g'), input: fc.constantFrom({}, { a: 1 }, { a: { b: [null] } }) }),
  fc.record({ type: fc.constant('tool_result'), tool_use_id: fc.constantFrom('t1', 'never-called'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 })), is_error: fc.boolean() }, { requiredKeys: ['type', 'tool_use_id'] }),
  fc.record({ type: fc.constant('thinking'), thinking: text, signature: fc.constantFrom('sig', '') }),
  fc.record({ type: fc.constant('redacted_thinking'), data: fc.constantFrom('xx', '') }),
);

const messagesBody = fc.record(
  {
    model,
    max_tokens: fc.integer({ min: 1, max: 1_000_000 }),
    messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.oneof(text, fc.array(messagesBlock, { maxLength: 3 })) }), { minLength: 1, maxLength: 4 }),
    system: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text, cache_control: fc.constant({ type: 'ephemeral' }) }), { maxLength: 2 })),
    stream: fc.boolean(),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_k: fc.integer({ min: 0, max: 1000 }),
    stop_sequences: fc.array(fc.constantFrom('a', '\n', 'END'), { maxLength: 3 }),
    tools: fc.array(fc.record({ name: fc.constantFrom('f', 'g'), description: text, input_schema: parameters }), { maxLength: 2 }),
    tool_choice: fc.constantFrom({ type: 'auto' }, { type: 'any' }, { type: 'none' }, { type: 'tool', name: 'f' }, { type: 'auto', disable_parallel_tool_use: true }),
    thinking: fc.constantFrom({ type: 'enabled', budget_tokens: 1024 }, { type: 'disabled' }),
    metadata: fc.record({ user_id: fc.option(text, { nil: null }) }),
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);

// ---- what every answer must be ---------------------------------------------------

async function post(route: string, body: { model: string; stream?: boolean }) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const key = `${route} ${body.model.split('/')[0]} ${response.status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
  return { status: response.status, text, streamed: (response.headers.get('content-type') ?? '').startsWith('text/event-stream') };
}

function parsed(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

describe('bodies an ingress accepts, translated to every provider', () => {
  it(`chat completions: ${numRuns} generated bodies`, async () => {
    await fc.assert(
      fc.asyncProperty(chatBody, async (body) => {
        const answer = await post('/v1/chat/completions', body);
        const context = `${answer.status} ${answer.text.slice(0, 300)} <= ${JSON.stringify(body).slice(0, 500)}`;
        expect(answer.status, context).toBeLessThan(500);
        expect(answer.text, context).not.toContain('internal_error');
        if (answer.status >= 400) {
          expect(Object.keys((parsed(answer.text)?.['error'] ?? {}) as object).sort(), context).toEqual(['code', 'message', 'param', 'type']);
        } else if (answer.streamed) {
          expect(answer.text.trimEnd().endsWith('data: [DONE]'), context).toBe(true);
        }
      }),
      { numRuns, seed },
    );
  }, 300_000);

  it(`messages: ${numRuns} generated bodies`, async () => {
    await fc.assert(
      fc.asyncProperty(messagesBody, async (body) => {
        const answer = await post('/v1/messages', body);
        const context = `${answer.status} ${answer.text.slice(0, 300)} <= ${JSON.stringify(body).slice(0, 500)}`;
        expect(answer.status, context).toBeLessThan(500);
        expect(answer.text, context).not.toContain('internal_error');
        if (answer.status >= 400) {
          expect(parsed(answer.text), context).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
        } else if (answer.streamed) {
          expect(answer.text, context).toMatch(/event: message_stop\ndata: [^\n]+\n\n$/);
        }
      }),
      { numRuns, seed },
    );
  }, 300_000);

  it('nothing was logged at error level, and a plain request is still served', async () => {
    expect(gateway.logLines.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
    const answer = await post('/v1/chat/completions', { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } as { model: string });
    expect(answer.status).toBe(200);
  });
});
