import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, defineProvider, type ChatResponse, type Gateway } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * An app hands the built-in plugins over and, after them, its own plugin of the
 * same kind and name (its own `mock`, a patched `openai`): the spread idiom of
 * overriding. The first of the list was taken, so the app's own was silently
 * ignored. The last one handed over wins now.
 */
const ownMock = defineProvider({
  name: 'mock',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      complete: async (call): Promise<ChatResponse> => ({
        id: 'own-1',
        model: call.model,
        created: 0,
        content: [{ type: 'text', text: 'from the app’s own mock' }],
        finishReason: { unified: 'stop' },
        usage: { inputTokens: 1, outputTokens: 1 },
      }),
      async *stream() {},
    },
  }),
});

describe('a plugin handed over after a built-in one of the same kind and name', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await createGateway(
      { providers: { mock: {} }, chain: ['route', 'adapter'] },
      { plugins: [...builtInPlugins, ownMock], logger: createLogger({ level: 'silent' }) },
    );
  });
  afterAll(() => gateway?.close());

  it('is the one the config gets', async () => {
    const app = express();
    app.use('/ai', gateway.router);
    const answer = await request(app).post('/ai/v1/chat/completions').send({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.body).toMatchObject({ object: 'chat.completion' });
    expect(answer.body.choices[0].message.content).toBe('from the app’s own mock');
  });
});
