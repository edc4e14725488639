import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, defineProvider, type Gateway } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * A provider plugin's own model list (a DirectModelsOperation) is its code's word:
 * `/v1/models` lists every provider's models, so one plugin's garbage, rejection or
 * silence must cost only that plugin's entries, never the whole list.
 */
const lister = (name: string, list: (signal: AbortSignal) => Promise<unknown>) =>
  defineProvider({
    name,
    optionsSchema: { type: 'object' },
    create: () => ({
      chat: { complete: () => Promise.reject(new Error('not used')), stream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('not used')) }) }) },
      models: { list: list as never },
    }),
  });
const good = lister('good', async () => [{ id: 'good-large', ownedBy: 'acme', created: 1_700_000_000 }]);

describe('GET /v1/models with a provider plugin whose list misbehaves', () => {
  let gateway: Gateway | undefined;
  afterEach(() => gateway?.close());

  const appWith = async (other: ReturnType<typeof lister>) => {
    gateway = await createGateway(
      { providers: { good: {}, other: { use: other.pluginName } }, chain: ['route', 'adapter'], log: { level: 'silent' } },
      { plugins: [...builtInPlugins, good, other], logger: createLogger({ level: 'silent' }) },
    );
    const app = express();
    app.use(gateway.router);
    return app;
  };

  it('lists the entries that are models and leaves out null, numbers, ids that are not text or 10 KB long', async () => {
    const app = await appWith(
      lister('garbage', async () => [null, 5, 'text', { id: 42 }, { id: '' }, { id: 'x'.repeat(10_000) }, { id: 'ok-model', ownedBy: {}, created: 'yesterday' }]),
    );
    const response = await request(app).get('/v1/models');
    expect(response.status).toBe(200);
    const ids = (response.body.data as Array<{ id: string }>).map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['good/good-large', 'other/ok-model']));
    expect(ids.filter((id) => id.startsWith('other/'))).toEqual(['other/ok-model']);
    const ok = (response.body.data as Array<{ id: string; owned_by: unknown; created: unknown }>).find((model) => model.id === 'other/ok-model')!;
    expect(typeof ok.owned_by).toBe('string');
    expect(Number.isSafeInteger(ok.created)).toBe(true);
  });

  it("serves the other providers' models when a plugin's list is not a list", async () => {
    const app = await appWith(lister('not-a-list', async () => ({ data: [] })));
    const response = await request(app).get('/v1/models');
    expect(response.status).toBe(200);
    expect((response.body.data as Array<{ id: string }>).map((model) => model.id)).toEqual(['good/good-large']);
  });

  it('answers, without that provider, when its list ignores the signal and never settles', async () => {
    const app = await appWith(lister('silent', () => new Promise(() => {})));
    const response = await request(app).get('/v1/models');
    expect(response.status).toBe(200);
    expect((response.body.data as Array<{ id: string }>).map((model) => model.id)).toEqual(['good/good-large']);
  }, 30_000);
});
