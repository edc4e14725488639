import { once } from 'node:events';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { contextMiddleware, getContext, type RequestContext } from '../src/index.js';

let server: Server | undefined;
afterEach(() => server?.close());

/**
 * Serves GET /hold: the handler hands its context to the test and answers only when
 * `answer` is called. Resolves with the URL and the next context to arrive.
 */
async function holdingServer() {
  const arrivals: Array<{ context: RequestContext; res: express.Response; answer: () => void }> = [];
  let arrived: (() => void) | undefined;
  const app = express();
  app.get('/hold', contextMiddleware(), (_req, res) => {
    arrivals.push({ context: getContext(res), res, answer: () => void res.end('done') });
    arrived?.();
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hold`;
  const next = async () => {
    if (arrivals.length === 0) await new Promise<void>((resolve) => (arrived = resolve));
    return arrivals.shift()!;
  };
  return { url, next };
}

describe("the request context's clientGone and onClientGone", () => {
  it('say the client left, with the reason the signal aborts with, also to a listener added afterwards', async () => {
    const { url, next } = await holdingServer();
    const client = request(url);
    client.on('error', () => undefined);
    client.end();
    const { context } = await next();
    expect(context.clientGone).toBe(false);
    const reasons: Error[] = [];
    const left = new Promise<void>((resolve) =>
      context.onClientGone((reason) => {
        reasons.push(reason);
        resolve();
      }),
    );
    client.destroy();
    await left;
    expect(context.clientGone).toBe(true);
    expect(context.signal.aborted).toBe(true);
    context.onClientGone((reason) => reasons.push(reason));
    expect(reasons).toHaveLength(2);
    expect(reasons[0]!.message).toBe('client disconnected');
    expect(reasons[1]).toBe(reasons[0]);
    expect(context.signal.reason).toBe(reasons[0]);
  });

  it('never call a listener of a request answered in full', async () => {
    const { url, next } = await holdingServer();
    const client = request(url);
    client.end();
    const { context, res, answer } = await next();
    const called: Error[] = [];
    context.onClientGone((reason) => called.push(reason));
    const responded = once(client, 'response');
    answer();
    const [response] = (await responded) as [NodeJS.ReadableStream];
    response.resume();
    await once(response, 'end');
    // The response closed after its last byte went out: the request was answered in full.
    if (!res.closed) await once(res, 'close');
    client.destroy();
    expect(called).toEqual([]);
    expect(context.clientGone).toBe(false);
  });
});
