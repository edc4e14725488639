import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins } from '@switchyard/cli';
import { createSteps, type SwitchyardSteps } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The full header set of every kind of answer, as the client receives it: which
 * headers, and their values where those do not change from run to run. Whichever
 * way the gateway assembles its headers, each answer must carry exactly these.
 */
type HeaderSet = Record<string, string>;

const volatile: Record<string, (value: string) => string> = {
  date: () => '<date>',
  'x-request-id': (value) => (/^req_[0-9a-f]{32}$/.test(value) ? '<request-id>' : value),
  'request-id': (value) => (/^req_[0-9a-f]{32}$/.test(value) ? '<request-id>' : value),
  age: (value) => (/^\d+$/.test(value) ? '<seconds>' : value),
  'content-length': (value) => (/^\d+$/.test(value) ? '<bytes>' : value),
  'x-ratelimit-reset-requests': (value) => (/^[\d.]+m?s$|^\d+m[\d.]+s$/.test(value) ? '<duration>' : value),
  'x-ratelimit-reset-tokens': (value) => (/^[\d.]+m?s$|^\d+m[\d.]+s$/.test(value) ? '<duration>' : value),
};

/** Every header of an answer, names in order, values that vary masked. */
function headerSet(headers: Headers | Record<string, string | string[] | undefined>): HeaderSet {
  const entries: Array<[string, string]> =
    headers instanceof Headers ? [...headers.entries()] : Object.entries(headers).map(([name, value]) => [name, String(value)]);
  const set: HeaderSet = {};
  for (const [name, value] of entries.sort(([a], [b]) => a.localeCompare(b))) set[name] = volatile[name]?.(value) ?? value;
  return set;
}

/** Reads an answer to its end, checks its status, and gives its header set. */
async function answered(response: Response, status: number): Promise<HeaderSet> {
  await response.text();
  expect(response.status).toBe(status);
  return headerSet(response.headers);
}

const jsonAnswer = { 'content-type': 'application/json; charset=utf-8', 'content-length': '<bytes>', connection: 'keep-alive', 'keep-alive': 'timeout=5', date: '<date>' };
const streamAnswer = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Written by Node, as for a whole answer: keep-alive since the client did not ask to close.
  connection: 'keep-alive',
  'keep-alive': 'timeout=5',
  'x-accel-buffering': 'no',
  'transfer-encoding': 'chunked',
  date: '<date>',
};
/**
 * A key of team `app`, whose own limit (rpm 1000) its headers show; a model's limit and the
 * gateway's are shared by every caller and never shown (plugins/policy-rate-limit/README.md).
 */
const appKey = 'sy-app-team-key-0123456789abcdef';
const appTeam = { keys: [{ name: 'app', key: appKey, team: 'app' }] };
const rateLimit = { 'x-ratelimit-limit-requests': '1000', 'x-ratelimit-remaining-requests': expect.stringMatching(/^\d+$/), 'x-ratelimit-reset-requests': '<duration>' };
const routed = { 'x-switchyard-route': 'assistant', 'x-switchyard-provider': 'openai', 'x-switchyard-model': 'openai/gpt-4o-mini', 'x-switchyard-attempts': '1' };

