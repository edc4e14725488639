import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins } from '@switchyard/cli';
import { contextMiddleware, createLogger, createSteps, errorHandler, getContext, type SwitchyardSteps } from '@switchyard/core';
import { hashApiKey } from '@switchyard/policy-keys';
import { rateLimit } from '@switchyard/policy-rate-limit';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const upstreamKey = 'sk-upstream-secret-0123456789';
const chatOnlyKey = 'sy-chat-only-key-0123456789abcdefgh';
const otherModelKey = 'sy-other-model-key-0123456789abcdef';
const freeKey = 'sy-free-key-0123456789abcdefghijklmn';

describe('an Express app protecting its own /api/summarize with Switchyard steps', () => {
  let upstream: MockOpenAI;
  let dataDir: string;
  let switchyard: SwitchyardSteps;
  let app: express.Express;
  let virtualKey: string;
  let keyId: string;

  beforeAll(async () => {
    upstream = await startMockOpenAI({ apiKey: upstreamKey });
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-embed-'));
    switchyard = await createSteps(
      {
        providers: { openai: { api_key: upstreamKey, base_url: upstream.url } },
        models: { summarizer: 'openai/gpt-4o-mini' },
        storage: { use: 'sqlite' },
        server: { data_dir: dataDir },
        usage: { flush_interval_ms: 10 },
        chain: ['auth', 'key-scope', 'rate-limit', 'route'],
        log: { level: 'silent' },
      },
      { plugins: builtInPlugins },
    );
    virtualKey = 'sy-embedded-app-key-0123456789abcdef';
    const created = await switchyard.runtime.storage!.keys.create(
      { name: 'summaries', team: 'docs', scope: { rpm: 2 } },
      { hash: hashApiKey(virtualKey), prefix: virtualKey.slice(0, 7) },
    );
    keyId = created.id;
    await switchyard.runtime.storage!.keys.create(
      { name: 'chat only', scope: { endpoints: ['chat'] } },
      { hash: hashApiKey(chatOnlyKey), prefix: chatOnlyKey.slice(0, 7) },
    );
    await switchyard.runtime.storage!.keys.create(
      { name: 'other model', scope: { models: ['openai/gpt-4o'] } },
      { hash: hashApiKey(otherModelKey), prefix: otherModelKey.slice(0, 7) },
    );
    await switchyard.runtime.storage!.keys.create({ name: 'free' }, { hash: hashApiKey(freeKey), prefix: freeKey.slice(0, 7) });

    app = express();
    app.get('/api/hello', (_req, res) => void res.json({ hello: 'open' }));
    app.post(
      '/api/summarize',
      express.json(),
      switchyard.step('auth'),
      switchyard.step('key-scope'),
      switchyard.step('rate-limit'),
      async (req, res) => {
        const text = String((req.body as { text?: unknown }).text ?? '');
        const answer = await switchyard.call(res, {
          model: 'summarizer',
          messages: [
            { role: 'system', content: 'Summarize in one line.' },
            { role: 'user', content: text },
          ],
        });
        const summary = answer.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
        res.json({ summary, tokens: answer.usage.outputTokens });
      },
    );
    const protect = [switchyard.step('auth'), switchyard.step('key-scope'), switchyard.step('rate-limit')];
    app.post('/api/title-and-summary', express.json(), ...protect, async (_req, res) => {
      const ask = async (content: string) => {
        const answer = await switchyard.call(res, { model: 'summarizer', messages: [{ role: 'user', content }] });
        return answer.content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('');
      };
      res.json({ title: await ask('title please'), summary: await ask('summary please') });
    });
    app.post('/api/stream', express.json(), ...protect, async (_req, res) => {
      let text = '';
      for await (const part of await switchyard.stream(res, { model: 'summarizer', messages: [{ role: 'user', content: 'stream it' }] })) {
        if (part.type === 'text-delta') text += part.delta;
      }
      res.json({ text });
    });
    app.use(switchyard.errorHandler());
  });

  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  afterEach(() => upstream.reset());

  it("leaves the app's other routes alone", async () => {
    const response = await request(app).get('/api/hello');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ hello: 'open' });
  });

  it('refuses a request without a key, OpenAI-shaped, and never calls the provider', async () => {
    const response = await request(app).post('/api/summarize').send({ text: 'hello' });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { message: expect.any(String), type: 'authentication_error', code: 'missing_api_key', param: null } });
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses an unknown key with 401 invalid_api_key', async () => {
    const response = await request(app).post('/api/summarize').set('authorization', 'Bearer sy-not-a-real-key-000000000000').send({ text: 'hello' });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_api_key');
  });

  it("refuses a key scoped to other endpoints with 403 endpoint_not_allowed: the app's route is 'custom'", async () => {
    const response = await request(app).post('/api/summarize').set('authorization', `Bearer ${chatOnlyKey}`).send({ text: 'hello' });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('endpoint_not_allowed');
    expect(upstream.requests).toHaveLength(0);
  });

  it("summarizes through the provider for a virtual key, then limits the key to its rpm with 429 and Retry-After", async () => {
    upstream.enqueue({ reply: { content: 'A short summary.' } });
    const first = await request(app)
      .post('/api/summarize')
      .set('authorization', `Bearer ${virtualKey}`)
      .send({ text: 'A very long document about rate limits.' });
    expect(first.status).toBe(200);
    expect(first.body.summary).toBe('A short summary.');
    expect(first.headers['x-request-id']).toMatch(/^req_/);
    expect(first.headers['x-ratelimit-limit-requests']).toBe('2');
    // The provider saw the app's prompt under the upstream key; the client never sent either.
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${upstreamKey}`);
    expect(JSON.stringify(upstream.requests[0]!.body)).toContain('A very long document about rate limits.');
    expect((upstream.requests[0]!.body as { model: string }).model).toBe('gpt-4o-mini');

    const second = await request(app).post('/api/summarize').set('authorization', `Bearer ${virtualKey}`).send({ text: 'two' });
    expect(second.status).toBe(200);
    const third = await request(app).post('/api/summarize').set('authorization', `Bearer ${virtualKey}`).send({ text: 'three' });
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('rate_limit_exceeded');
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(upstream.requests).toHaveLength(2);
  });

  it("refuses a call for a model outside the key's scope with 403 model_not_allowed, before the provider", async () => {
    const response = await request(app).post('/api/summarize').set('authorization', `Bearer ${otherModelKey}`).send({ text: 'hello' });
    expect(response.status).toBe(403);
    expect(response.body.error).toMatchObject({ code: 'model_not_allowed', param: 'model' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('makes two calls on one request, each routed afresh', async () => {
    upstream.enqueue({ reply: { content: 'The Title' } }, { reply: { content: 'The summary.' } });
    const response = await request(app).post('/api/title-and-summary').set('authorization', `Bearer ${freeKey}`).send({});
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ title: 'The Title', summary: 'The summary.' });
    expect(upstream.requests.map((recorded) => (recorded.body as { model: string }).model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini']);
  });

  it('streams a call as typed parts', async () => {
    upstream.enqueue({ reply: { content: 'one two three' } });
    const response = await request(app).post('/api/stream').set('authorization', `Bearer ${freeKey}`).send({});
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ text: 'one two three' });
    expect((upstream.requests[0]!.body as { stream: boolean }).stream).toBe(true);
  });

  it('records the usage of the provider calls in the ledger under the key and the provider', async () => {
    const ledger = switchyard.runtime.storage!.ledger;
    const query = { groupBy: 'provider' as const, from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z', keyId };
    // Records are written in batches off the request path (every 10 ms here).
    await expect.poll(async () => (await ledger.query(query)).find((row) => row.group === 'openai')?.requests, { timeout: 5000 }).toBe(2);
    const [openai] = (await ledger.query(query)).filter((row) => row.group === 'openai');
    expect(openai!.inputTokens).toBeGreaterThan(0);
    expect(openai!.outputTokens).toBeGreaterThan(0);
  });
});

describe('rate-limit mounted alone on a route that is not AI', () => {
  let switchyard: SwitchyardSteps;

  beforeAll(async () => {
    switchyard = await createSteps(
      { providers: {}, chain: [{ 'rate-limit': { limits: { global: { rpm: 2 } } } }], log: { level: 'silent' } },
      { plugins: builtInPlugins },
    );
  });
  afterAll(() => switchyard?.close());

  it('lets requests through up to the limit, then answers 429 with Retry-After in the OpenAI shape', async () => {
    const app = express();
    app.get('/reports/export', switchyard.step('rate-limit'), (_req, res) => void res.json({ rows: 3 }));
    app.use(switchyard.errorHandler());

    for (let index = 0; index < 2; index++) {
      const ok = await request(app).get('/reports/export');
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ rows: 3 });
    }
    const refused = await request(app).get('/reports/export');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(refused.body).toEqual({ error: { message: expect.stringContaining('per minute'), type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } });
  });

  it('says at setup which steps the chain has when asked for one it lacks', () => {
    expect(switchyard.stepNames).toEqual(['rate-limit']);
    expect(() => switchyard.step('auth')).toThrow(/no 'auth' step.*rate-limit/);
  });
});

describe('contextMiddleware() for steps built by hand', () => {
  let switchyard: SwitchyardSteps;
  beforeAll(async () => {
    // Only for a runtime to build the hand-made step with.
    switchyard = await createSteps({ providers: {}, chain: ['adapter'], log: { level: 'silent' } }, { plugins: builtInPlugins });
  });
  afterAll(() => switchyard?.close());

  it('gives a step built with plugin(options).build(runtime) the context it needs', async () => {
    const limited = rateLimit({ limits: { global: { rpm: 1 } } }).build(switchyard.runtime);
    const app = express();
    app.get('/x', contextMiddleware(), limited, (_req, res) => void res.json({ ok: true }));
    app.use(errorHandler());
    expect((await request(app).get('/x')).status).toBe(200);
    const refused = await request(app).get('/x');
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limit_exceeded');
  });

  it("with endpoint 'chat', puts a checked OpenAI body on the context and refuses a bad one with 400", async () => {
    const app = express();
    app.post('/chat', express.json(), contextMiddleware({ endpoint: 'chat' }), (_req, res) => {
      const context = getContext(res);
      res.json({ model: context.chatRequest!.model, messages: context.chatRequest!.messages.length, endpoint: context.endpoint });
    });
    app.post('/unparsed', contextMiddleware({ endpoint: 'chat' }), (_req, res) => void res.json({}));
    app.use(errorHandler());

    const ok = await request(app).post('/chat').send({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.body).toEqual({ model: 'm', messages: 1, endpoint: 'chat' });
    const bad = await request(app).post('/chat').send({ model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 'hot' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' });
    const unparsed = await request(app).post('/unparsed').send({ model: 'm' });
    expect(unparsed.status).toBe(400);
    expect(unparsed.body.error.code).toBe('invalid_json');
  });

  it("answers a step's error thrown before any context in the OpenAI shape too", async () => {
    const app = express();
    app.get('/boom', () => {
      throw new Error('secret detail sk-should-not-leak');
    });
    app.use(errorHandler({ logger: createLogger({ level: 'silent' }) }));
    const response = await request(app).get('/boom');
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('internal_error');
    expect(response.text).not.toContain('sk-should-not-leak');
  });
});
