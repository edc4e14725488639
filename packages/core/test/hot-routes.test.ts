import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { HotRoutes } from '../src/gateway/hot-routes.js';

/** A router built the way the gateway's is: the table first, then ordinary layers, a 405, a 404 and an error handler. */
function mountedApp(handler: RequestHandler, errors?: ErrorRequestHandler) {
  const router = express.Router();
  const hotRoutes = new HotRoutes();
  router.use(hotRoutes.middleware);
  router.get('/health', (_req, res) => void res.json({ status: 'ok' }));
  hotRoutes.post(router, '/v1/chat/completions', handler, errors);
  router.all('/v1/chat/completions', (req, res) => void res.status(405).json({ refused: req.method }));
  router.use((_req, res) => void res.status(404).json({ missing: true }));
  router.use(((error, _req, res, _next) => void res.status(500).json({ routerError: String(error) })) as ErrorRequestHandler);
  const app = express();
  app.use('/ai', router);
  return app;
}

describe('HotRoutes', () => {
  it('serves an exact path under the mount point with Express’s url, baseUrl and originalUrl', async () => {
    let calls = 0;
    const app = mountedApp((req, res) => {
      calls++;
      res.json({ url: req.url, baseUrl: req.baseUrl, originalUrl: req.originalUrl, path: req.path });
    });
    const answer = await request(app).post('/ai/v1/chat/completions?x=1').send({});
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ url: '/v1/chat/completions?x=1', baseUrl: '/ai', originalUrl: '/ai/v1/chat/completions?x=1', path: '/v1/chat/completions' });
    expect(calls).toBe(1);
  });

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

  it('keeps 404 and 405 answers and other methods as the router gives them', async () => {
    const app = mountedApp((_req, res) => void res.json({ ok: true }));
    expect((await request(app).get('/ai/v1/chat/completions')).body).toEqual({ refused: 'GET' });
    expect((await request(app).post('/ai/v1/nothing')).status).toBe(404);
    expect((await request(app).post('/v1/chat/completions')).status).toBe(404);
    expect((await request(app).get('/ai/health')).body).toEqual({ status: 'ok' });
  });

  it('sends an error to the route’s own error handler first, else to the router’s', async () => {
    const failing: RequestHandler = (_req, _res, next) => next(new Error('boom'));
    const own = mountedApp(failing, (error, _req, res, _next) => void res.status(418).json({ routeError: String(error) }));
    expect((await request(own).post('/ai/v1/chat/completions')).body).toEqual({ routeError: 'Error: boom' });
    const passing = mountedApp(failing, (error, _req, _res, next) => next(error));
    expect((await request(passing).post('/ai/v1/chat/completions')).body).toEqual({ routerError: 'Error: boom' });
    const thrown = mountedApp(() => {
      throw new Error('thrown');
    });
    expect((await request(thrown).post('/ai/v1/chat/completions')).body).toEqual({ routerError: 'Error: thrown' });
    const rejected = mountedApp(async () => {
      throw new Error('rejected');
    });
    expect((await request(rejected).post('/ai/v1/chat/completions')).body).toEqual({ routerError: 'Error: rejected' });
  });

  it('walks on past the route when its handler passes the request on, without running it twice', async () => {
    let calls = 0;
    const app = mountedApp((_req, _res, next) => {
      calls++;
      next();
    });
    expect((await request(app).post('/ai/v1/chat/completions')).body).toEqual({ refused: 'POST' });
    expect(calls).toBe(1);
  });

  it('refuses a path registered twice', () => {
    const router = express.Router();
    const hotRoutes = new HotRoutes();
    hotRoutes.post(router, '/v1/embeddings', (_req, res) => void res.end());
    expect(() => hotRoutes.post(router, '/v1/embeddings', (_req, res) => void res.end())).toThrow(/registered twice/);
  });
});
