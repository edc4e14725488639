import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createRequestContext, getContext } from '../src/chain/request-context.js';
import { sendError } from '../src/http/send-error.js';
import { sendJson } from '../src/http/send-json.js';
import { SseWriter } from '../src/http/sse-writer.js';
import { GatewayError } from '../src/errors/gateway-error.js';
import { createLogger } from '../src/logging/create-logger.js';

const logger = createLogger({ level: 'silent' });

/** Each time `name` was sent in the answer's head, as it was spelled. */
function namesOnTheWire(answer: request.Response, name: string): string[] {
  const raw = (answer as unknown as { res: IncomingMessage }).res.rawHeaders;
  return raw.filter((sent, index) => index % 2 === 0 && sent.toLowerCase() === name);
}

/** An app whose one route makes a context (collecting or not) and runs `handler` on it. */
function appWith(gatewayWritesAnswer: boolean, handler: RequestHandler) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/', (req, res, next) => {
    createRequestContext(req, res, 'custom', logger, { gatewayWritesAnswer });
    return handler(req, res, next);
  });
  return app;
}

describe("the gateway's response headers", () => {
  it('collected: the last value of a name wins, they reach the answer, and res.getHeader does not see them', async () => {
    let seenByNode: unknown = 'unset';
    let seenHere: string | undefined;
    const app = appWith(true, (_req, res) => {
      const headers = getContext(res).responseHeaders;
      headers.set('x-switchyard-cache', 'MISS');
      headers.set('X-Switchyard-Cache', 'HIT');
      seenByNode = res.getHeader('x-switchyard-cache');
      seenHere = headers.get('x-switchyard-cache');
      sendJson(res, 200, { ok: true });
    });
    const answer = await request(app).get('/');
    expect(answer.status).toBe(200);
    expect(answer.headers['x-switchyard-cache']).toBe('HIT');
    expect(answer.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(namesOnTheWire(answer, 'x-switchyard-cache')).toEqual(['x-switchyard-cache']);
    expect(seenByNode).toBeUndefined();
    expect(seenHere).toBe('HIT');
  });

  it('collected: more headers than it makes room for at first all reach the answer, each once', async () => {
    const app = appWith(true, (_req, res) => {
      const headers = getContext(res).responseHeaders;
      for (let index = 0; index < 40; index++) headers.set(`x-extra-${index}`, String(index));
      headers.set('x-extra-7', 'seven');
      sendJson(res, 200, {});
    });
    const answer = await request(app).get('/');
    for (let index = 0; index < 40; index++) {
      expect(namesOnTheWire(answer, `x-extra-${index}`)).toEqual([`x-extra-${index}`]);
      expect(answer.headers[`x-extra-${index}`]).toBe(index === 7 ? 'seven' : String(index));
    }
    expect(answer.headers['content-length']).toBe('2');
  });

  it("an answer's own header replaces a collected one of the same name, as it would a res.setHeader one", async () => {
    const app = appWith(true, (_req, res) => {
      getContext(res).responseHeaders.set('content-type', 'text/plain');
      sendJson(res, 200, { ok: true });
    });
    const answer = await request(app).get('/');
    expect(namesOnTheWire(answer, 'content-type')).toEqual(['content-type']);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('collected: a value HTTP does not allow throws where it is set, as res.setHeader would', async () => {
    let thrown: unknown;
    const app = appWith(true, (_req, res) => {
      try {
        getContext(res).responseHeaders.set('x-switchyard-route', 'bad\r\nvalue');
      } catch (error) {
        thrown = error;
      }
      sendJson(res, 200, {});
    });
    await request(app).get('/');
    expect((thrown as { code?: string }).code).toBe('ERR_INVALID_CHAR');
  });

  it("not collected (an app's own handler writes the answer): they go to res.setHeader at once", async () => {
    let seenByNode: unknown;
    const app = appWith(false, (_req, res) => {
      getContext(res).responseHeaders.set('x-switchyard-route', 'assistant');
      seenByNode = res.getHeader('x-switchyard-route');
      res.json({ ok: true });
    });
    const answer = await request(app).get('/');
    expect(seenByNode).toBe('assistant');
    expect(answer.headers['x-switchyard-route']).toBe('assistant');
    expect(answer.headers['x-request-id']).toMatch(/^req_/);
  });

  it("merges with headers the app set itself through res.setHeader, in a whole answer, a stream and an error", async () => {
    const app = express();
    app.use((_req, res, next) => {
      res.setHeader('x-app', 'mine');
      next();
    });
    app.get('/:kind', (req, res) => {
      createRequestContext(req, res, 'custom', logger, { gatewayWritesAnswer: true });
      const headers = getContext(res).responseHeaders;
      headers.set('x-switchyard-route', 'assistant');
      if (req.params['kind'] === 'json') sendJson(res, 200, { ok: true });
      else if (req.params['kind'] === 'error') sendError(res, new GatewayError('rate_limit_exceeded', 'slow down', { retryAfterSeconds: 2.5 }));
      else {
        const sse = new SseWriter(res);
        sse.send('{}');
        sse.done();
      }
    });
    for (const kind of ['json', 'stream', 'error']) {
      const answer = await request(app).get(`/${kind}`);
      expect(answer.headers['x-app']).toBe('mine');
      expect(answer.headers['x-powered-by']).toBe('Express');
      expect(answer.headers['x-switchyard-route']).toBe('assistant');
      expect(answer.headers['x-request-id']).toMatch(/^req_/);
    }
    const error = await request(app).get('/error');
    expect(error.status).toBe(429);
    expect(error.headers['retry-after']).toBe('3');
    const stream = await request(app).get('/stream');
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
  });
});
