import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { HotRoutes, hotRoutesAhead } from '../src/gateway/hot-routes.js';

/** A router built the way the gateway's is: the table first, then ordinary layers, a 405, a 404 and an error handler. */
function gatewayLikeRouter(handler: RequestHandler, errors?: ErrorRequestHandler) {
  const router = express.Router();
  const hotRoutes = new HotRoutes();
  router.use(hotRoutes.middleware);
  router.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  hotRoutes.post(router, '/v1/chat/completions', handler, errors);
  router.all('/v1/chat/completions', (req, res) => void res.status(405).json({ refused: req.method }));
  router.use((_req, res) => void res.status(404).json({ missing: true }));
  router.use(((error, _req, res, _next) => void res.status(500).json({ routerError: String(error) })) as ErrorRequestHandler);
  return router;
}

/** The router mounted under /ai, the table in its first layer. */
function mountedApp(handler: RequestHandler, errors?: ErrorRequestHandler) {
  const app = express();
  app.use('/ai', gatewayLikeRouter(handler, errors));
  return app;
}

/** As the standalone app: the table ahead of the app's own layers, the router at the root, last. */
function aheadApp(handler: RequestHandler, errors?: ErrorRequestHandler) {
  const router = gatewayLikeRouter(handler, errors);
  const app = express();
  app.use(hotRoutesAhead(router)!);
  app.use('/admin', (_req, res) => void res.json({ admin: true }));
  app.use(router);
  return app;
}

describe.each([
  { mode: 'in the router’s first layer', build: mountedApp, base: '/ai' },
  { mode: 'ahead of the app’s layers', build: aheadApp, base: '' },
])('HotRoutes $mode', ({ build, base }) => {
  it('serves an exact path with Express’s url, baseUrl and originalUrl, once', async () => {
    let calls = 0;
    const app = build((req, res) => {
      calls++;
      res.json({ url: req.url, baseUrl: req.baseUrl, originalUrl: req.originalUrl, path: req.path, route: req.route === undefined });
    });
    const answer = await request(app).post(`${base}/v1/chat/completions?x=1`).send({});
    expect(answer.body).toEqual({ url: '/v1/chat/completions?x=1', baseUrl: base, originalUrl: `${base}/v1/chat/completions?x=1`, path: '/v1/chat/completions', route: true });
    expect(calls).toBe(1);
  });

  it('keeps the router’s answers to other paths and methods', async () => {
    const app = build((_req, res) => void res.json({ ok: true }));
    expect((await request(app).get(`${base}/v1/chat/completions`)).body).toEqual({ refused: 'GET' });
    expect((await request(app).post(`${base}/v1/nothing`)).body).toEqual({ missing: true });
    expect((await request(app).get(`${base}/health`)).body).toEqual({ status: 'ok' });
    expect((await request(app).post(`${base}/v1/chat/completions/`)).body).toEqual({ ok: true });
  });

  it('sends errors through the route’s own error handler, then the router’s, in every form', async () => {
    const failing: RequestHandler = (_req, _res, next) => next(new Error('boom'));
    const own = build(failing, (error, _req, res, _next) => void res.status(418).json({ routeError: String(error) }));
    expect((await request(own).post(`${base}/v1/chat/completions`)).body).toEqual({ routeError: 'Error: boom' });
    const passing = build(failing, (error, _req, _res, next) => next(error));
    expect((await request(passing).post(`${base}/v1/chat/completions`)).body).toEqual({ routerError: 'Error: boom' });
    const thrown = build(() => {
      throw new Error('thrown');
    });
    expect((await request(thrown).post(`${base}/v1/chat/completions`)).body).toEqual({ routerError: 'Error: thrown' });
    const rejected = build(async () => {
      throw new Error('rejected');
    });
    expect((await request(rejected).post(`${base}/v1/chat/completions`)).body).toEqual({ routerError: 'Error: rejected' });
  });

  it('walks on past the route when its handler passes the request on, without running it twice', async () => {
    let calls = 0;
    const app = build((_req, _res, next) => {
      calls++;
      next();
    });
    expect((await request(app).post(`${base}/v1/chat/completions`)).body).toEqual({ refused: 'POST' });
    expect(calls).toBe(1);
  });

  it('leaves the router altogether on next(\'router\'), as Express would: the app answers 404', async () => {
    const app = build((_req, _res, next) => next('router'));
    const answer = await request(app).post(`${base}/v1/chat/completions`);
    expect(answer.status).toBe(404);
    expect(answer.text).toMatch(/Cannot POST/);
  });
});

describe('hotRoutesAhead', () => {
  it('leaves every other request to the app’s own layers', async () => {
    const app = aheadApp((_req, res) => void res.json({ ok: true }));
    expect((await request(app).post('/admin/keys')).body).toEqual({ admin: true });
  });

  it('has nothing for a router without a table', () => {
    expect(hotRoutesAhead(express.Router())).toBeUndefined();
  });
});

describe('HotRoutes', () => {
  it('leaves other spellings of the path to the router, which still serves them once', async () => {
    let calls = 0;
    const app = mountedApp((_req, res) => {
      calls++;
      res.json({ ok: true });
    });
    for (const path of ['/ai/v1/chat/completions/', '/ai/V1/Chat/Completions']) {
      const answer = await request(app).post(path).send({});
      expect(answer.status, path).toBe(200);
    }
    expect(calls).toBe(2);
  });

  it('refuses a path registered twice', () => {
    const router = express.Router();
    const hotRoutes = new HotRoutes();
    hotRoutes.post(router, '/v1/embeddings', (_req, res) => void res.end());
    expect(() => hotRoutes.post(router, '/v1/embeddings', (_req, res) => void res.end())).toThrow(/registered twice/);
  });
});
