import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * A key's scope on every endpoint that names a model: chat, embeddings, responses,
 * messages, messages' count_tokens, and the models list and retrieve. A key scoped to
 * one model could count tokens for any other (count_tokens checked only the endpoint),
 * and a group's fallback the key may not use was called when the group failed.
 */
let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-scope-endpoints-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    // `broken` always fails (retryable), so `story` goes on to its fallback.
    providers: {
      mock: { models: ['echo', 'other'] },
      broken: { use: 'mock', fail: 'server_error', models: ['echo'] },
      // Chat only, never called: the port is closed.
      claude: { use: 'anthropic', api_key: 'sk-ant-test-abcdefgh', base_url: 'http://127.0.0.1:9' },
    },
    models: {
      cheap: 'mock/echo',
      story: { deployments: [{ target: 'broken/echo' }], retries: { attempts: 0 }, fallbacks: ['cheap'] },
      // A cheap group whose fallback costs a thousand times as much.
      costly: { deployments: [{ target: 'broken/echo' }], retries: { attempts: 0 }, fallbacks: ['mock/other'] },
      // A cheap embedder in a group with a dear chat model, which cannot serve embeddings.
      mixed: { deployments: [{ target: 'claude/claude-sonnet-4-5' }, { target: 'mock/echo' }] },
    },
    prices: {
      'broken/echo': { input: 1, output: 1 },
      'mock/other': { input: 1000, output: 1000 },
      'mock/echo': { input: 1, output: 1 },
      'claude/claude-sonnet-4-5': { input: 1000, output: 1000 },
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const admin = adminCaller(() => gateway.origin, masterKey);

async function createKey(scope: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const created = await admin('POST', '/keys', { name: `scope-${Math.random().toString(36).slice(2, 10)}`, scope });
  expect(created.status).toBe(201);
  return { id: created.body['key'].id as string, secret: created.body['secret'] as string };
}

/** A key that expired yesterday, written to the store as one created with `expires_in` would be by now (the admin API refuses a past expiry). */
async function createExpiredKey(): Promise<string> {
  const secret = `sy-${randomBytes(20).toString('hex')}`;
  await gateway.gateway.runtime.storage!.keys.create(
    { name: 'expired', tags: [], scope: { models: ['mock/echo'], expiresAt: new Date(Date.now() - 86_400_000).toISOString() } },
    { hash: createHash('sha256').update(secret).digest('hex'), prefix: secret.slice(0, 7) },
  );
  return secret;
}

async function call(method: string, route: string, key: string, body?: unknown) {
  const response = await fetch(`${gateway.origin}${route}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'anthropic-version': '2023-06-01', ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: () => JSON.parse(text) as Record<string, any> };
}

/** One request per model endpoint, naming `model`. */
const modelCalls = [
  ['chat', '/v1/chat/completions', (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })],
  ['embeddings', '/v1/embeddings', (model: string) => ({ model, input: 'hi' })],
  ['responses', '/v1/responses', (model: string) => ({ model, input: 'hi' })],
  ['messages', '/v1/messages', (model: string) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })],
  ['count_tokens', '/v1/messages/count_tokens', (model: string) => ({ model, messages: [{ role: 'user', content: 'hi' }] })],
  ['input_tokens', '/v1/responses/input_tokens', (model: string) => ({ model, input: 'hi' })],
] as const;

/** The endpoints that count tokens and call no model. */
const counts = (name: string) => name === 'count_tokens' || name === 'input_tokens';

describe("a key scoped to one model, on each endpoint that names one", () => {
  it.each(modelCalls)('%s: another model is 403 model_not_allowed in the dialect’s shape; its own is served', async (_name, route, body) => {
    const { secret } = await createKey({ models: ['mock/echo'] });
    const outside = await call('POST', route, secret, body('mock/other'));
    expect(outside.status).toBe(403);
    const error = outside.json()['error'] as Record<string, unknown>;
    expect(error).toMatchObject({ type: 'permission_error', code: 'model_not_allowed' });
    expect(error['message']).toContain("'mock/other'");
    expect((await call('POST', route, secret, body('mock/echo'))).status).toBe(200);
  });

  it.each(modelCalls)('%s: an expired or a revoked key is 401 with its own code', async (_name, route, body) => {
    const late = await call('POST', route, await createExpiredKey(), body('mock/echo'));
    expect(late.status).toBe(401);
    expect(late.json()['error']).toMatchObject({ code: 'key_expired' });

    const revoked = await createKey({ models: ['mock/echo'] });
    expect((await admin('POST', `/keys/${revoked.id}/revoke`)).status).toBe(200);
    const gone = await call('POST', route, revoked.secret, body('mock/echo'));
    expect(gone.status).toBe(401);
    expect(gone.json()['error']).toMatchObject({ code: 'key_revoked' });
  });

  it('a token count for an alias the key may use is counted; for the alias’s target, 403; on a chat-only key, endpoint_not_allowed', async () => {
    const { secret } = await createKey({ models: ['cheap'], endpoints: ['messages'] });
    const counted = await call('POST', '/v1/messages/count_tokens', secret, { model: 'cheap', messages: [{ role: 'user', content: 'hi' }] });
    expect(counted.status).toBe(200);
    expect(counted.json()['input_tokens']).toBeGreaterThan(0);
    const target = await call('POST', '/v1/messages/count_tokens', secret, { model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
    expect(target.status).toBe(403);
    const chatOnly = await createKey({ models: ['cheap'], endpoints: ['chat'] });
    const refused = await call('POST', '/v1/messages/count_tokens', chatOnly.secret, { model: 'cheap', messages: [{ role: 'user', content: 'hi' }] });
    expect(refused.json()['error']).toMatchObject({ code: 'endpoint_not_allowed' });
  });
});

describe('a key whose budget is $0', () => {
  it.each(modelCalls)('%s: a model call is 429 insufficient_quota; a token count, which calls none, is served', async (name, route, body) => {
    const { secret } = await createKey({ models: ['mock/echo'], budget: { limit_usd: 0, period: 'total' } });
    const answer = await call('POST', route, secret, body('mock/echo'));
    if (counts(name)) {
      expect(answer.status).toBe(200);
      return;
    }
    expect(answer.status).toBe(429);
    expect(answer.json()['error']).toMatchObject({ code: 'insufficient_quota' });
  });

  it('still lists its models', async () => {
    const { secret } = await createKey({ models: ['mock/echo'], budget: { limit_usd: 0, period: 'total' } });
    expect((await call('GET', '/v1/models', secret)).status).toBe(200);
  });
});

describe('the models list and retrieve show only what the key may use', () => {
  it('are served to a key whose endpoints call a model but leave out `models`, through both SDKs, with only the key’s models', async () => {
    const { secret } = await createKey({ models: ['mock/echo'], endpoints: ['messages', 'responses'] });
    const anthropic = new Anthropic({ apiKey: secret, baseURL: gateway.origin, maxRetries: 0 });
    const anthropicIds: string[] = [];
    for await (const model of anthropic.models.list()) anthropicIds.push(model.id);
    expect(anthropicIds).toEqual(['mock/echo']);
    expect((await anthropic.models.retrieve('mock/echo')).id).toBe('mock/echo');
    await expect(anthropic.models.retrieve('mock/other')).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    const openai = new OpenAI({ apiKey: secret, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    const openaiIds: string[] = [];
    for await (const model of openai.models.list()) openaiIds.push(model.id);
    expect(openaiIds).toEqual(['mock/echo']);
    // Its endpoints still bind its model calls.
    const chat = await openai.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(chat).toMatchObject({ status: 403, code: 'endpoint_not_allowed' });
  });

  it('are refused to a key that may use no endpoint (endpoints: []); a key that may only list still lists', async () => {
    const { secret } = await createKey({ endpoints: [] });
    const listed = await call('GET', '/v1/models', secret);
    expect(listed.status).toBe(403);
    expect(listed.json()['error']).toMatchObject({ type: 'permission_error', code: 'endpoint_not_allowed' });
    const listOnly = await createKey({ models: ['mock/echo'], endpoints: ['models'] });
    expect((await call('GET', '/v1/models', listOnly.secret)).json()['data']).toHaveLength(1);
  });

  it('lists and retrieves the key’s models; another is 404 as if it did not exist', async () => {
    const { secret } = await createKey({ models: ['mock/echo'] });
    const listed = await call('GET', '/v1/models', secret);
    expect(listed.status).toBe(200);
    expect((listed.json()['data'] as Array<{ id: string }>).map((model) => model.id)).toEqual(['mock/echo']);
    expect((await call('GET', '/v1/models/mock/echo', secret)).status).toBe(200);
    const other = await call('GET', '/v1/models/mock/other', secret);
    expect(other.status).toBe(404);
    expect(other.json()['error']).toMatchObject({ code: 'model_not_found' });

    const aliasOnly = await createKey({ models: ['cheap'] });
    expect(((await call('GET', '/v1/models', aliasOnly.secret)).json()['data'] as Array<{ id: string }>).map((model) => model.id)).toEqual(['cheap']);
    expect((await call('GET', '/v1/models/mock/echo', aliasOnly.secret)).status).toBe(404);

    const all = (await call('GET', '/v1/models', masterKey)).json()['data'] as Array<{ id: string }>;
    expect(all.map((model) => model.id)).toEqual(expect.arrayContaining(['mock/echo', 'mock/other']));
  });

  it('an expired key lists nothing: 401 key_expired', async () => {
    const listed = await call('GET', '/v1/models', await createExpiredKey());
    expect(listed.status).toBe(401);
    expect(listed.json()['error']).toMatchObject({ code: 'key_expired' });
  });
});
describe("a group's fallbacks under a key's model scope", () => {
  it.each(modelCalls.filter(([name]) => !counts(name)))('%s: a fallback outside the key’s models is not called; the group’s own failure is the answer', async (_name, route, body) => {
    const { secret } = await createKey({ models: ['story'] });
    const answer = await call('POST', route, secret, body('story'));
    expect(answer.status).toBe(502);
    expect(answer.headers.get('x-switchyard-provider')).toBe('broken');
    expect(answer.headers.get('x-switchyard-attempts')).toBe('1');
  });

  it.each(modelCalls.filter(([name]) => !counts(name)))('%s: a fallback the key may use serves the request', async (_name, route, body) => {
    const { secret } = await createKey({ models: ['story', 'cheap'] });
    const answer = await call('POST', route, secret, body('story'));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-switchyard-model')).toBe('mock/echo');
    expect(answer.headers.get('x-switchyard-attempts')).toBe('2');
  });

  it('a fallback the key may not use does not size its budget hold: the request is tried, not refused for what it cannot reach', async () => {
    // max_tokens 1000 at $1000 a million is $1 at mock/other, over the $0.01 budget; $0.001 at broken/echo.
    const chat = { model: 'costly', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] };
    const groupOnly = await createKey({ models: ['costly'], budget: { limit_usd: 0.01, period: 'daily' } });
    const tried = await call('POST', '/v1/chat/completions', groupOnly.secret, chat);
    expect(tried.status).toBe(502);
    expect(tried.headers.get('x-switchyard-provider')).toBe('broken');

    const both = await createKey({ models: ['costly', 'mock/other'], budget: { limit_usd: 0.01, period: 'daily' } });
    const refused = await call('POST', '/v1/chat/completions', both.secret, chat);
    expect(refused.status).toBe(429);
    expect(refused.json()['error']).toMatchObject({ code: 'insufficient_quota', param: 'max_tokens' });
  });
});

describe('a group holding a deployment whose provider does not offer the operation', () => {
  it('an embeddings request: the chat model\'s price does not size the hold, so a budget the request fits serves it', async () => {
    const { secret } = await createKey({ models: ['mixed'], budget: { limit_usd: 0.01, period: 'daily' } });
    // 'hi' at $1 a million is far under $0.01; any answer at claude's $1000 a million, with no max_tokens, is not.
    const answer = await call('POST', '/v1/embeddings', secret, { model: 'mixed', input: 'hi' });
    expect(answer.json()['error']).toBeUndefined();
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-switchyard-model')).toBe('mock/echo');

    // The chat model still sizes a chat request's hold: refused for the same budget.
    const chat = await call('POST', '/v1/chat/completions', secret, { model: 'mixed', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.status).toBe(429);
    expect(chat.json()['error']).toMatchObject({ code: 'insufficient_quota' });
  });
});
