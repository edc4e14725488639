import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, type Gateway } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * An app that already parses bodies for its own routes (`app.use(express.json())`)
 * and mounts the gateway after that parser. The body's stream has been read by then:
 * the gateway waited for its end and the request hung until the client gave up.
 */
describe('the gateway router mounted behind a body parser of the host app', () => {
  let upstream: MockOpenAI;
  let gateway: Gateway;
  const chat = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };

  beforeAll(async () => {
    upstream = await startMockOpenAI({ apiKey: 'sk-upstream-0123456789' });
    gateway = await createGateway(
      { providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: upstream.url } }, chain: ['route', 'adapter'], log: { level: 'silent' } },
      { plugins: builtInPlugins, logger: createLogger({ level: 'silent' }) },
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
  });
  afterEach(() => upstream.reset());

  const appWith = (...parsers: express.RequestHandler[]) => {
    const app = express();
    app.use(...parsers);
    app.use('/ai', gateway.router);
    return app;
  };

  it('answers a chat request the host app parsed with express.json()', async () => {
    upstream.enqueue({ reply: { content: 'parsed before' } });
    const response = await request(appWith(express.json())).post('/ai/v1/chat/completions').send(chat);
    expect(response.status).toBe(200);
    expect(response.body.choices[0].message.content).toBe('parsed before');
    expect(upstream.requests).toHaveLength(1);
  });

  it("holds JSON the host parsed to the gateway's depth limit, which express.json() does not have", async () => {
    let deep: unknown = 'x';
    for (let level = 0; level < 100; level++) deep = [deep];
    const response = await request(appWith(express.json())).post('/ai/v1/chat/completions').send({ ...chat, metadata: { deep } });
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request' });
    expect(response.body.error.message).toContain('nested deeper');
    expect(upstream.requests).toHaveLength(0);
  });

  it('parses a body the host read as text (express.text) as its own', async () => {
    upstream.enqueue({ reply: { content: 'from text' } });
    const app = appWith(express.text({ type: '*/*' }));
    const response = await request(app).post('/ai/v1/chat/completions').set('content-type', 'application/json').send(JSON.stringify(chat));
    expect(response.status).toBe(200);
    expect(response.body.choices[0].message.content).toBe('from text');
    const broken = await request(app).post('/ai/v1/chat/completions').set('content-type', 'application/json').send('{"model":');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
  });

  it('refuses a form the host parsed (express.urlencoded) with 415 in OpenAI\'s shape, the provider never called', async () => {
    const response = await request(appWith(express.urlencoded({ extended: true })))
      .post('/ai/v1/chat/completions')
      .type('form')
      .send('model=openai/gpt-4o-mini&messages[0][role]=user&messages[0][content]=hi');
    expect(response.status).toBe(415);
    expect(response.body).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', code: 'unsupported_media_type', param: null } });
    expect(upstream.requests).toHaveLength(0);
  });
});
