import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { sseData } from './support/sse-data.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An OpenAI-compatible upstream whose second event is one line of 40 MiB: valid JSON,
 * a chunk of content, written 1 MiB at a time as the socket takes it. An event is held
 * whole until its blank line; without a bound of its own it grew to
 * limits.stream_max_bytes (256 MiB) in the gateway's memory, per stream.
 */
const megabyte = 'x'.repeat(1024 * 1024);
const lineMegabytes = 40;

let upstream: Server;
const state = { cut: false, finished: false };

function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = () => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = () => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

beforeAll(async () => {
  upstream = createServer(async (req, res) => {
    req.resume();
    await once(req, 'end');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.once('close', () => {
      if (!res.writableFinished) state.cut = true;
    });
    res.write('data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}]}\n\n');
    res.write('data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"');
    for (let index = 0; index < lineMegabytes; index++) {
      if (!res.write(megabyte) && !(await drained(res))) return;
    }
    res.end('"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n');
    state.finished = true;
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe.each([true, false])('server.fast_path %s', (fastPath) => {
  let gateway: TestGateway;
  let records: { next(): Promise<RequestRecord> };

  beforeAll(async () => {
    gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-event-bound-0123456789', base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1` } },
      server: { fast_path: fastPath },
      models: { 'openai-once': { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
    });
    records = recordQueue(gateway);
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('cuts a stream event past 32 MiB with an in-stream upstream_response_too_large, the upstream let go, recorded once as that failure', async () => {
    state.cut = false;
    state.finished = false;
    const recorded = records.next();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai-once', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    // The 40 MiB line never reaches the client.
    expect(text.length).toBeLessThan(1024 * 1024);
    const data = sseData(text);
    expect(data).not.toContain('[DONE]');
    expect(JSON.parse(data.at(-1)!)).toEqual({
      error: { message: 'The openai upstream sent a stream event over 32 MiB; the answer was cut.', type: 'server_error', code: 'upstream_response_too_large', param: null },
    });
    expect(await recorded).toMatchObject({ status: 200, stream: true, errorCode: 'upstream_response_too_large' });
    await expect.poll(() => state.cut).toBe(true);
    expect(state.finished).toBe(false);
  }, 60_000);
});
