import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, defineProvider, type Gateway } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * docs/plugins.md: an HTTP provider plugin without `mapError` gets `genericUpstreamError`, the
 * status-only mapping of the page's table. It dropped a 429's Retry-After (the client was told
 * nothing of when to come back), and answered a 402 as the client's fault (400
 * upstream_bad_request) and a 504 as a 502.
 */
describe('an HTTP provider plugin without mapError, its upstream refusing', () => {
  let upstream: Server;
  let gateway: Gateway;
  let app: express.Express;

  beforeAll(async () => {
    // The model asked is the status answered: `terse/429` gets a 429.
    upstream = createServer((incoming, response) => {
      const status = Number(incoming.url!.slice(1));
      response.writeHead(status, { 'content-type': 'text/plain', ...(status === 429 && { 'retry-after': '7' }) });
      response.end('no');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const terse = defineProvider({
      name: 'terse',
      optionsSchema: { type: 'object' },
      create: () => ({
        chat: {
          buildRequest: (_chat, model) => ({ origin, path: `/${model}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
          parseResponse: () => ({ id: 'x', model: 'm', created: 0, content: [], finishReason: { unified: 'stop', raw: 'stop' }, usage: undefined }),
          createStreamDecoder: () => ({ decode: () => [], end: () => [] }),
        },
      }),
    });
    const once429 = (status: number) => ({ deployments: [{ target: `terse/${status}` }], retries: { attempts: 0 } });
    gateway = await createGateway(
      { providers: { terse: {} }, models: { r429: once429(429), r402: once429(402), r504: once429(504) }, chain: ['route', 'adapter'], log: { level: 'silent' } },
      { plugins: [...builtInPlugins, terse], logger: createLogger({ level: 'silent' }) },
    );
    app = express();
    app.use(gateway.router);
  });
  afterAll(async () => {
    await gateway?.close();
    upstream?.close();
  });

  const ask = (model: string) => request(app).post('/v1/chat/completions').send({ model, messages: [{ role: 'user', content: 'hi' }] });

  it("passes a 429's Retry-After on to the client", async () => {
    const answer = await ask('r429');
    expect(answer.status).toBe(429);
    expect(answer.body.error.code).toBe('rate_limit_exceeded');
    expect(answer.headers['retry-after']).toBe('7');
  });

  it('answers a 402 as the account out of credit, not as the client’s bad request', async () => {
    const answer = await ask('r402');
    expect({ status: answer.status, code: answer.body.error.code }).toEqual({ status: 429, code: 'upstream_quota_exceeded' });
  });

  it('answers a 504 as a timeout', async () => {
    const answer = await ask('r504');
    expect({ status: answer.status, code: answer.body.error.code }).toEqual({ status: 504, code: 'upstream_timeout' });
  });
});