describe('the headers of each kind of answer of the full chain', () => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  let dataDir: string;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-answer-headers-'));
    gateway = await startTestGateway({
      server: { data_dir: dataDir, cost_header: true },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
      providers: { openai: { api_key: 'sk-openai-test-abcdefgh', base_url: upstream.url } },
      models: {
        assistant: 'openai/gpt-4o-mini',
        limited: 'openai/gpt-4o',
        fragile: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 1, backoff_ms: 1 } },
      },
      chain: [
        { auth: appTeam },
        'key-scope',
        { 'rate-limit': { limits: { teams: { app: { rpm: 1000 } }, global: { rpm: 100_000 }, models: { limited: { rpm: 1 } } } } },
        'circuit-breaker',
        'cache',
        'route',
        'adapter',
      ],
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const post = (urlPath: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    fetch(`${gateway.origin}${urlPath}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const chat = (content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    post('/v1/chat/completions', { model: 'assistant', messages: [{ role: 'user', content }], temperature: 0, ...extra }, headers);

  it('a whole answer (a cache miss), then the same question answered from the cache', async () => {
    const miss = await chat('whole question');
    expect(await answered(miss, 200)).toEqual({ ...jsonAnswer, 'x-request-id': '<request-id>', ...rateLimit, ...routed, 'x-switchyard-cache': 'MISS', 'x-switchyard-cost': expect.stringMatching(/^0\.\d+$/) });

    const hit = await chat('whole question');
    expect(await answered(hit, 200)).toEqual({
      ...jsonAnswer,
      'x-request-id': '<request-id>',
      ...rateLimit,
      ...routed,
      'x-switchyard-attempts': '0',
      'x-switchyard-cache': 'HIT',
      age: '<seconds>',
      'x-switchyard-cost': '0',
    });
  });

  it('a stream (a cache miss), then the same question replayed from the cache as a stream', async () => {
    const miss = await chat('streamed question', { stream: true });
    expect(await answered(miss, 200)).toEqual({ ...streamAnswer, 'x-request-id': '<request-id>', ...rateLimit, ...routed, 'x-switchyard-cache': 'MISS' });

    const hit = await chat('streamed question', { stream: true });
    expect(await answered(hit, 200)).toEqual({
      ...streamAnswer,
      'x-request-id': '<request-id>',
      ...rateLimit,
      ...routed,
      'x-switchyard-attempts': '0',
      'x-switchyard-cache': 'HIT',
      age: '<seconds>',
    });
  });

  it('the fast path, whole and streamed (nothing stored: the answer passes through)', async () => {
    const whole = await chat('fast whole', {}, { 'cache-control': 'no-store' });
    expect(await answered(whole, 200)).toEqual({
      ...jsonAnswer,
      'x-request-id': '<request-id>',
      ...rateLimit,
      ...routed,
      'x-switchyard-path': 'fast',
      'x-switchyard-cache': 'MISS',
      'x-switchyard-cost': expect.stringMatching(/^0\.\d+$/),
    });

    const streamed = await chat('fast stream', { stream: true }, { 'cache-control': 'no-store', 'x-request-id': 'client-trace-1' });
    expect(await answered(streamed, 200)).toEqual({
      ...streamAnswer,
      'x-request-id': '<request-id>',
      'x-client-request-id': 'client-trace-1',
      ...rateLimit,
      ...routed,
      'x-switchyard-path': 'fast',
      'x-switchyard-cache': 'MISS',
    });
  });

  it("an error before the adapter: no key, and a model that does not exist", async () => {
    const noKey = await fetch(`${gateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'client-trace-2' },
      body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }),
    });
    // Refused before its body was read: the connection is not reused.
    expect(await answered(noKey, 401)).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': '<bytes>',
      connection: 'close',
      date: '<date>',
      'x-request-id': '<request-id>',
      'x-client-request-id': 'client-trace-2',
    });

    const unknown = await post('/v1/chat/completions', { model: 'nobody', messages: [{ role: 'user', content: 'hi' }] });
    expect(await answered(unknown, 404)).toEqual({ ...jsonAnswer, 'x-request-id': '<request-id>', ...rateLimit });
  });

  it('an error after the adapter: the upstream failed', async () => {
    // A 400 is not retried: one attempt, then the error.
    upstream.enqueue({ status: 400, body: { error: { message: 'bad', type: 'invalid_request_error', code: null, param: null } } });
    const failed = await post('/v1/chat/completions', { model: 'fragile', messages: [{ role: 'user', content: 'fail please' }] });
    expect(await answered(failed, 400)).toEqual({
      ...jsonAnswer,
      'x-request-id': '<request-id>',
      ...rateLimit,
      ...routed,
      'x-switchyard-route': 'fragile',
      'x-switchyard-cache': 'MISS',
    });
  });

  it('a 429 from the rate limiter, with retry-after', async () => {
    const first = await post('/v1/chat/completions', { model: 'limited', messages: [{ role: 'user', content: 'one' }] });
    await first.text();
    expect(first.status).toBe(200);
    const refused = await post('/v1/chat/completions', { model: 'limited', messages: [{ role: 'user', content: 'two' }] });
    // Refused by the model's limit, shared by every caller: the key's own counts, and when to come back.
    expect(await answered(refused, 429)).toEqual({
      ...jsonAnswer,
      'x-request-id': '<request-id>',
      ...rateLimit,
      'retry-after': expect.stringMatching(/^\d+$/),
    });
  });

  it("Anthropic's Messages endpoint, whole", async () => {
    const answer = await post('/v1/messages', { model: 'assistant', max_tokens: 64, messages: [{ role: 'user', content: 'messages question' }] });
    expect(await answered(answer, 200)).toEqual({
      ...jsonAnswer,
      'x-request-id': '<request-id>',
      // The same id, where Anthropic's SDKs read it.
      'request-id': '<request-id>',
      ...rateLimit,
      ...routed,
      'x-switchyard-cache': 'MISS',
      'x-switchyard-cost': expect.stringMatching(/^0\.\d+$/),
    });
  });
});

describe('the headers of an answer written by an app behind embedded steps', () => {
  let upstream: MockOpenAI;
  let switchyard: SwitchyardSteps;
  let app: express.Express;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    switchyard = await createSteps(
      {
        master_key: masterKey,
        providers: { openai: { api_key: 'sk-openai-test-abcdefgh', base_url: upstream.url } },
        models: { assistant: 'openai/gpt-4o-mini' },
        chain: [{ auth: appTeam }, { 'rate-limit': { limits: { teams: { app: { rpm: 1000 } } } } }, 'route'],
        log: { level: 'silent' },
      },
      { plugins: builtInPlugins },
    );
    app = express();
    app.disable('x-powered-by');
    app.post('/api/ask', express.json(), switchyard.step('auth'), switchyard.step('rate-limit'), async (_req, res) => {
      const answer = await switchyard.call(res, { model: 'assistant', messages: [{ role: 'user', content: 'embedded question' }] });
      res.json({ tokens: answer.usage.outputTokens });
    });
    app.use(switchyard.errorHandler());
  });
  afterAll(async () => {
    await switchyard?.close();
    await upstream?.close();
  });

  it("the app's own answer carries the steps' headers", async () => {
    const answer = await request(app).post('/api/ask').set('authorization', `Bearer ${appKey}`).send({});
    expect(answer.status).toBe(200);
    expect(headerSet(answer.headers as Record<string, string>)).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': '<bytes>',
      connection: 'close',
      date: '<date>',
      etag: expect.stringMatching(/^W\/"/),
      'x-request-id': '<request-id>',
      ...rateLimit,
      'x-switchyard-route': 'assistant',
    });
  });

  it('a refusal by a step, answered by the error handler', async () => {
    const refused = await request(app).post('/api/ask').send({});
    expect(refused.status).toBe(401);
    expect(headerSet(refused.headers as Record<string, string>)).toEqual({
      'content-type': 'application/json; charset=utf-8',
      'content-length': '<bytes>',
      connection: 'close',
      date: '<date>',
      'x-request-id': '<request-id>',
    });
  });
});
