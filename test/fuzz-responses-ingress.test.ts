import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { hostileNumber, hostileValue, mostlyValid, toJsonText } from './support/hostile-json.js';

// Property-based fuzzing of /v1/responses and its stored-response routes: whatever a
// client sends, the answer is a 2xx or a 4xx in OpenAI's error shape, never a 5xx.
// Small bodies and a fixed run count keep the file to seconds.

const runs = 300;
let gateway: TestGateway;
const statuses = new Map<number, number>();

beforeAll(async () => {
  gateway = await startTestGateway({ models: { fast: 'mock/echo' }, log: { level: 'warn' } });
});
afterAll(async () => {
  console.log(`fuzz-responses-ingress: statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
  await gateway.close();
});

const oddString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', '\u0000', 'mock/😀', 'mock/a b', '\u202e', 'mock/echo', 'fast', 'data:image/png;base64,AAAA', 'data:;base64,', 'https://example.com/a.png', 'resp_abc', 'resp_'),
  fc.integer({ min: 250, max: 600 }).map((length) => `resp_${'x'.repeat(length)}`),
);
const anything = hostileValue(oddString);
const mostly = mostlyValid(anything);

const part = fc.oneof(
  fc.record({ type: fc.constant('input_text'), text: mostly(fc.string({ maxLength: 20 })) }),
  fc.record({ type: fc.constant('output_text'), text: mostly(fc.string({ maxLength: 20 })), annotations: mostly(fc.constant([])) }),
  fc.record({ type: fc.constant('input_image'), image_url: mostly(oddString), file_id: mostly(oddString), detail: mostly(fc.constantFrom('auto', 'low', 'high', 'ultra')) }, { requiredKeys: ['type'] }),
  fc.record({ type: fc.constant('refusal'), refusal: mostly(fc.string({ maxLength: 10 })) }),
  fc.record({ type: fc.constantFrom('input_file', 'input_audio', 'weird'), data: anything }),
);
const item = fc.oneof(
  fc.record({ type: mostly(fc.constant('message')), role: mostly(fc.constantFrom('user', 'assistant', 'system', 'developer', 'tool')), content: mostly(fc.oneof(fc.string({ maxLength: 30 }), fc.array(part, { maxLength: 3 }))) }, { requiredKeys: ['role', 'content'] }),
  fc.record({ type: fc.constant('function_call'), call_id: mostly(fc.constantFrom('call_1', '')), name: mostly(fc.constantFrom('f', 'g', '')), arguments: mostly(fc.constantFrom('{"a":1}', '', 'not json')) }),
  fc.record({ type: fc.constant('function_call_output'), call_id: mostly(fc.constantFrom('call_1', '')), output: mostly(fc.oneof(fc.string({ maxLength: 10 }), fc.array(part, { maxLength: 2 }))) }),
  fc.record({ type: fc.constant('reasoning'), id: oddString, summary: mostly(fc.array(fc.record({ type: fc.constant('summary_text'), text: oddString }), { maxLength: 2 })) }),
  fc.record({ type: fc.constantFrom('item_reference', 'web_search_call', 'computer_call_output', 'mcp_call'), id: oddString, data: anything }),
);
const tool = fc.record(
  { type: mostly(fc.constantFrom('function', 'web_search', 'file_search', 'code_interpreter')), name: mostly(fc.constantFrom('f', 'g', 'bad name')), description: oddString, parameters: mostly(fc.constant({ type: 'object', properties: {} })), strict: mostly(fc.boolean()) },
  { requiredKeys: ['type'] },
);

const validBody = fc.record({
  model: fc.constantFrom('mock/echo', 'fast'),
  input: fc.oneof(fc.string({ maxLength: 30 }), fc.array(fc.record({ role: fc.constant('user'), content: fc.string({ maxLength: 30 }) }), { minLength: 1, maxLength: 3 })),
  stream: fc.boolean(),
  store: fc.boolean(),
  temperature: fc.double({ min: 0, max: 2, noNaN: true }),
  max_output_tokens: fc.integer({ min: 1, max: 1_000_000 }),
  tools: fc.array(fc.record({ type: fc.constant('function'), name: fc.constantFrom('f', 'g'), parameters: fc.constant({ type: 'object', properties: { city: { type: 'string' } } }) }), { maxLength: 2 }),
});

const chaosBody = fc.record(
  {
    model: mostly(fc.constantFrom('mock/echo', 'fast', 'nope', 'openai/gpt-4o')),
    input: mostly(fc.oneof(fc.string({ maxLength: 20 }), fc.array(item, { minLength: 0, maxLength: 4 }))),
    instructions: mostly(oddString),
    max_output_tokens: hostileNumber,
    temperature: hostileNumber,
    top_p: hostileNumber,
    stream: mostly(fc.boolean()),
    store: mostly(fc.boolean()),
    tools: mostly(fc.array(tool, { maxLength: 3 })),
    tool_choice: mostly(fc.oneof(fc.constantFrom('auto', 'none', 'required', 'any'), fc.record({ type: mostly(fc.constantFrom('function', 'web_search', 'mcp')), name: mostly(fc.constantFrom('f', 'missing')) }))),
    text: mostly(fc.record({ format: mostly(fc.record({ type: mostly(fc.constantFrom('text', 'json_object', 'json_schema')), name: mostly(fc.constantFrom('w', 'bad name')), schema: anything, strict: mostly(fc.boolean()) })) })),
    reasoning: mostly(fc.record({ effort: mostly(fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max')), summary: mostly(fc.constantFrom('auto', 'concise')) })),
    metadata: mostly(fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ maxLength: 10 }), { maxKeys: 20 })),
    include: mostly(fc.array(fc.constantFrom('reasoning.encrypted_content', 'message.output_text.logprobs', 'secrets'), { maxLength: 3 })),
    previous_response_id: mostly(oddString),
    parallel_tool_calls: mostly(fc.boolean()),
    background: mostly(fc.boolean()),
    conversation: anything,
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

function expectOpenAIError(status: number, text: string, context: string): void {
  const error = JSON.parse(text) as { error: Record<string, unknown> };
  expect(Object.keys(error), context).toEqual(['error']);
  expect(typeof error.error['type'], context).toBe('string');
  expect(typeof error.error['message'], context).toBe('string');
  expect(typeof error.error['code'], context).toBe('string');
  expect(status, context).toBeGreaterThanOrEqual(400);
}

describe('fuzzing /v1/responses', () => {
  it('answers every body with a 2xx or a 4xx in OpenAI error shape, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const sent = toJsonText(value);
        const response = await fetch(`${gateway.origin}/v1/responses`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: sent,
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const context = `sent ${sent.slice(0, 300)} → ${response.status} ${text.slice(0, 300)}`;
        expect(response.status, context).toBeLessThan(500);
        if (response.status < 400) {
          if (response.headers.get('content-type')?.startsWith('text/event-stream')) expect(text, context).toMatch(/event: response\.(completed|incomplete)\n/);
          else expect(JSON.parse(text), context).toMatchObject({ object: 'response' });
          return;
        }
        expectOpenAIError(response.status, text, context);
      }),
      { numRuns: runs },
    );
  });

  it('answers any id and query on the stored-response routes with a 4xx, never a 5xx', async () => {
    const segment = fc.oneof(oddString, fc.string({ maxLength: 40 }).map((text) => encodeURIComponent(text)));
    const query = fc.dictionary(fc.constantFrom('limit', 'order', 'after', 'before', 'stream', 'include[]'), fc.oneof(oddString, fc.constantFrom('0', '1', '100', '101', '-1', '1e309', 'NaN', 'asc', 'desc', 'true')), { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(segment, query, fc.constantFrom('GET', 'DELETE', 'PUT'), fc.boolean(), async (id, params, method, items) => {
        const search = new URLSearchParams(params).toString();
        const route = `/v1/responses/${encodeURIComponent(id)}${items ? '/input_items' : ''}${search ? `?${search}` : ''}`;
        const response = await fetch(gateway.origin + route, { method, headers: { authorization: `Bearer ${masterKey}` } });
        const text = await response.text();
        const context = `${method} ${route} → ${response.status} ${text.slice(0, 300)}`;
        expect(response.status, context).toBeLessThan(500);
        expect(response.status, context).toBeGreaterThanOrEqual(400);
        expectOpenAIError(response.status, text, context);
      }),
      { numRuns: runs },
    );
  });
});
