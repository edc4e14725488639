import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ExampleApp } from '../src/create-app.js';

const tokens = new Map([['token-ada', { id: 'u1', name: 'Ada', team: 'research' }]]);
let example: ExampleApp;

beforeAll(async () => {
  example = await createApp(tokens, { LOG_LEVEL: 'silent' });
});
afterAll(() => example.gateway.close());

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
