import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ExampleApp } from '../src/create-app.js';

const tokens = new Map([['token-ada', { id: 'u1', name: 'Ada', team: 'research' }]]);
const serviceKey = 'sy-test-summarize-key-0123456789abc';
let example: ExampleApp;

beforeAll(async () => {
  example = await createApp(tokens, { LOG_LEVEL: 'silent', SUMMARIZE_KEY: serviceKey });
});
afterAll(() => example.close());

describe('the gateway mounted in an existing Express app', () => {
  it("leaves the app's own routes alone", async () => {
    const response = await request(example.app).get('/api/hello');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ hello: 'from the app' });
  });

  it("answers under /ai for a logged-in user, through the app's alias", async () => {
    const response = await request(example.app)
      .post('/ai/v1/chat/completions')
      .set('authorization', 'Bearer token-ada')
      .send({ model: 'assistant', messages: [{ role: 'user', content: 'Hello from the app' }] });
    expect(response.status).toBe(200);
    expect(response.body.choices[0].message.content).toBe('Hello from the app');
    expect(response.headers['x-switchyard-model']).toBe('mock/echo');
  });

  it("refuses the AI routes without the app's login", async () => {
    const response = await request(example.app)
      .post('/ai/v1/chat/completions')
      .send({ model: 'assistant', messages: [{ role: 'user', content: 'Hi' }] });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('login_required');
  });

  it('streams under /ai', async () => {
    const response = await request(example.app)
      .post('/ai/v1/chat/completions')
      .set('authorization', 'Bearer token-ada')
      .send({ model: 'assistant', stream: true, messages: [{ role: 'user', content: 'one two' }] });
    expect(response.headers['content-type']).toMatch(/text\/event-stream/);
    expect(response.text.trim().endsWith('data: [DONE]')).toBe(true);
  });

  it('answers unknown paths under /ai in the OpenAI error shape', async () => {
    const response = await request(example.app).get('/ai/v1/nope').set('authorization', 'Bearer token-ada');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });
});

describe("the app's own /api/summarize, protected by Switchyard steps", () => {
  it('summarizes for a caller holding the Switchyard key', async () => {
    const response = await request(example.app).post('/api/summarize').set('authorization', `Bearer ${serviceKey}`).send({ text: 'A long report' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ summary: 'A long report' });
    expect(response.headers['x-ratelimit-limit-requests']).toBe('30');
  });

  it('refuses a caller without the key in the OpenAI error shape', async () => {
    const response = await request(example.app).post('/api/summarize').set('authorization', 'Bearer token-ada').send({ text: 'x' });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_api_key');
  });

  it("answers a body the app's JSON parser refuses as an OpenAI-shaped 400 or 413, not a 500", async () => {
    const broken = await request(example.app)
      .post('/api/summarize')
      .set('authorization', `Bearer ${serviceKey}`)
      .set('content-type', 'application/json')
      .send('{"text":');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
    const huge = await request(example.app)
      .post('/api/summarize')
      .set('authorization', `Bearer ${serviceKey}`)
      .send({ text: 'x'.repeat(100 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('request_too_large');
  });
});
