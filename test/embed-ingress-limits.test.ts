import { builtInPlugins } from '@switchyard/cli';
import { createSteps, getContext, type SwitchyardSteps } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * An app embedding Switchyard's steps takes model names and messages from its own
 * clients, through `createSteps().call` / `stream` and through `context({ endpoint })`.
 * The config's `limits.max_model_name_length` and `limits.max_messages` bound them
 * there as on the gateway's own routes: lowered, a longer name is refused; raised, a
 * longer alias the config itself names is served.
 */

const longAlias = `house-${'a'.repeat(294)}`; // 300 characters: past the default 256
const nameOf = (length: number) => `mock/${'e'.repeat(length - 'mock/'.length)}`;

function appFor(steps: SwitchyardSteps): express.Express {
  const app = express();
  app.post('/call', express.json(), async (req, res, next) => {
    try {
      const answer = await steps.call(res, req.body);
      res.json({ finish: answer.finishReason.unified });
    } catch (error) {
      next(error);
    }
  });
  app.post('/stream', express.json(), async (req, res, next) => {
    try {
      let parts = 0;
      for await (const _part of await steps.stream(res, req.body)) parts++;
      res.json({ parts });
    } catch (error) {
      next(error);
    }
  });
  app.post('/own', express.json(), steps.context({ endpoint: 'chat' }), (_req, res) => {
    res.json({ model: getContext(res).chatRequest?.model });
  });
  app.use(steps.errorHandler());
  return app;
}

const chat = (model: string, messages = 1) => ({ model, messages: Array.from({ length: messages }, () => ({ role: 'user', content: 'hi' })) });

describe('embedded steps under lowered limits', () => {
  let steps: SwitchyardSteps;
  let app: express.Express;

  beforeAll(async () => {
    steps = await createSteps(
      {
        providers: { mock: { models: ['echo'] } },
        models: { fast: 'mock/echo' },
        limits: { max_model_name_length: 32, max_messages: 2 },
        chain: ['route'],
        log: { level: 'silent' },
      },
      { plugins: builtInPlugins },
    );
    app = appFor(steps);
  });
  afterAll(async () => {
    await steps?.close();
  });

  it.each(['/call', '/stream', '/own'])('%s: a model name past limits.max_model_name_length → 400 naming it', async (route) => {
    const answer = await request(app).post(route).send(chat(nameOf(40)));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param: 'model' });
    expect(answer.body.error.message).toContain('limits.max_model_name_length');
    expect(answer.body.error.message).not.toContain('eeeeeeeeee');
  });

  it.each(['/call', '/stream', '/own'])('%s: more messages than limits.max_messages → 400 naming messages', async (route) => {
    const answer = await request(app).post(route).send(chat('fast', 3));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', param: 'messages' });
  });

  it('a name and messages within the limits are served', async () => {
    const answer = await request(app).post('/call').send(chat('fast', 2));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ finish: 'stop' });
  });
});

describe('embedded steps under a raised limits.max_model_name_length', () => {
  let steps: SwitchyardSteps;
  let app: express.Express;

  beforeAll(async () => {
    steps = await createSteps(
      {
        providers: { mock: { models: ['echo'] } },
        models: { [longAlias]: 'mock/echo' },
        limits: { max_model_name_length: 512 },
        chain: ['route'],
        log: { level: 'silent' },
      },
      { plugins: builtInPlugins },
    );
    app = appFor(steps);
  });
  afterAll(async () => {
    await steps?.close();
  });

  it.each(['/call', '/stream'])('%s: the config\'s own 300-character alias is served', async (route) => {
    const answer = await request(app).post(route).send(chat(longAlias));
    expect(answer.status).toBe(200);
  });

  it('/own: the context holds the 300-character alias', async () => {
    const answer = await request(app).post('/own').send(chat(longAlias));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ model: longAlias });
  });
});
