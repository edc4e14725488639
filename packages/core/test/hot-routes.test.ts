import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { HotRoutes, hotRoutesAhead, hotRoutesBeforeApp } from '../src/gateway/hot-routes.js';

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
  return aheadAppWithRouter(handler, errors).app;
}

function aheadAppWithRouter(handler: RequestHandler, errors?: ErrorRequestHandler) {
  const router = gatewayLikeRouter(handler, errors);
  const app = express();
  app.disable('x-powered-by');
  app.use(hotRoutesAhead(router)!);
  app.use('/admin', (_req, res) => void res.json({ admin: true }));
  app.use(router);
  return { app, router };
}

/** As the standalone server: the table in front of that app, in the server's request listener. */
function beforeApp(handler: RequestHandler, errors?: ErrorRequestHandler) {
  const { app, router } = aheadAppWithRouter(handler, errors);
  return hotRoutesBeforeApp(app, router)!;
}

/** The status code and message of an answer, as the client read them (supertest's types leave out the raw response). */
function statusLine(answer: request.Response): [number, string | undefined] {
  return [answer.status, (answer as unknown as { res: IncomingMessage }).res.statusMessage];
}

/** `beforeApp`, with a count of the requests that entered the app (Express's `app.handle`). */
function beforeAppCounted(handler: RequestHandler, errors?: ErrorRequestHandler) {
  const { app, router } = aheadAppWithRouter(handler, errors);
  const handle = vi.spyOn(app as unknown as { handle: (...args: unknown[]) => void }, 'handle');
  return { listener: hotRoutesBeforeApp(app, router)!, app, handle };
}

