import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { contextMiddleware, errorHandler, getContext, openAIResponsesDialect, type RequestRecord, type ResponseStore } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// /v1/responses under the same policies as every other model endpoint: key scopes,
// budgets, rate limits, cache, routing with fallbacks, the ledger; and its stored
// responses belong to the key that made them.

let gateway: TestGateway;
const records: RequestRecord[] = [];

beforeAll(async () => {
  gateway = await startTestGateway({
    server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-responses-')), body_limit: '64kb' },
    storage: { use: 'sqlite' },
    // `broken` always fails (retryable): a group whose first deployment is broken is served by its fallback.
    providers: { mock: {}, broken: { use: 'mock', fail: 'server_error' } },
    models: { story: { deployments: [{ target: 'broken/echo' }], retries: { attempts: 0 }, fallbacks: ['mock/echo'] } },
    prices: { 'mock/echo': { input: 100, output: 100 } },
    usage: { flush_interval_ms: 50 },
    chain: ['auth', 'key-scope', 'rate-limit', { cache: { ttl_seconds: 60 } }, 'route', 'adapter'],
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
});
afterAll(() => gateway.close());

async function createKey(scope: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await fetch(`${gateway.origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `responses-${Math.random().toString(36).slice(2, 10)}`, scope }),
  });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { key: { id: string }; secret: string };
  return { id: body.key.id, secret: body.secret };
}

async function call(method: string, route: string, body?: unknown, key: string | undefined = masterKey) {
  const response = await fetch(`${gateway.origin}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...(key && { authorization: `Bearer ${key}` }) },
    ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}

const create = (input: unknown, extra: Record<string, unknown> = {}, key?: string) => call('POST', '/v1/responses', { model: 'mock/echo', input, ...extra }, key);

describe('/v1/responses under the same policies as /v1/chat/completions', () => {
  it("scopes keys by endpoint: 'responses' is its own endpoint, refused 403 in OpenAI's shape, stored responses included", async () => {
    const chatOnly = await createKey({ endpoints: ['chat'] });
    const refused = await create('hi', {}, chatOnly.secret);
    expect(refused.status).toBe(403);
    expect(refused.json()).toEqual({ error: { type: 'permission_error', code: 'endpoint_not_allowed', message: expect.any(String), param: null } });
    expect((await call('GET', '/v1/responses/resp_abc', undefined, chatOnly.secret)).status).toBe(403);
    expect((await call('DELETE', '/v1/responses/resp_abc', undefined, chatOnly.secret)).status).toBe(403);
    expect((await call('POST', '/v1/responses/input_tokens', { model: 'mock/echo', input: 'hi' }, chatOnly.secret)).status).toBe(403);

    const responsesOnly = await createKey({ endpoints: ['responses'] });
    const ok = await create('hi', {}, responsesOnly.secret);
    expect(ok.status).toBe(200);
    expect((await call('GET', `/v1/responses/${ok.json()['id']}`, undefined, responsesOnly.secret)).status).toBe(200);
    const chat = await call('POST', '/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }, responsesOnly.secret);
    expect(chat.status).toBe(403);
  });

  it("keeps stored responses per key: another key (the master key too) gets the same 404 as for an id that never existed", async () => {
    const owner = await createKey({});
    const other = await createKey({});
    const created = (await create('mine', {}, owner.secret)).json();
    const id = created['id'] as string;
    const never = await call('GET', '/v1/responses/resp_0000000000000000000000000000000000000000000000ff', undefined, other.secret);
    for (const key of [other.secret, masterKey]) {
      const read = await call('GET', `/v1/responses/${id}`, undefined, key);
      expect(read.status).toBe(404);
      expect(read.json()).toMatchObject({ error: { code: 'not_found', type: 'invalid_request_error' } });
      expect(read.json()['error'].message).toBe(never.json()['error'].message.replace('resp_0000000000000000000000000000000000000000000000ff', id));
      expect((await call('GET', `/v1/responses/${id}/input_items`, undefined, key)).status).toBe(404);
      expect((await call('DELETE', `/v1/responses/${id}`, undefined, key)).status).toBe(404);
      const continued = await create('continue', { previous_response_id: id }, key);
      expect(continued.status).toBe(400);
      expect(continued.json()).toMatchObject({ error: { code: 'previous_response_not_found', param: 'previous_response_id' } });
    }
    // The owner still has it, untouched by the others' deletes.
    expect((await call('GET', `/v1/responses/${id}`, undefined, owner.secret)).json()).toEqual(created);
    expect((await call('DELETE', `/v1/responses/${id}`, undefined, owner.secret)).json()).toEqual({ id, object: 'response', deleted: true });
  });

  it('holds the budget before the call and answers 429 insufficient_quota when the maximum cost does not fit', async () => {
    const key = await createKey({ budget: { limit_usd: 0.05, period: 'total' } });
    // ~1,000 prompt tokens and up to 1,000 out at $100/M: a maximum of ~$0.2, over the $0.05 budget.
    const refused = await create('x'.repeat(4000), { max_output_tokens: 1000 }, key.secret);
    expect(refused.status).toBe(429);
    expect(refused.json()).toMatchObject({ error: { code: 'insufficient_quota' } });
    const served = await create('a short one', { max_output_tokens: 20 }, key.secret);
    expect(served.status).toBe(200);
    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(() => budgets.spent(`key:${key.id}`, new Date(0).toISOString()), { timeout: 10_000 }).toBeGreaterThan(0);
  });

  it('applies rate limits, answering 429 with Retry-After in OpenAI shape', async () => {
    const key = await createKey({ rpm: 1 });
    expect((await create('first', {}, key.secret)).status).toBe(200);
    const second = await create('second', {}, key.secret);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.json()).toMatchObject({ error: { type: 'rate_limit_error' } });
  });

  it('counts reading, listing and deleting stored responses, and counting input tokens, against the key\'s request limit', async () => {
    // They read the response store: without the limit, any valid key could hammer it.
    const limited = await createKey({ rpm: 4 });
    const made = await create('keep me', {}, limited.secret);
    expect(made.status).toBe(200);
    const id = made.json()['id'] as string;
    const read = await call('GET', `/v1/responses/${id}`, undefined, limited.secret);
    expect(read.status).toBe(200);
    expect(read.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    // Counting input tokens calls no provider, but is a request like the others.
    expect((await call('POST', '/v1/responses/input_tokens', { model: 'mock/echo', input: 'hi' }, limited.secret)).status).toBe(200);
    expect((await call('GET', `/v1/responses/${id}/input_items`, undefined, limited.secret)).status).toBe(200);
    expect((await call('POST', '/v1/responses/input_tokens', { model: 'mock/echo', input: 'hi' }, limited.secret)).status).toBe(429);
    const spam = await call('DELETE', `/v1/responses/${id}`, undefined, limited.secret);
    expect(spam.status).toBe(429);
    expect(spam.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(spam.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
  });

  it('replays a chat-cached answer as a Responses answer, whole and streamed, and stores it', async () => {
    const text = `cache me ${Date.now()}`;
    const first = await call('POST', '/v1/chat/completions', { model: 'mock/echo', messages: [{ role: 'user', content: text }] });
    expect(first.headers.get('x-switchyard-cache')).toBe('MISS');

    const whole = await create(text);
    expect(whole.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(whole.json()).toMatchObject({ object: 'response', status: 'completed', output: [{ type: 'message', content: [{ type: 'output_text', text }] }] });
    expect((await call('GET', `/v1/responses/${whole.json()['id']}`)).json()).toEqual(whole.json());

    const streamed = await create(text, { stream: true });
    expect(streamed.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(streamed.text).toMatch(/^event: response\.created\n/);
    const deltas = [...streamed.text.matchAll(/"type":"response\.output_text\.delta","item_id":"[^"]+","output_index":0,"content_index":0,"delta":("(?:[^"\\]|\\.)*")/g)].map((match) => JSON.parse(match[1]!) as string);
    expect(deltas.join('')).toBe(text);
    expect(streamed.text).toContain('event: response.completed');
  });

  it('falls back to the next deployment before the first byte, whole and streamed', async () => {
    const whole = await create('fall back', { model: 'story' });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('x-switchyard-attempts')).toBe('2');
    expect(whole.json()['model']).toMatch(/^mock\//);
    const streamed = await create('fall back streamed', { model: 'story', stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain('event: response.completed');
  });

  it("records each request in the ledger under the 'responses' endpoint, streams included", async () => {
    const before = records.length;
    await create('ledger whole');
    await create('ledger streamed', { stream: true });
    await expect.poll(() => records.length - before, { timeout: 10_000 }).toBe(2);
    for (const record of records.slice(before)) {
      expect(record).toMatchObject({ endpoint: 'responses', status: 200, requestedModel: 'mock/echo' });
      expect(record.usage?.outputTokens).toBeGreaterThan(0);
    }
  });
});

describe('the response store failing', () => {
  async function withStore(store: Partial<ResponseStore>, run: () => Promise<void>): Promise<void> {
    const runtime = gateway.gateway.runtime as { responses: ResponseStore };
    const original = runtime.responses;
    Object.defineProperty(runtime, 'responses', { value: { ...original, ...store, get: store.get ?? original.get.bind(original), put: store.put ?? original.put.bind(original), delete: store.delete ?? original.delete.bind(original) }, configurable: true, writable: true });
    try {
      await run();
    } finally {
      Object.defineProperty(runtime, 'responses', { value: original, configurable: true, writable: true });
    }
  }

  it('answers 503 store_unavailable when a previous response cannot be loaded, calling no provider', async () => {
    await withStore({ get: () => Promise.reject(new Error('connection refused')) }, async () => {
      const before = records.length;
      const answer = await create('continue', { previous_response_id: 'resp_abcdef' });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(answer.json()).toMatchObject({ error: { code: 'store_unavailable', type: 'server_error' } });
      expect(answer.text).not.toContain('connection refused');
      await expect.poll(() => records.slice(before).find((record) => record.endpoint === 'responses' && record.status === 503), { timeout: 10_000 }).toBeDefined();
      const record = records.slice(before).find((candidate) => candidate.endpoint === 'responses' && candidate.status === 503)!;
      expect(record.attempts).toHaveLength(0);
      expect(record.provider).toBeUndefined();
      expect((await call('GET', '/v1/responses/resp_abcdef')).status).toBe(503);
    });
  });

  // The failure counter sits where the gateway observes its store (packages/core/test/response-sweeper.test.ts
  // counts failed puts); this test swaps the observed store itself, so it checks the answer and the log.
  it('still answers when the finished response cannot be saved: the failure is logged', async () => {
    await withStore({ put: () => Promise.reject(new Error('disk full')) }, async () => {
      const whole = await create('not kept');
      expect(whole.status).toBe(200);
      const streamed = await create('not kept either', { stream: true });
      expect(streamed.text).toContain('event: response.completed');
    });
    expect(gateway.logLines.filter((line) => line.includes('a stored response could not be saved'))).toHaveLength(2);
  });
});

describe('/v1/responses refuses hostile input in OpenAI shape, never with a 5xx', () => {
  const refusals: Array<[string, () => ReturnType<typeof call>, number, string | null]> = [
    ['a number that overflows to Infinity', () => call('POST', '/v1/responses', '{"model":"mock/echo","input":"x","max_output_tokens":1e309}'), 400, null],
    ['JSON nested past limits.max_json_depth', () => call('POST', '/v1/responses', `{"model":"mock/echo","input":"x","metadata":${'['.repeat(500)}${']'.repeat(500)}}`), 400, null],
    ['a body that is not JSON', () => call('POST', '/v1/responses', '{"model":'), 400, null],
    ['a body over server.body_limit', () => create('x'.repeat(70_000)), 413, null],
    ['no key', () => create('x', {}, ''), 401, null],
    ['a built-in tool', () => create('x', { tools: [{ type: 'web_search' }] }), 400, 'tools[0].type'],
    ['an unknown item type', () => create([{ type: 'computer_call_output', call_id: 'c', output: {} }]), 400, 'input[0].type'],
    ['an unknown include', () => create('x', { include: ['secrets.all'] }), 400, 'include[0]'],
    ['an image by file id', () => create([{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }]), 400, 'input[0].content[0].image_url'],
    ['a previous_response_id of the wrong shape', () => create('x', { previous_response_id: '../../etc/passwd' }), 400, 'previous_response_id'],
    ['too much metadata', () => create('x', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_v, index) => [`k${index}`, 'v'])) }), 400, 'metadata'],
    ['background mode', () => create('x', { background: true }), 400, 'background'],
    ['a tool_choice naming no tool', () => create('x', { tools: [{ type: 'function', name: 'a', parameters: {} }], tool_choice: { type: 'function', name: 'b' } }), 400, 'tool_choice.name'],
    ['an id too long', () => call('GET', `/v1/responses/resp_${'a'.repeat(500)}`), 404, 'response_id'],
    ['an id of the wrong charset', () => call('GET', '/v1/responses/resp_%00%0d%0aX-Injected:%201'), 404, 'response_id'],
    ['a limit out of range', () => call('GET', '/v1/responses/resp_abc/input_items?limit=0'), 400, 'limit'],
    ['a limit that is not a number', () => call('GET', '/v1/responses/resp_abc/input_items?limit=1e309'), 400, 'limit'],
    ...['0x10', '%205%20', '1e1', '1_0', '10.0', '-0'].map((limit) => [`a limit written ${decodeURIComponent(limit)}`, () => call('GET', `/v1/responses/resp_abc/input_items?limit=${limit}`), 400, 'limit'] as [string, () => ReturnType<typeof call>, number, string | null]),
    ['an order that is not asc or desc', () => call('GET', '/v1/responses/resp_abc/input_items?order=sideways'), 400, 'order'],
    ['a repeated query parameter', () => call('GET', '/v1/responses/resp_abc/input_items?after=a&after=b'), 400, 'after'],
    ['stream=true on a stored response', () => call('GET', '/v1/responses/resp_abc?stream=true'), 400, 'stream'],
  ];
  it.each(refusals)('%s', async (_name, send, status, param) => {
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.json()).toMatchObject({ error: { message: expect.any(String), type: expect.any(String), code: expect.any(String) } });
    if (param !== null) expect(answer.json()['error'].param).toBe(param);
    expect(answer.text).not.toContain(masterKey);
    expect(answer.text).not.toContain('X-Injected');
  });

  it('answers other methods with 405 in OpenAI shape', async () => {
    for (const [method, route] of [['GET', '/v1/responses'], ['PUT', '/v1/responses/resp_abc'], ['POST', '/v1/responses/resp_abc/input_items']] as const) {
      const answer = await call(method, route);
      expect(answer.status, `${method} ${route}`).toBe(405);
      expect(answer.json()).toMatchObject({ error: { code: 'method_not_allowed', type: 'invalid_request_error' } });
      // The path as the API documents it, never Express's route syntax.
      expect(answer.json()['error']['message']).not.toContain(':id');
    }
  });

  it.each([
    ['POST', '/v1/responses/compact'],
    ['PUT', '/v1/responses/not-an-id/input_items'],
  ])('answers %s %s, a path the gateway does not serve (the SDK compact), with 404', async (method, route) => {
    // A 405 said the path exists with another method (and named it /v1/responses/:id).
    const answer = await call(method, route, {});
    expect(answer.status).toBe(404);
    expect(answer.json()).toMatchObject({ error: { code: 'not_found', type: 'invalid_request_error' } });
  });

  it('pages input_items with after and before', async () => {
    const created = (await create([
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'user', content: 'three' },
    ])).json();
    const all = (await call('GET', `/v1/responses/${created['id']}/input_items?order=asc`)).json();
    expect(all['data'].map((item: any) => item.content[0].text)).toEqual(['one', 'two', 'three']);
    const ids = all['data'].map((item: any) => item.id as string);
    const page = (await call('GET', `/v1/responses/${created['id']}/input_items?order=asc&limit=1&after=${ids[0]}`)).json();
    expect(page).toMatchObject({ object: 'list', first_id: ids[1], last_id: ids[1], has_more: true });
    const before = (await call('GET', `/v1/responses/${created['id']}/input_items?before=${ids[0]}`)).json();
    expect(before['data'].map((item: any) => item.id)).toEqual([ids[2], ids[1]]);
  });
});

describe("an app's own route with endpoint 'responses'", () => {
  it('puts a checked Responses body on the context, and refuses previous_response_id and bad bodies in OpenAI shape', async () => {
    const app = express();
    app.post('/agent', express.json(), contextMiddleware({ endpoint: 'responses' }), (_req, res) => {
      const context = getContext(res);
      if (context.translationRefusal) throw context.translationRefusal; // this route translates: only OpenAI runs built-in tools
      res.json({ model: context.chatRequest!.model, first: context.chatRequest!.messages[0], dialect: context.dialect?.name });
    });
    app.use(errorHandler({ dialect: openAIResponsesDialect }));
    const ok = await request(app).post('/agent').send({ model: 'm', instructions: 'Be brief.', input: 'hi' });
    expect(ok.body).toEqual({ model: 'm', first: { role: 'system', content: 'Be brief.' }, dialect: 'openai-responses' });
    const continued = await request(app).post('/agent').send({ model: 'm', input: 'hi', previous_response_id: 'resp_abc' });
    expect(continued.status).toBe(400);
    expect(continued.body).toMatchObject({ error: { code: 'invalid_request', param: 'previous_response_id' } });
    const bad = await request(app).post('/agent').send({ model: 'm', input: 'hi', tools: [{ type: 'web_search' }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { type: 'invalid_request_error', param: 'tools[0].type' } });
  });
});
