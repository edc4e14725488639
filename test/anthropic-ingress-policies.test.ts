import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { anthropicMessagesDialect, contextMiddleware, errorHandler, getContext, type RequestRecord } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-messages-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir, body_limit: '64kb' },
    storage: { use: 'sqlite' },
    providers: { mock: {} },
    chain: ['auth', 'key-scope', 'rate-limit', { cache: { ttl_seconds: 60 } }, 'route', 'adapter'],
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(() => gateway.close());

async function createKey(scope: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `key-${records.length}-${Math.random().toString(36).slice(2, 8)}`, scope }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

async function post(route: string, body: unknown, headers: Record<string, string> = { 'x-api-key': masterKey }) {
  const response = await fetch(`${gateway.origin}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}

const message = (content: string, extra: Record<string, unknown> = {}) => ({ model: 'mock/echo', max_tokens: 64, messages: [{ role: 'user', content }], ...extra });

describe('/v1/messages under the same policies as /v1/chat/completions', () => {
  it("scopes keys by endpoint: 'messages' is its own endpoint, refused in Anthropic's shape", async () => {
    const chatOnly = await createKey({ endpoints: ['chat'] });
    const refused = await post('/v1/messages', message('hi'), { 'x-api-key': chatOnly });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', code: 'endpoint_not_allowed' } });

    const messagesOnly = await createKey({ endpoints: ['messages'] });
    expect((await post('/v1/messages', message('hi'), { authorization: `Bearer ${messagesOnly}` })).status).toBe(200);
    const openAI = await post('/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }, { authorization: `Bearer ${messagesOnly}` });
    expect(openAI.status).toBe(403);
    expect(openAI.json()).toMatchObject({ error: { code: 'endpoint_not_allowed' } });
  });

  it('applies model scopes and rate limits, answering 403 and 429 with Retry-After in Anthropic shape', async () => {
    const limited = await createKey({ models: ['mock/*'], rpm: 1 });
    const outside = await post('/v1/messages', message('hi', { model: 'openai/gpt-4o' }), { 'x-api-key': limited });
    expect(outside.status).toBe(403);
    expect(outside.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', code: 'model_not_allowed' } });
    expect((await post('/v1/messages', message('first'), { 'x-api-key': limited })).status).toBe(200);
    const second = await post('/v1/messages', message('second'), { 'x-api-key': limited });
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('puts count_tokens behind the same key scope and request limit, without spending tokens', async () => {
    const chatOnly = await createKey({ endpoints: ['chat'] });
    const count = { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] };
    const outside = await post('/v1/messages/count_tokens', count, { 'x-api-key': chatOnly });
    expect(outside.status).toBe(403);
    expect(outside.json()).toMatchObject({ type: 'error', error: { type: 'permission_error', code: 'endpoint_not_allowed' } });

    const perMinute = await createKey({ rpm: 2 });
    const first = await post('/v1/messages/count_tokens', count, { 'x-api-key': perMinute });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe('1');
    expect((await post('/v1/messages/count_tokens', count, { 'x-api-key': perMinute })).status).toBe(200);
    const spam = await post('/v1/messages/count_tokens', count, { 'x-api-key': perMinute });
    expect(spam.status).toBe(429);
    expect(spam.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(spam.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });

    // A count is a request, not tokens: a prompt far over the key's tpm is counted, and leaves the tpm whole.
    const fewTokens = await createKey({ tpm: 100 });
    const long = await post('/v1/messages/count_tokens', { ...count, system: 'word '.repeat(2000) }, { 'x-api-key': fewTokens });
    expect(long.status).toBe(200);
    expect(long.json()['input_tokens']).toBeGreaterThan(100);
    expect(long.headers.get('x-ratelimit-remaining-tokens')).toBe('100');
  });

  it('replays a cached answer in the dialect it is asked in, whole and streamed', async () => {
    const text = `cache me ${Date.now()}`;
    const first = await post('/v1/chat/completions', { model: 'mock/echo', max_tokens: 64, messages: [{ role: 'user', content: text }] }, { authorization: `Bearer ${masterKey}` });
    expect(first.headers.get('x-switchyard-cache')).toBe('MISS');

    const whole = await post('/v1/messages', message(text));
    expect(whole.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(whole.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text }], stop_reason: 'end_turn' });

    const streamed = await post('/v1/messages', message(text, { stream: true }));
    expect(streamed.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(streamed.text).toMatch(/^event: message_start\n/);
    const deltas = [...streamed.text.matchAll(/"text_delta","text":("(?:[^"\\]|\\.)*")/g)].map((match) => JSON.parse(match[1]!) as string);
    expect(deltas.join('')).toBe(text);
    expect(streamed.text).toContain('event: message_stop');
  });

  it("records each request in the ledger under the 'messages' endpoint, streams included", async () => {
    const before = records.length;
    await post('/v1/messages', message('ledger whole'));
    await post('/v1/messages', message('ledger streamed', { stream: true }));
    await expect.poll(() => records.length - before).toBe(2);
    for (const record of records.slice(before)) {
      expect(record).toMatchObject({ endpoint: 'messages', status: 200, requestedModel: 'mock/echo' });
      expect(record.usage?.outputTokens).toBeGreaterThan(0);
    }
  });
});

describe('/v1/messages refuses hostile input in Anthropic shape', () => {
  const refusals: Array<[string, () => ReturnType<typeof post>, number, string]> = [
    ['a number that overflows to Infinity', () => post('/v1/messages', '{"model":"mock/echo","max_tokens":1e309,"messages":[{"role":"user","content":"x"}]}'), 400, 'invalid_request_error'],
    ['JSON nested past limits.max_json_depth', () => post('/v1/messages', `{"model":"mock/echo","max_tokens":5,"messages":[{"role":"user","content":"x"}],"metadata":${'['.repeat(500)}${']'.repeat(500)}}`), 400, 'invalid_request_error'],
    ['a body that is not JSON', () => post('/v1/messages', '{"model":'), 400, 'invalid_request_error'],
    ['a body over server.body_limit', () => post('/v1/messages', message('x'.repeat(70_000))), 413, 'request_too_large'],
    ['no key', () => post('/v1/messages', message('x'), {}), 401, 'authentication_error'],
    ['a model name of control characters', () => post('/v1/messages', message('x', { model: 'mock/\u0000echo' })), 400, 'invalid_request_error'],
    ['a count_tokens body with a model name too long', () => post('/v1/messages/count_tokens', { model: 'm'.repeat(1000), messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request_error'],
  ];
  it.each(refusals)('%s', async (_name, send, status, type) => {
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.json()).toMatchObject({ type: 'error', error: { type, message: expect.any(String) }, request_id: expect.stringMatching(/^req_/) });
    expect(answer.text).not.toContain(masterKey);
  });

  it('refuses a 30,000-character tool_choice name without echoing it, and names a missing tool', async () => {
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    const long = await post('/v1/messages', message('x', { tools, tool_choice: { type: 'tool', name: 'x'.repeat(30_000) } }));
    expect(long.status).toBe(400);
    expect(long.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining("'tool_choice.name'") } });
    expect(long.text.length).toBeLessThan(1000);
    const counted = await post('/v1/messages/count_tokens', message('x', { tools, tool_choice: { type: 'tool', name: 'x'.repeat(30_000) } }));
    expect(counted.status).toBe(400);
    expect(counted.text.length).toBeLessThan(1000);
    const missing = await post('/v1/messages', message('x', { tools, tool_choice: { type: 'tool', name: 'missing' } }));
    expect(missing.status).toBe(400);
    expect(missing.json()['error'].message).toContain("no tool named 'missing'");
  });

  it('answers another method with 405 in Anthropic shape', async () => {
    const response = await fetch(`${gateway.origin}/v1/messages`, { headers: { 'x-api-key': masterKey } });
    expect(response.status).toBe(405);
    const body = (await response.json()) as { request_id?: unknown };
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', code: 'method_not_allowed' } });
    // The id an Anthropic SDK reads (APIError.requestID), in the header and the body alike.
    expect(response.headers.get('request-id')).toMatch(/\S/);
    expect(body.request_id).toBe(response.headers.get('request-id'));
  });

  it.each([
    ['POST', '/v1/messages/batches'],
    ['GET', '/v1/messages/batches/msgbatch_01'],
    ['POST', '/v1/messages/count_tokens/extra'],
    ['DELETE', `/v1/messages/${'x'.repeat(5000)}`],
    ['GET', '/v1/messages/%'],
    ['POST', '/v1/messages/batches/%E0%A4%A'],
  ])('answers %s on a path under /v1/messages the gateway does not serve (case %#) with 404 in Anthropic shape', async (method, route) => {
    const response = await fetch(`${gateway.origin}${route}`, { method, headers: { 'x-api-key': masterKey, 'content-type': 'application/json' }, ...(method === 'POST' && { body: '{}' }) });
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ type: 'error', error: { type: 'not_found_error', code: 'not_found', message: expect.stringMatching(/^Unknown endpoint /) } });
    expect(text.length).toBeLessThan(500);
    expect(response.headers.get('request-id')).toMatch(/\S/);
    expect((JSON.parse(text) as { request_id?: unknown }).request_id).toBe(response.headers.get('request-id'));
  });
});

describe("an app's own route with endpoint 'messages'", () => {
  it('puts a checked Anthropic body on the context, and answers a bad one in Anthropic shape', async () => {
    const app = express();
    app.post('/claude', express.json(), contextMiddleware({ endpoint: 'messages' }), (_req, res) => {
      const context = getContext(res);
      res.json({ model: context.chatRequest!.model, system: context.chatRequest!.messages[0], dialect: context.dialect?.name });
    });
    app.use(errorHandler({ dialect: anthropicMessagesDialect }));
    const ok = await request(app).post('/claude').send({ model: 'm', max_tokens: 5, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.body).toEqual({ model: 'm', system: { role: 'system', content: 'Be brief.' }, dialect: 'anthropic-messages' });
    const bad = await request(app).post('/claude').send({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
  });
});