describe.each([
  { mode: 'in the router’s first layer', build: mountedApp, base: '/ai' },
  { mode: 'ahead of the app’s layers', build: aheadApp, base: '' },
  { mode: 'before the app, in the server’s listener', build: beforeApp, base: '' },
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
    const refused = await request(app).get(`${base}/v1/chat/completions`);
    expect([refused.status, refused.body]).toEqual([405, { refused: 'GET' }]);
    const missing = await request(app).post(`${base}/v1/nothing`);
    expect([missing.status, missing.body]).toEqual([404, { missing: true }]);
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

  it('walks on past the route on next(\'route\') too, and past its own error handler when that calls next()', async () => {
    let calls = 0;
    const app = build((_req, _res, next) => {
      calls++;
      next('route');
    });
    const answer = await request(app).post(`${base}/v1/chat/completions?stream=1`);
    expect([answer.status, answer.body]).toEqual([405, { refused: 'POST' }]);
    expect(calls).toBe(1);
    const forgiving = build(
      (_req, _res, next) => next(new Error('boom')),
      (_error, _req, _res, next) => next(),
    );
    expect((await request(forgiving).post(`${base}/v1/chat/completions`)).body).toEqual({ refused: 'POST' });
  });

  it('leaves other spellings of the path to Express’s matching, which still serves them once', async () => {
    let calls = 0;
    const app = build((req, res) => {
      calls++;
      res.json({ url: req.url });
    });
    for (const path of [`${base}/v1/chat/completions/`, `${base}/V1/Chat/Completions?x=1`]) {
      const answer = await request(app).post(path).send({});
      expect(answer.status, path).toBe(200);
    }
    expect(calls).toBe(2);
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

describe('hotRoutesBeforeApp', () => {
  it('runs a model call without entering the app, on a request and response set up as Express sets them up', async () => {
    let seen: unknown;
    const { listener, app, handle } = beforeAppCounted((req, res) => {
      seen = {
        app: req.app === app && res.app === app,
        linked: req.res === res && res.req === req,
        locals: Object.getPrototypeOf(res.locals) === null && Object.keys(res.locals).length === 0,
        params: req.params,
        next: typeof req.next,
        query: req.query,
        path: req.path,
        get: req.get('x-probe'),
      };
      res.status(201).json({ ok: true });
    });
    const answer = await request(listener).post('/v1/chat/completions?x=1').set('x-probe', 'yes').send({});
    expect([answer.status, answer.body]).toEqual([201, { ok: true }]);
    expect(answer.headers['x-powered-by']).toBeUndefined();
    expect(seen).toEqual({ app: true, linked: true, locals: true, params: {}, next: 'function', query: { x: '1' }, path: '/v1/chat/completions', get: 'yes' });
    expect(handle).not.toHaveBeenCalled();
  });

  it('gives the request and response the own properties the app’s walk gives them, in the same order, and the three every call adds later', async () => {
    const ownKeys = (target: object) => Reflect.ownKeys(target).filter((key) => typeof key === 'string' && key !== '_parsedUrl');
    const keysOf = async (listener: Parameters<typeof request>[0]) => {
      const answer = await request(listener).post('/v1/chat/completions').send({});
      expect(answer.status).toBe(200);
      return answer.body as { req: string[]; res: string[] };
    };
    const handler: RequestHandler = (req, res) => void res.json({ req: ownKeys(req), res: ownKeys(res) });
    // Left out: parseurl's cache and the router's symbol for tracing, which only the walk sets.
    const walked = await keysOf(aheadApp(handler));
    // Own before the prototypes change, so that setting them later does not copy the shape.
    expect(await keysOf(beforeApp(handler))).toEqual({ req: [...walked.req, 'body'], res: [...walked.res, 'statusCode', 'statusMessage'] });
  });

  it('ends a call with the same own properties as the app’s walk, in another order', async () => {
    const ownKeys = (target: object) => Reflect.ownKeys(target).filter((key) => typeof key === 'string' && key !== '_parsedUrl').sort();
    let finished: unknown;
    // As a model call: the body is parsed into req.body, the status set, the answer sent.
    const handler: RequestHandler = (req, res) => {
      res.on('finish', () => (finished = { req: ownKeys(req), res: ownKeys(res) }));
      req.body = { parsed: true };
      res.status(201).json({ ok: true });
    };
    expect((await request(aheadApp(handler)).post('/v1/chat/completions')).status).toBe(201);
    const walked = finished;
    expect((await request(beforeApp(handler)).post('/v1/chat/completions')).status).toBe(201);
    expect(finished).toEqual(walked);
  });

  it('reads req.body, res.statusCode and res.statusMessage as before they are set, and answers with what the handler sets', async () => {
    let seen: unknown;
    const listener = beforeApp((req, res) => {
      seen = { body: req.body, statusCode: res.statusCode, statusMessage: res.statusMessage };
      if (req.query['status'] === 'message') res.writeHead(203, 'Fine here').end();
      else if (req.query['status'] === 'set') res.status(202).json({ ok: true });
      else res.json({ ok: true });
    });
    const plain = await request(listener).post('/v1/chat/completions');
    expect(seen).toEqual({ body: undefined, statusCode: 200, statusMessage: undefined });
    expect([...statusLine(plain), plain.body]).toEqual([200, 'OK', { ok: true }]);
    const set = await request(listener).post('/v1/chat/completions?status=set');
    expect([...statusLine(set), set.body]).toEqual([202, 'Accepted', { ok: true }]);
    const message = await request(listener).post('/v1/chat/completions?status=message');
    expect(statusLine(message)).toEqual([203, 'Fine here']);
  });

  it('keeps a status a listener set before the route', async () => {
    const route = beforeApp((_req, res) => void res.end());
    const answer = await request((req: IncomingMessage, res: ServerResponse) => {
      res.statusCode = 204;
      res.statusMessage = 'Nothing';
      route(req, res);
    }).post('/v1/chat/completions');
    expect(statusLine(answer)).toEqual([204, 'Nothing']);
  });

  it('enters the app once for what the route passes on, through req.next as well', async () => {
    let calls = 0;
    const { listener, handle } = beforeAppCounted((req) => {
      calls++;
      req.next!(new Error('via req.next'));
    });
    expect((await request(listener).post('/v1/chat/completions')).body).toEqual({ routerError: 'Error: via req.next' });
    expect(calls).toBe(1);
    expect(handle).toHaveBeenCalledTimes(1);
  });

  it('hands every other request to the app', async () => {
    const { listener, handle } = beforeAppCounted((_req, res) => void res.json({ ok: true }));
    expect((await request(listener).post('/admin/keys')).body).toEqual({ admin: true });
    expect((await request(listener).get('/health')).body).toEqual({ status: 'ok' });
    expect(handle).toHaveBeenCalledTimes(2);
  });

  it('leaves a model call to the app’s walk when the app sends X-Powered-By', async () => {
    const { listener, app, handle } = beforeAppCounted((_req, res) => void res.json({ ok: true }));
    app.enable('x-powered-by');
    const answer = await request(listener).post('/v1/chat/completions');
    expect([answer.body, answer.headers['x-powered-by']]).toEqual([{ ok: true }, 'Express']);
    expect(handle).toHaveBeenCalledTimes(1);
  });

  it('leaves a model call to the app’s walk while someone listens to Express’s router tracing', async () => {
    const layers: unknown[] = [];
    const onStart = (message: unknown) => layers.push(message);
    const { listener, handle } = beforeAppCounted((_req, res) => void res.json({ ok: true }));
    subscribe('tracing:express.router.request:start', onStart);
    try {
      expect((await request(listener).post('/v1/chat/completions')).body).toEqual({ ok: true });
    } finally {
      unsubscribe('tracing:express.router.request:start', onStart);
    }
    expect(handle).toHaveBeenCalledTimes(1);
    expect(layers.length).toBeGreaterThan(0);
  });

  it('has nothing for a router without a table', () => {
    expect(hotRoutesBeforeApp(express(), express.Router())).toBeUndefined();
  });
});

describe('HotRoutes', () => {
  it('refuses a path registered twice', () => {
    const router = express.Router();
    const hotRoutes = new HotRoutes();
    hotRoutes.post(router, '/v1/embeddings', (_req, res) => void res.end());
    expect(() => hotRoutes.post(router, '/v1/embeddings', (_req, res) => void res.end())).toThrow(/registered twice/);
  });
});
