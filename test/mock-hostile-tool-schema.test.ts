import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The built-in mock provider writes tool calls whose arguments follow the tool's schema.
 * A schema is the client's JSON: its `required` list may hold anything JSON can, and its
 * `properties` may name __proto__. Such a schema is the client's mistake (400 at a real
 * provider, or a call with odd arguments), never the mock's crash (a 500).
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-mock-tool-schema-'));
  gateway = await startTestGateway({ server: { data_dir: dataDir }, storage: { use: 'sqlite' }, providers: { mock: { models: ['echo'] } } });
});

afterAll(async () => {
  await gateway?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function callWithSchema(parameters: unknown, stream: boolean) {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'mock/echo',
      stream,
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters } }],
      tool_choice: 'required',
    }),
  });
  return { status: response.status, text: await response.text() };
}

describe('the mock provider under a hostile tool schema', () => {
  const schemas: Array<[string, unknown]> = [
    ['an object in required that has no string form', { type: 'object', properties: {}, required: [{ toString: 'x', valueOf: 1 }] }],
    ['an object in required whose toString is null', { type: 'object', required: [{ toString: null }] }],
    ['an array and a number in required', { type: 'object', properties: { city: { type: 'string' } }, required: [['city'], 7, null, 'city'] }],
    ['required names that are Object.prototype members', { type: 'object', properties: {}, required: ['__proto__', 'constructor', 'toString', 'hasOwnProperty'] }],
  ];
  for (const stream of [false, true]) {
    it.each(schemas)(`%s: answered, not a 500 (stream: ${stream})`, async (_name, parameters) => {
      const answer = await callWithSchema(parameters, stream);
      expect(answer.status, answer.text.slice(0, 500)).toBe(200);
      if (stream) {
        expect(answer.text).toMatch(/data: \[DONE\]\n\n$/);
        expect(answer.text).not.toContain('"error"');
        return;
      }
      const body = JSON.parse(answer.text) as { choices: Array<{ message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }> };
      const call = body.choices[0]!.message.tool_calls[0]!;
      expect(call.function.name).toBe('get_weather');
      const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
      // Only string names become arguments; a prototype member's name is an own key like any other.
      expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
      for (const key of Object.keys(args)) expect((parameters as { required: unknown[] }).required).toContain(key);
    });
  }

  it('the names of prototype members become plain arguments, each the prompt', async () => {
    const answer = await callWithSchema({ type: 'object', properties: {}, required: ['__proto__', 'constructor', 'city'] }, false);
    expect(answer.status, answer.text).toBe(200);
    const body = JSON.parse(answer.text) as { choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }> };
    const text = body.choices[0]!.message.tool_calls[0]!.function.arguments;
    expect(text).toContain('"__proto__"');
    expect(JSON.parse(text)).toMatchObject({ constructor: 'weather?', city: 'weather?' });
  });

  it.each([false, true])('a response_format schema with the same hostile required list: answered, not a 500 (stream: %s)', async (stream) => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'mock/echo',
        stream,
        messages: [{ role: 'user', content: 'json please' }],
        response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { city: { type: 'string' } }, required: [{ toString: 'x' }, 'city', '__proto__'] } } },
      }),
    });
    const text = await response.text();
    expect(response.status, text.slice(0, 500)).toBe(200);
    expect(text).not.toContain('"error"');
    if (!stream) {
      const content = (JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
      expect(JSON.parse(content)).toEqual(JSON.parse('{"city":"json please","__proto__":"json please"}'));
    }
  });

  it('a name repeated in required at every level of a nested schema is walked once: answered (the walk grew as the repeats to the power of the depth)', async () => {
    // 40 repeats at 12 levels: 40^12 walks before, for a body of a few kilobytes.
    let schema: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 12; level++) schema = { type: 'object', properties: { a: schema }, required: Array.from({ length: 40 }, () => 'a') };
    const answer = await callWithSchema(schema, false);
    expect(answer.status, answer.text.slice(0, 500)).toBe(200);
    const body = JSON.parse(answer.text) as { choices: Array<{ message: { tool_calls: Array<{ function: { arguments: string } }> } }> };
    let args = JSON.parse(body.choices[0]!.message.tool_calls[0]!.function.arguments) as unknown;
    for (let level = 0; level < 12; level++) args = (args as { a: unknown }).a;
    expect(args).toBe('weather?');
  }, 20_000);
});

/**
 * A model stops at `max_tokens` whatever it writes, tool-call arguments included. The mock
 * wrote each required string argument as the prompt, so a schema of many names times a long
 * prompt made an answer far past the limit: billed past the budget's hold (which counts
 * `max_tokens` of output), and at 3,000 names × 200,000 characters a 500 after seconds of
 * blocked event loop (a string past V8's length limit).
 */
describe('the mock provider stops every answer at the output limit', () => {
  const manyNames = (count: number) => ({ type: 'object', required: Array.from({ length: count }, (_, index) => `p${index}`) });

  async function call(body: Record<string, unknown>) {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', ...body }),
    });
    return { status: response.status, text: await response.text() };
  }

  function toolBody(names: number, promptLength: number, extra: Record<string, unknown>) {
    return {
      messages: [{ role: 'user', content: 'x'.repeat(promptLength) }],
      tools: [{ type: 'function', function: { name: 'f', parameters: manyNames(names) } }],
      tool_choice: 'required',
      ...extra,
    };
  }

  function usageOf(answer: { text: string }, stream: boolean): { completion_tokens: number } {
    if (!stream) return (JSON.parse(answer.text) as { usage: { completion_tokens: number } }).usage;
    const chunks = answer.text.split('\n\n').filter((event) => event.startsWith('data: {')).map((event) => JSON.parse(event.slice(6)) as { usage?: { completion_tokens: number } | null });
    return chunks.find((chunk) => chunk.usage)!.usage!;
  }

  for (const stream of [false, true]) {
    it(`tool arguments of 1,000 prompt-long names are cut at max_tokens 16, finish reason length (stream: ${stream})`, async () => {
      const answer = await call(toolBody(1000, 10_000, { max_tokens: 16, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }));
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
      expect(usageOf(answer, stream).completion_tokens).toBeLessThanOrEqual(16);
      expect(answer.text).toContain('"finish_reason":"length"');
      expect(answer.text.length).toBeLessThan(10_000);
    });

    it(`without max_tokens, tool arguments stop at the mock's own output limit of 1,024 tokens (stream: ${stream})`, async () => {
      const answer = await call(toolBody(1000, 10_000, { stream, ...(stream ? { stream_options: { include_usage: true } } : {}) }));
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
      expect(usageOf(answer, stream).completion_tokens).toBeLessThanOrEqual(1024);
      expect(answer.text).toContain('"finish_reason":"length"');
    });
  }

  it.each(['tool', 'response_format'])('3,000 names × a 200,000-character prompt (%s) is answered at the limit, not a 500', async (kind) => {
    const body =
      kind === 'tool'
        ? toolBody(3000, 200_000, { max_tokens: 16 })
        : { messages: [{ role: 'user', content: 'x'.repeat(200_000) }], max_tokens: 16, response_format: { type: 'json_schema', json_schema: { name: 'a', schema: manyNames(3000) } } };
    const answer = await call(body);
    expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    expect(usageOf(answer, false).completion_tokens).toBeLessThanOrEqual(16);
    expect(answer.text).toContain('"finish_reason":"length"');
  }, 30_000);
});
