import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, type Gateway } from '@switchyard/core';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A host app whose own express.json() takes more than the gateway's server.body_limit.
 * A body with a content-length over the limit was refused by that header; one sent
 * chunked (no content-length) was parsed by the host and served whatever its size.
 */
describe('a body the host parsed, sent chunked, over the gateway’s body_limit', () => {
  let gateway: Gateway;
  let server: Server;
  beforeAll(async () => {
    gateway = await createGateway(
      { providers: { mock: {} }, chain: ['route', 'adapter'], server: { body_limit: '2kb' } },
      { plugins: builtInPlugins, logger: createLogger({ level: 'silent' }) },
    );
    const app = express();
    app.use(express.json({ limit: '50mb' }));
    app.use('/ai', gateway.router);
    server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(async () => {
    await gateway?.close();
    server?.close();
  });

  const send = (text: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { port } = server.address() as AddressInfo;
      const req = request({ port, host: '127.0.0.1', path: '/ai/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      // Two writes and no content-length: Node sends it chunked.
      req.write(text.slice(0, 100));
      req.end(text.slice(100));
    });
  const chat = (content: string) => JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content }] });

  it('is refused with 413 request_too_large', async () => {
    const answer = await send(chat('x'.repeat(10_000)));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ error: expect.objectContaining({ code: 'request_too_large', message: expect.stringContaining('2048 bytes') }) });
  });

  it('is served under the limit', async () => {
    const answer = await send(chat('x'.repeat(500)));
    expect(answer.status).toBe(200);
  });
});
