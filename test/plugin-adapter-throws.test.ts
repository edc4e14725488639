import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, defineProvider, type Gateway, type RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const upstreamKey = 'sk-plugin-upstream-0123456789';

/**
 * An HTTP provider plugin whose own code throws a plain error (a TypeError, JSON.parse)
 * while reading an answer the upstream did send: its parseResponse meeting a shape it
 * did not expect, its mapError parsing an error body that is not JSON. A stream
 * decoder doing the same was already an upstream_invalid_response; these were a 500
 * internal_error, saying the gateway failed when the upstream's answer was at fault.
 */
describe('a provider plugin whose parseResponse or mapError throws a plain error', () => {
  let upstream: MockOpenAI;
  let gateway: Gateway;
  let app: express.Express;
  const waiters: Array<(record: RequestRecord) => void> = [];
  const nextRecord = () => new Promise<RequestRecord>((resolve) => waiters.push(resolve));

  beforeAll(async () => {
    upstream = await startMockOpenAI({ apiKey: upstreamKey });
    const base = new URL(upstream.url);
    const brittle = defineProvider({
      name: 'brittle',
      optionsSchema: { type: 'object' },
      create: () => ({
        chat: {
          buildRequest: (chat, model) => ({
            origin: base.origin,
            path: `${base.pathname.replace(/\/$/, '')}/chat/completions`,
            method: 'POST',
            headers: { authorization: `Bearer ${upstreamKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], stream: chat.stream }),
          }),
          // Written for an answer with `output`: OpenAI's answer has none.
          parseResponse: (body) => {
            const output = (body as { output: { text: string } }).output;
            return { id: 'x', model: 'm', created: 0, content: [{ type: 'text', text: output.text }], finishReason: { unified: 'stop' }, usage: undefined };
          },
          createStreamDecoder: () => ({ decode: () => [], end: () => [] }),
        },
        mapError: (response) => {
          throw new SyntaxError(`Unexpected token in ${response.bodyText}`);
        },
      }),
    });
    gateway = await createGateway(
      {
        providers: { brittle: {} },
        models: { once: { deployments: [{ target: 'brittle/gpt-4o-mini' }], retries: { attempts: 0 } } },
        chain: ['route', 'adapter'],
        log: { level: 'silent' },
      },
      { plugins: [...builtInPlugins, brittle], logger: createLogger({ level: 'silent' }) },
    );
    gateway.runtime.onRequestFinished((record) => waiters.shift()?.(record));
    app = express();
    app.use(gateway.router);
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  const ask = () => request(app).post('/v1/chat/completions').send({ model: 'once', messages: [{ role: 'user', content: 'hi' }] });

  it('answers an answer its parseResponse cannot read with 502 upstream_invalid_response, recorded as such', async () => {
    upstream.enqueue({ reply: { content: 'fine' } });
    const record = nextRecord();
    const response = await ask();
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ error: { message: 'The brittle upstream sent an answer the gateway could not read.', type: 'server_error', code: 'upstream_invalid_response', param: null } });
    expect((await record).errorCode).toBe('upstream_invalid_response');
  });

  it('maps an error its mapError cannot read by the status alone', async () => {
    upstream.enqueue({ status: 401, body: '<html>bad key</html>' });
    const response = await ask();
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('upstream_authentication_failed');
  });
});
