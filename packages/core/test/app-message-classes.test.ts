import { execFileSync } from 'node:child_process';
import { createServer, IncomingMessage, ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { appMessageClasses } from '../src/http/app-message-classes.js';
import { hotRoutesAhead, hotRoutesBeforeApp, HotRoutes } from '../src/gateway/hot-routes.js';

const coreEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const servers: Server[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/**
 * Counts the calls of Object.setPrototypeOf that change a request's or response's
 * prototype (Express calls it on every request; with the classes it must find the
 * prototype already in place). Without the classes, each request counts two.
 */
function countPrototypeChanges(): () => number {
  const setPrototypeOf = Object.setPrototypeOf;
  let changes = 0;
  vi.spyOn(Object, 'setPrototypeOf').mockImplementation((target: object, proto: object | null) => {
    if ((target instanceof IncomingMessage || target instanceof ServerResponse) && Object.getPrototypeOf(target) !== proto) changes++;
    return setPrototypeOf(target, proto) as object;
  });
  return () => changes;
}

async function serve(app: Express, listener: Parameters<typeof createServer>[1] = app): Promise<string> {
  const server = createServer({ ...appMessageClasses(app) }, listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('appMessageClasses', () => {
  it("makes each request and response with the app's own prototypes, as real Node messages", async () => {
    const app = express();
    const seen: Array<Record<string, boolean>> = [];
    app.get('/probe', (req, res) => {
      seen.push({
        requestPrototype: Object.getPrototypeOf(req) === app.request,
        responsePrototype: Object.getPrototypeOf(res) === app.response,
        isIncomingMessage: req instanceof IncomingMessage,
        isServerResponse: res instanceof ServerResponse,
      });
      res.status(201).set('x-probe', req.get('x-probe') ?? 'none').json({ query: req.query, app: req.app === app, ip: typeof req.ip });
    });
    const base = await serve(app);
    const prototypeChanges = countPrototypeChanges();

    for (const probe of ['one', 'two']) {
      const answer = await fetch(`${base}/probe?who=${probe}`, { headers: { 'x-probe': probe } });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('x-probe')).toBe(probe);
      expect(await answer.json()).toEqual({ query: { who: probe }, app: true, ip: 'string' });
    }
    expect(seen).toEqual([
      { requestPrototype: true, responsePrototype: true, isIncomingMessage: true, isServerResponse: true },
      { requestPrototype: true, responsePrototype: true, isIncomingMessage: true, isServerResponse: true },
    ]);
    expect(prototypeChanges()).toBe(0);
  });

  it('serves bodies, streams and errors the same as a server made without it', async () => {
    const app = express();
    app.use(express.json());
    app.post('/echo', (req, res) => void res.json({ got: req.body as unknown }));
    app.get('/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      res.end('data: [DONE]\n\n');
    });
    app.get('/fail', () => {
      throw new Error('boom');
    });
    const base = await serve(app);

    const echo = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":[1,2]}' });
    expect(await echo.json()).toEqual({ got: { a: [1, 2] } });
    expect(await (await fetch(`${base}/stream`)).text()).toBe('data: 1\n\ndata: [DONE]\n\n');
    expect((await fetch(`${base}/fail`)).status).toBe(500);
    expect((await fetch(`${base}/missing`)).status).toBe(404);
  });

  it("keeps requests and responses in V8's fast property mode, sized as Node's own", () => {
    // V8's own view of the objects, in a child node that may ask it (%-natives).
    const probe = `
      import http from 'node:http';
      import { Socket } from 'node:net';
      import express from 'express';
      const { appMessageClasses } = await import(${JSON.stringify(coreEntry)});
      const app = express();
      const classes = appMessageClasses(app);
      const socket = new Socket();
      const req = new classes.IncomingMessage(socket);
      const res = new classes.ServerResponse(req);
      process.stdout.write(JSON.stringify({ requestFast: %HasFastProperties(req), responseFast: %HasFastProperties(res) }));
    `;
    const output = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', probe], { encoding: 'utf8', cwd: repoRoot });
    expect(JSON.parse(output)).toEqual({ requestFast: true, responseFast: true });
  });

  it('leaves the prototypes as they are on the way through the hot routes and into the app', async () => {
    const router = express.Router();
    const hotRoutes = new HotRoutes();
    router.use(hotRoutes.middleware);
    const prototypes: boolean[] = [];
    const app = express();
    app.disable('x-powered-by');
    hotRoutes.post(router, '/v1/chat/completions', (req, res) => {
      prototypes.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
      res.json({ hot: true });
    });
    router.get('/health', (req, res) => {
      prototypes.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
      res.json({ status: 'ok' });
    });
    app.use(hotRoutesAhead(router)!);
    app.use(router);
    const base = await serve(app, hotRoutesBeforeApp(app, router));
    const prototypeChanges = countPrototypeChanges();

    expect(await (await fetch(`${base}/v1/chat/completions`, { method: 'POST', body: '{}' })).json()).toEqual({ hot: true });
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    expect(prototypes).toEqual([true, true]);
    expect(prototypeChanges()).toBe(0);
  });
});
