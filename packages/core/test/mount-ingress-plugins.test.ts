import express from 'express';
import { describe, expect, it } from 'vitest';
import { createLogger, openAIChatDialect, type IngressContribution, type IngressRoute } from '../src/index.js';
import { mountIngressPlugins } from '../src/gateway/mount-ingress-plugins.js';

const parts = { chainFor: () => (_req: unknown, _res: unknown, next: () => void) => next(), limits: { maxMessages: 8, maxModelNameLength: 64 }, logger: createLogger({ level: 'silent' }) };
const plugin = (id: string, ...routes: IngressRoute[]): { id: string; contribution: IngressContribution } => ({ id, contribution: { dialect: openAIChatDialect, routes } });
const post = (path: string, name = 'call'): IngressRoute => ({ method: 'post', path, name });

describe('mountIngressPlugins', () => {
  it('mounts distinct routes of several plugins', () => {
    expect(() => mountIngressPlugins(express.Router(), [plugin('a', post('/v1beta/models/:model\\:generateContent')), plugin('b', post('/api/chat'))], parts)).not.toThrow();
  });

  it.each([
    ['the OpenAI chat route', '/v1/chat/completions'],
    ['a path under the Messages route', '/v1/messages/extra'],
    ['the Responses route', '/v1/responses'],
    ['the admin API', '/admin/keys'],
    ['the health check', '/health'],
    ['the metrics', '/METRICS'],
  ])('refuses a route that takes %s', (_name, path) => {
    expect(() => mountIngressPlugins(express.Router(), [plugin('x', post(path))], parts)).toThrow(/overlaps the gateway's own/);
  });

  it.each([['no leading slash', 'v1/x'], ['a query', '/x?y=1'], ['a space', '/x y'], ['a very long path', `/${'a'.repeat(300)}`]])('refuses a path with %s', (_name, path) => {
    expect(() => mountIngressPlugins(express.Router(), [plugin('x', post(path))], parts)).toThrow(/must start with/);
  });

  it('refuses two plugins claiming one route, a plugin with no routes, a method other than post, and a route without a name', () => {
    expect(() => mountIngressPlugins(express.Router(), [plugin('a', post('/api/chat')), plugin('b', post('/api/chat'))], parts)).toThrow(/"a" and "b" both declare/);
    expect(() => mountIngressPlugins(express.Router(), [plugin('a')], parts)).toThrow(/declares no routes/);
    expect(() => mountIngressPlugins(express.Router(), [plugin('a', { method: 'get' as 'post', path: '/api/chat', name: 'x' })], parts)).toThrow(/method "post"/);
    expect(() => mountIngressPlugins(express.Router(), [plugin('a', post('/api/chat', ''))], parts)).toThrow(/needs a name/);
  });
});

describe('an ingress plugin pathPrefix', () => {
  const prefixed = (id: string, pathPrefix: string, path = `${pathPrefix}/x`) => ({ id, contribution: { ...plugin(id, post(path)).contribution, pathPrefix } });

  it.each([
    ['the whole of /v1, which holds the gateway\'s own routes', '/v1'],
    ['the root', '/'],
    ['a path under the Messages route', '/v1/messages/x'],
    ['the admin API', '/ADMIN'],
    ['a parameter', '/v1beta/:model'],
    ['a wildcard', '/v1beta/*rest'],
    ['a trailing slash', '/v1beta/'],
    ['a very long segment', `/${'a'.repeat(65)}`],
  ])('refuses %s', (_name, prefix) => {
    expect(() => mountIngressPlugins(express.Router(), [prefixed('g', prefix, '/api/chat')], parts)).toThrow(/pathPrefix/);
  });

  it('refuses one prefix claimed by two plugins', () => {
    expect(() => mountIngressPlugins(express.Router(), [prefixed('a', '/v1beta', '/v1beta/a'), prefixed('b', '/V1BETA', '/v1beta/b')], parts)).toThrow(/"a" and "b" both declare the pathPrefix/);
  });

  it("answers an unknown path below it 404 in the dialect's shape, after every plugin's own routes", async () => {
    const { default: request } = await import('supertest');
    const { createRequestContext } = await import('../src/index.js');
    const logger = createLogger({ level: 'silent' });
    const shaped = (id: string, routes: IngressRoute[], pathPrefix?: string): { id: string; contribution: IngressContribution } => ({
      id,
      contribution: { dialect: { ...openAIChatDialect, formatError: (error) => ({ status: error.status, body: { dialect: id, code: error.code } }) }, routes, ...(pathPrefix && { pathPrefix }) },
    });
    const router = express.Router();
    mountIngressPlugins(router, [shaped('wide', [post('/api/one')], '/api'), shaped('narrow', [post('/api/two')])], {
      ...parts,
      logger,
      chainFor: () => (req, res) => {
        createRequestContext(req, res, 'chat', logger);
        res.json({ served: req.path });
      },
    });
    const app = express().use(router);
    expect((await request(app).post('/api/two')).body).toEqual({ served: '/api/two' });
    const unknown = await request(app).post('/api/three:countTokens');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ dialect: 'wide', code: 'not_found' });
    expect((await request(app).get('/api')).body).toEqual({ dialect: 'wide', code: 'not_found' });
    expect((await request(app).get('/apiary')).status).toBe(404);
    expect((await request(app).get('/apiary')).body).toEqual({});
  });
});

describe('an ingress plugin route, mounted', () => {
  it('answers in the OpenAI envelope when the plugin’s own error writer throws, and 405 for other methods', async () => {
    const { default: request } = await import('supertest');
    const { createRequestContext, GatewayError } = await import('../src/index.js');
    const logger = createLogger({ level: 'silent' });
    const broken: IngressContribution = {
      dialect: {
        ...openAIChatDialect,
        name: 'broken',
        parse: () => {
          throw new GatewayError('invalid_request', 'no such thing');
        },
        formatError: () => {
          throw new Error('bug in the plugin');
        },
      },
      routes: [post('/api/chat')],
    };
    const router = express.Router();
    mountIngressPlugins(router, [{ id: 'broken', contribution: broken }], {
      ...parts,
      logger,
      chainFor: (parse) => (req, res, next) => {
        createRequestContext(req, res, 'chat', logger);
        parse(req, res, next);
      },
    });
    const app = express().use(express.json()).use(router);
    const answer = await request(app).post('/api/chat').send({});
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'invalid_request', message: 'no such thing' } });
    const wrongMethod = await request(app).get('/api/chat');
    expect(wrongMethod.status).toBe(405);
  });
});
