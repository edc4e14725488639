import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { hostileNumber, hostileValue, mostlyValid, toJsonText } from './support/hostile-json.js';

// Property-based fuzzing of /v1/messages: whatever body a client sends, the answer
// is a 2xx or a 4xx in Anthropic's error shape, never a 5xx. Small bodies and a fixed
// run count keep the file to seconds.

const runs = 300;
let gateway: TestGateway;
const statuses = new Map<number, number>();

beforeAll(async () => {
  gateway = await startTestGateway({ models: { fast: 'mock/echo' }, log: { level: 'warn' } });
});
afterAll(async () => {
  console.log(`fuzz-messages-ingress: statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  await gateway.close();
});

const oddString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '\u0000', 'mock/😀', 'mock/a b', '\u202e', 'mock/echo', 'fast', 'file:///etc/passwd', 'https://example.com/a.png'),
  fc.integer({ min: 250, max: 600 }).map((length) => `mock/${'x'.repeat(length)}`),
);
const anything = hostileValue(oddString);
const mostly = mostlyValid(anything);

const block = fc.oneof(
  fc.record({ type: fc.constant('text'), text: mostly(fc.string({ maxLength: 20 })), cache_control: mostly(fc.constant({ type: 'ephemeral' })) }, { requiredKeys: ['type', 'text'] }),
  fc.record({ type: fc.constant('image'), source: mostly(fc.oneof(fc.record({ type: fc.constant('base64'), media_type: mostly(fc.constant('image/png')), data: mostly(fc.constant('AAAA')) }), fc.record({ type: fc.constant('url'), url: oddString }))) }),
  fc.record({ type: fc.constant('tool_use'), id: mostly(fc.constantFrom('toolu_1', '')), name: mostly(fc.constantFrom('f', 'g')), input: mostly(fc.constant({ a: 1 })) }),
  fc.record({ type: fc.constant('tool_result'), tool_use_id: mostly(fc.constantFrom('toolu_1', '')), content: mostly(fc.oneof(fc.string({ maxLength: 10 }), fc.array(fc.record({ type: fc.constantFrom('text', 'image'), text: fc.string({ maxLength: 5 }) }), { maxLength: 2 }))), is_error: mostly(fc.boolean()) }),
  fc.record({ type: fc.constant('thinking'), thinking: mostly(fc.string({ maxLength: 10 })), signature: mostly(fc.string({ maxLength: 10 })) }),
  fc.record({ type: fc.constantFrom('document', 'redacted_thinking', 'server_tool_use'), data: anything }),
);
const message = fc.record({ role: mostly(fc.constantFrom('user', 'assistant', 'system')), content: mostly(fc.oneof(fc.string({ maxLength: 30 }), fc.array(block, { maxLength: 3 }))) });
const tool = fc.record(
  { type: mostly(fc.constantFrom('custom', 'web_search_20250305')), name: mostly(fc.constantFrom('f', 'g', 'bad name')), description: oddString, input_schema: mostly(fc.constant({ type: 'object', properties: {} })), cache_control: anything },
  { requiredKeys: ['name'] },
);

const validBody = fc.record({
  model: fc.constantFrom('mock/echo', 'fast'),
  max_tokens: fc.integer({ min: 1, max: 1_000_000 }),
  messages: fc.array(fc.record({ role: fc.constant('user'), content: fc.string({ maxLength: 30 }) }), { minLength: 1, maxLength: 3 }),
  stream: fc.boolean(),
  temperature: fc.double({ min: 0, max: 1, noNaN: true }),
  tools: fc.array(fc.record({ name: fc.constantFrom('f', 'g'), input_schema: fc.constant({ type: 'object', properties: { city: { type: 'string' } } }) }), { maxLength: 2 }),
});

const chaosBody = fc.record(
  {
    model: mostly(fc.constantFrom('mock/echo', 'fast', 'nope', 'openai/gpt-4o')),
    max_tokens: hostileNumber,
    messages: mostly(fc.array(message, { minLength: 1, maxLength: 4 })),
    system: mostly(fc.oneof(fc.string({ maxLength: 20 }), fc.array(block, { maxLength: 2 }))),
    stream: mostly(fc.boolean()),
    temperature: hostileNumber,
    top_p: hostileNumber,
    top_k: hostileNumber,
    stop_sequences: mostly(fc.array(oddString, { maxLength: 70 })),
    tools: mostly(fc.array(tool, { maxLength: 3 })),
    tool_choice: mostly(fc.record({ type: mostly(fc.constantFrom('auto', 'any', 'tool', 'none')), name: mostly(fc.constantFrom('f', 'missing')), disable_parallel_tool_use: mostly(fc.boolean()) })),
    metadata: mostly(fc.record({ user_id: oddString })),
    thinking: mostly(fc.record({ type: mostly(fc.constantFrom('enabled', 'disabled')), budget_tokens: hostileNumber })),
    output_config: mostly(fc.record({ format: mostly(fc.record({ type: fc.constant('json_schema'), schema: anything })) })),
    unknown_field: anything,
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 2, arbitrary: validBody },
  { weight: 3, arbitrary: fc.tuple(validBody, chaosBody.filter((chaos) => Object.keys(chaos).length > 0)).chain(([valid, chaos]) => fc.constantFrom(...(Object.keys(chaos) as Array<keyof typeof chaos>)).map((field) => ({ ...valid, [field]: chaos[field] }))) },
  { weight: 1, arbitrary: chaosBody },
  { weight: 1, arbitrary: anything },
);

describe('fuzzing /v1/messages', () => {
  it('answers every body with a 2xx or a 4xx in Anthropic error shape, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('/v1/messages', '/v1/messages/count_tokens'), async (value, route) => {
        const sent = toJsonText(value);
        const response = await fetch(gateway.origin + route, {
          method: 'POST',
          headers: { 'x-api-key': masterKey, 'content-type': 'application/json' },
          body: sent,
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const context = `sent ${sent.slice(0, 300)} → ${response.status} ${text.slice(0, 300)}`;
        expect(response.status, context).toBeLessThan(500);
        if (response.status < 400) {
          if (response.headers.get('content-type')?.startsWith('text/event-stream')) expect(text, context).toMatch(/event: message_stop\n/);
          return;
        }
        const error = JSON.parse(text) as { type: string; error: Record<string, unknown>; request_id: string };
        expect(Object.keys(error).sort(), context).toEqual(['error', 'request_id', 'type']);
        expect(error.type, context).toBe('error');
        expect(typeof error.error['type'], context).toBe('string');
        expect(typeof error.error['message'], context).toBe('string');
      }),
      { numRuns: runs },
    );
  });
});
