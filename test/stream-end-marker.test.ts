import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream's `[DONE]` ends the answer, whatever its body does next. One that keeps
 * the body open after it (keep-alive comments) used to hold the client's finished
 * answer until `limits.stream_max_duration_ms` (30 minutes by default) and then record
 * it as failed. The rest of a body that does end is still read, so its connection is kept.
 */

const chunk = (fields: string) => `data: {"id":"chatcmpl-end","object":"chat.completion.chunk","created":1764072009,"model":"gpt-4o-mini",${fields}}\n\n`;
const answer = [
  chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]'),
  chunk('"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]'),
  chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]'),
  chunk('"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}'),
  'data: [DONE]\n\n',
].join('');

let upstream: Server;
/** For each answer that ends its body: whether it was sent to its end (true) or cut by the gateway. */
const endingAnswers: Array<Promise<boolean>> = [];
/** Open responses of the upstream that never ends its body, to close at the end. */
const heldOpen = new Set<ServerResponse>();
/** One per answer that never ends its body: settles when the gateway let go of its connection. */
const letGo: Array<Promise<void>> = [];
let fast: TestGateway;
let translated: TestGateway;
const finished = new Map<TestGateway, Array<(record: RequestRecord) => void>>();

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (req.url?.startsWith('/open/')) {
        // After [DONE], a comment every 100 ms, and never the end of the body.
        res.write(answer);
        heldOpen.add(res);
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 100);
        letGo.push(new Promise((resolve) => res.on('close', () => resolve())));
        res.on('close', () => {
          clearInterval(keepAlive);
          heldOpen.delete(res);
        });
      } else {
        // The body's end a moment after [DONE], as a server that flushes its last write apart.
        endingAnswers.push(new Promise((resolve) => res.on('close', () => resolve(res.writableFinished))));
        res.write(answer);
        setTimeout(() => res.end(), 30);
      }
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const config = {
    providers: {
      ending: { use: 'openai', api_key: 'sk-end-marker-test-0000000000', base_url: `${base}/ends/v1` },
      open: { use: 'openai', api_key: 'sk-end-marker-test-0000000000', base_url: `${base}/open/v1` },
    },
    chain: ['auth', 'route', 'adapter'],
  };
  fast = await startTestGateway(config);
  translated = await startTestGateway({ ...config, server: { fast_path: false } });
  for (const gateway of [fast, translated]) {
    finished.set(gateway, []);
    gateway.gateway.runtime.onRequestFinished((record) => finished.get(gateway)!.shift()?.(record));
  }
});

afterAll(async () => {
  await fast?.close();
  await translated?.close();
  for (const res of heldOpen) res.destroy();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

async function stream(gateway: TestGateway, model: string) {
  const recorded = new Promise<RequestRecord>((resolve) => finished.get(gateway)!.push(resolve));
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Hi' }] }),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, path: response.headers.get('x-switchyard-path'), text: await response.text(), record: await recorded };
}

describe("an upstream's [DONE] ends the stream", () => {
  for (const [name, gateway] of [
    ['fast path', () => fast],
    ['translated path', () => translated],
  ] as const) {
    it(`${name}: an upstream that keeps its body open after [DONE] does not hold the finished answer`, async () => {
      const { status, path, text, record } = await stream(gateway(), 'open/gpt-4o-mini');
      expect(status).toBe(200);
      expect(path).toBe(name === 'fast path' ? 'fast' : null);
      expect(text).toContain('Hello');
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(record.status).toBe(200);
      expect(record.errorCode).toBeUndefined();
      expect(record.usage).toMatchObject({ inputTokens: 9, outputTokens: 2 });
      // The body still open is cut after its grace, not kept until the stream's time limit.
      await letGo.at(-1);
    });
  }

  it('an upstream that ends its body a moment after [DONE] is read to its end, not cut (its connection is kept)', async () => {
    const from = endingAnswers.length;
    for (let i = 0; i < 3; i++) {
      const { status, record } = await stream(fast, 'ending/gpt-4o-mini');
      expect(status).toBe(200);
      expect(record.usage).toMatchObject({ inputTokens: 9, outputTokens: 2 });
    }
    expect(await Promise.all(endingAnswers.slice(from))).toEqual([true, true, true]);
  });
});
