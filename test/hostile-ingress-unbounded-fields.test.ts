import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Fields OpenAI documents with a bound that the gateway passed on unchecked: chat's
 * `response_format.json_schema.name` (the Responses route's `text.format.name` was
 * held to OpenAI's `^[a-zA-Z0-9_-]{1,64}$`; chat's took 100,000 characters and line
 * breaks), and the Responses route's `top_logprobs` and `max_tool_calls` (1e300 went
 * to OpenAI on the fast path, where chat's `top_logprobs` is held to 0 – 20). Each is
 * refused with a 400 naming the field, before any upstream call, on every route to any
 * provider.
 */
const openAIKey = 'sk-proj-UnboundedFieldsUpstream0123456789';
let upstream: MockOpenAI;
let gateway: TestGateway;

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: openAIKey });
  gateway = await startTestGateway({ providers: { mock: { models: ['echo'] }, openai: { api_key: openAIKey, base_url: upstream.url } } });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

async function post(route: string, body: unknown) {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

const models = ['mock/echo', 'openai/gpt-4o-mini'];
const chatWithSchemaName = (model: string, name: string) => ({
  model,
  messages: [{ role: 'user', content: 'hi' }],
  response_format: { type: 'json_schema', json_schema: { name, schema: { type: 'object' } } },
});

describe("chat's response_format.json_schema.name", () => {
  it.each([
    ['100,000 characters', 'n'.repeat(100_000)],
    ['a line break', 'answer\r\nx-injected: HOSTILE7q'],
    ['a space', 'my answer'],
    ['65 characters', 'n'.repeat(65)],
  ])('%s → 400 naming the field, nothing sent upstream, not echoed', async (_, name) => {
    for (const model of models) {
      const before = upstream.requests.length;
      const answer = await post('/v1/chat/completions', chatWithSchemaName(model, name));
      expect(answer.status, answer.text.slice(0, 300)).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_request', param: 'response_format.json_schema.name' } });
      expect(answer.text.length).toBeLessThan(1000);
      expect(answer.text).not.toContain('HOSTILE7q');
      expect(upstream.requests.length).toBe(before);
    }
  });

  it('a name of 64 letters, digits, _ and - is served', async () => {
    for (const model of models) {
      const answer = await post('/v1/chat/completions', chatWithSchemaName(model, `${'a'.repeat(61)}_-9`));
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    }
  });
});

describe("the Responses route's top_logprobs and max_tool_calls", () => {
  it.each([
    ['top_logprobs', 1e300],
    ['top_logprobs', 21],
    ['top_logprobs', -1],
    ['top_logprobs', 1.5],
    ['max_tool_calls', 1e300],
    ['max_tool_calls', 0],
    ['max_tool_calls', 2.5],
    ['max_tool_calls', '5'],
  ])('%s: %j → 400 naming the field, nothing sent upstream', async (field, value) => {
    for (const model of models) {
      const before = upstream.requests.length;
      const answer = await post('/v1/responses', { model, input: 'hi', [field]: value });
      expect(answer.status, answer.text.slice(0, 300)).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'invalid_request', param: field } });
      expect(upstream.requests.length).toBe(before);
    }
  });

  it.each([
    ['top_logprobs', 0],
    ['top_logprobs', 20],
    ['max_tool_calls', 1],
    ['max_tool_calls', 128],
    ['max_tool_calls', null],
  ])('%s: %j is served', async (field, value) => {
    for (const model of models) {
      const answer = await post('/v1/responses', { model, input: 'hi', [field]: value });
      expect(answer.status, answer.text.slice(0, 300)).toBe(200);
    }
  });
});

describe('stop sequences of chat and Messages', () => {
  const long = `${'s'.repeat(1000)}HOSTILE7q`;
  it.each([
    ['chat, one string', '/v1/chat/completions', (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }], stop: long }), 'stop'],
    ['chat, in a list', '/v1/chat/completions', (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }], stop: ['ok', long] }), 'stop[1]'],
    ['Messages', '/v1/messages', (model: string) => ({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], stop_sequences: ['ok', long] }), 'stop_sequences[1]'],
  ])('%s: one over 1,000 characters → 400 naming it, nothing sent upstream', async (_, route, body, param) => {
    for (const model of models) {
      const before = upstream.requests.length;
      const answer = await post(route, body(model));
      expect(answer.status, answer.text.slice(0, 300)).toBe(400);
      // Messages answers in Anthropic's error shape, which names the field in its message.
      const error = (JSON.parse(answer.text) as { error: { type: string; message: string; param?: string } }).error;
      expect(error.type).toBe('invalid_request_error');
      if (route === '/v1/messages') expect(error.message).toContain(param);
      else expect(error.param).toBe(param);
      expect(answer.text).not.toContain('HOSTILE7q');
      expect(upstream.requests.length).toBe(before);
    }
  });

  it('one of exactly 1,000 characters is served', async () => {
    const stop = 's'.repeat(1000);
    expect((await post('/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }], stop })).status).toBe(200);
    expect((await post('/v1/messages', { model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }], stop_sequences: [stop] })).status).toBe(200);
  });
});
