import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ server: { body_limit: '16kb' }, models: { fast: 'mock/echo' } });
});
afterAll(() => gateway.close());

async function post(path: string, body: string | object, headers: Record<string, string> = { authorization: `Bearer ${masterKey}` }) {
  const response = await fetch(gateway.origin + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { error: Record<string, unknown> } & Record<string, unknown> };
}

function expectOpenAIError(body: { error: Record<string, unknown> }, code: string) {
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error['code']).toBe(code);
  expect(typeof body.error['message']).toBe('string');
}

describe('bad input gets an OpenAI-shaped error with the right status', () => {
  const chat = '/v1/chat/completions';
  const user = [{ role: 'user', content: 'hi' }];

  it('malformed JSON → 400 invalid_json', async () => {
    const { status, body } = await post(chat, '{"model": "mock/echo", "messages": [');
    expect(status).toBe(400);
    expectOpenAIError(body, 'invalid_json');
  });

  it('an empty body → 400 invalid_json; a compressed body → 415', async () => {
    const empty = await post(chat, '');
    expect(empty.status).toBe(400);
    expectOpenAIError(empty.body, 'invalid_json');
    const gzipped = await post(chat, '{}', { authorization: `Bearer ${masterKey}`, 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(415);
    expectOpenAIError(gzipped.body, 'unsupported_media_type');
  });

  it('a streamed body that grows past the limit → 413', async () => {
    const big = JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'y'.repeat(40_000) }] });
    const response = await fetch(gateway.origin + chat, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}` },
      // A stream has no content-length: the limit is enforced while reading.
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(413);
  });

  it('missing model → 400 naming the field', async () => {
    const { status, body } = await post(chat, { messages: user });
    expect(status).toBe(400);
    expectOpenAIError(body, 'invalid_request');
    expect(body.error['param']).toBe('model');
  });

  it('wrong types → 400 naming the field', async () => {
    const { status, body } = await post(chat, { model: 'mock/echo', messages: user, max_tokens: 'lots' });
    expect(status).toBe(400);
    expect(body.error['param']).toBe('max_tokens');
    expect(body.error['message']).toMatch(/expected integer/);
  });

  it('a body over the size limit → 413', async () => {
    const { status, body } = await post(chat, { model: 'mock/echo', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] });
    expect(status).toBe(413);
    expectOpenAIError(body, 'request_too_large');
  });

  it('an unknown model → 404 model_not_found', async () => {
    for (const model of ['nosuch/model', 'gpt-4o']) {
      const { status, body } = await post(chat, { model, messages: user });
      expect(status).toBe(404);
      expectOpenAIError(body, 'model_not_found');
      expect(body.error['param']).toBe('model');
    }
  });

  it('no key → 401 missing_api_key; a wrong key → 401 invalid_api_key', async () => {
    const missing = await post(chat, { model: 'mock/echo', messages: user }, {});
    expect(missing.status).toBe(401);
    expectOpenAIError(missing.body, 'missing_api_key');
    // An Anthropic or Gemini client is told its own header works too.
    expect(missing.body.error['message']).toContain('x-api-key');
    const wrong = await post(chat, { model: 'mock/echo', messages: user }, { authorization: 'Bearer sy-not-a-real-key-000000' });
    expect(wrong.status).toBe(401);
    expectOpenAIError(wrong.body, 'invalid_api_key');
  });

  it('accepts the key in x-api-key as well', async () => {
    const { status } = await post(chat, { model: 'fast', messages: user }, { 'x-api-key': masterKey });
    expect(status).toBe(200);
  });

  it('an unknown path → 404 and a wrong method → 405', async () => {
    const unknown = await fetch(`${gateway.origin}/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expectOpenAIError((await unknown.json()) as { error: Record<string, unknown> }, 'not_found');
    const wrongMethod = await fetch(`${gateway.origin}${chat}`);
    expect(wrongMethod.status).toBe(405);
    expectOpenAIError((await wrongMethod.json()) as { error: Record<string, unknown> }, 'method_not_allowed');
  });

  it('an upstream failure the mock acts out keeps its status and code', async () => {
    const { status, body, headers } = await post(chat, { model: 'mock/echo', messages: user, provider_options: { mock: { fail: 'rate_limit', retry_after_s: 2 } } });
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('2');
    expectOpenAIError(body, 'rate_limit_exceeded');
  });

  it('every answer carries a unique request id, and a caller\'s own id is echoed beside it', async () => {
    const response = await fetch(`${gateway.origin}${chat}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'x-request-id': 'trace-abc-123' },
      body: JSON.stringify({ model: 'fast', messages: user }),
    });
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get('x-client-request-id')).toBe('trace-abc-123');
    expect(response.headers.get('x-switchyard-provider')).toBe('mock');
    expect(response.headers.get('x-switchyard-attempts')).toBe('1');
  });

  it('serves /health without a key', async () => {
    const response = await fetch(`${gateway.origin}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', providers: ['mock'], checks: { circuit_breakers: { healthy: true } } });
  });
});
