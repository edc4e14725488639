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

  it('leaves out ids a request could not name (a line break, a tab, a space, a dot segment) and lists a repeated id once', async () => {
    const app = await appWith(lister('odd', async () => [{ id: 'a\nb' }, { id: 'tab\tx' }, { id: 'with space' }, { id: '../../etc' }, { id: 'a' }, { id: 'a' }, { id: 'org/model:free' }]));
    const response = await request(app).get('/v1/models');
    const ids = (response.body.data as Array<{ id: string }>).map((model) => model.id);
    expect(ids.filter((id) => id.startsWith('other/'))).toEqual(['other/a', 'other/org/model:free']);
    // Each one listed can be called.
    for (const id of ids) {
      const answer = await request(app).post('/v1/chat/completions').send({ model: id, messages: [{ role: 'user', content: 'hi' }] });
      expect(answer.body.error?.code, id).not.toBe('invalid_request');
    }
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

  it('gives up on a list after limits.model_list_timeout_ms, when set, and says so with that bound', async () => {
    const lines: string[] = [];
    const silent = lister('silent', () => new Promise(() => {}));
    gateway = await createGateway(
      { providers: { good: {}, other: { use: silent.pluginName } }, chain: ['route', 'adapter'], limits: { model_list_timeout_ms: 1000 } },
      { plugins: [...builtInPlugins, good, silent], logger: createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } }) },
    );
    const app = express();
    app.use(gateway.router);
    const response = await request(app).get('/v1/models');
    expect(response.status).toBe(200);
    expect((response.body.data as Array<{ id: string }>).map((model) => model.id)).toEqual(['good/good-large']);
    expect(lines.join('\n')).toContain('no model list within 1000 ms');
  });

  it("logs why a plugin's list threw, its secret blanked (the line said only \"The x provider's plugin failed on this request.\")", async () => {
    const lines: string[] = [];
    const secret = 'acme-list-secret-0123456789abcdef';
    const thrower = defineProvider({
      name: 'thrower',
      optionsSchema: { type: 'object' },
      create: () => ({
        secrets: [secret],
        chat: { complete: () => Promise.reject(new Error('not used')), stream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('not used')) }) }) },
        models: { list: () => Promise.reject(new TypeError(`Cannot read properties of undefined (reading 'data') with ${secret}`)) },
      }),
    });
    gateway = await createGateway(
      { providers: { good: {}, other: { use: thrower.pluginName } }, chain: ['route', 'adapter'] },
      { plugins: [...builtInPlugins, good, thrower], logger: createLogger({ level: 'warn', destination: { write: (line: string) => void lines.push(line) } }) },
    );
    const app = express();
    app.use(gateway.router);
    expect((await request(app).get('/v1/models')).status).toBe(200);
    const line = lines.find((text) => text.includes('listing models failed'));
    expect(JSON.parse(line!).err.message).toBe("The other provider's plugin failed on this request.: Cannot read properties of undefined (reading 'data') with [REDACTED]");
  });

  it('does not ask a list that failed again on every call: a silent one cost each /v1/models its 10 s', async () => {
    let calls = 0;
    const app = await appWith(
      lister('silent', () => {
        calls += 1;
        return new Promise(() => {});
      }),
    );
    for (let round = 0; round < 3; round++) {
      const response = await request(app).get('/v1/models');
      expect(response.status).toBe(200);
      expect((response.body.data as Array<{ id: string }>).map((model) => model.id)).toEqual(['good/good-large']);
    }
    expect(calls).toBe(1);
  }, 60_000);

  it('does not ask a list that refused again on the next call; its last good list is served meanwhile', async () => {
    let calls = 0;
    // A plugin whose list is stale after 1 ms: every /v1/models asks it again while it answers.
    const flaky = defineProvider({
      name: 'flaky',
      optionsSchema: { type: 'object' },
      create: () => ({
        chat: { complete: () => Promise.reject(new Error('not used')), stream: () => ({ [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('not used')) }) }) },
        models: {
          list: async () => {
            calls += 1;
            if (calls > 1) throw new Error('provider down');
            return [{ id: 'flaky-model' }];
          },
        },
        modelsTtlMs: 1,
      }),
    });
    const app = await appWith(flaky as unknown as ReturnType<typeof lister>);
    const listed = async () => {
      const response = await request(app).get('/v1/models');
      expect(response.status).toBe(200);
      return (response.body.data as Array<{ id: string }>).map((model) => model.id).sort();
    };
    expect(await listed()).toEqual(['good/good-large', 'other/flaky-model']);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await listed()).toEqual(['good/good-large', 'other/flaky-model']);
    expect(calls).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await listed()).toEqual(['good/good-large', 'other/flaky-model']);
    // The failure is remembered: the provider is not asked again until its retry is due.
    expect(calls).toBe(2);
  });
});
