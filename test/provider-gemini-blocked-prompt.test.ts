import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Gemini refuses a prompt with a 200 that has no candidates, a `promptFeedback.blockReason`
 * and the `usageMetadata` of the prompt it read. A whole answer was billed that count; the
 * same refusal as a stream's first event was billed $0, so a client asking with
 * `stream: true` could send blocked prompts for free. Both are billed the count Gemini gave.
 */

const blocked = { promptFeedback: { blockReason: 'PROHIBITED_CONTENT' }, usageMetadata: { promptTokenCount: 321, totalTokenCount: 321 }, modelVersion: 'gemini-2.5-flash' };
const rates = { input: 100, output: 200 };

let upstream: Server;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      if (req.url?.includes('alt=sse')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(`data: ${JSON.stringify(blocked)}\r\n\r\n`);
      } else {
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(blocked));
      }
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    providers: { gemini: { api_key: 'AIzaSyBlockedPrompt0123456789', base_url: origin } },
    prices: { 'gemini/gemini-2.5-flash': rates },
    models: { 'gemini-once': { deployments: [{ target: 'gemini/gemini-2.5-flash' }], retries: { attempts: 0 } } },
  });
  records = recordQueue(gateway);
});

afterAll(async () => {
  await gateway.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe.each([false, true])('a prompt Gemini blocked (stream %s)', (stream) => {
  it('is refused 400 content_filter and billed the prompt count Gemini gave', async () => {
    const finished = records.next();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ model: 'gemini-once', stream, messages: [{ role: 'user', content: 'something prohibited' }] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('content_filter');
    const record = await finished;
    expect(record.usage).toMatchObject({ inputTokens: 321, outputTokens: 0 });
    expect(record.costUsd).toBeCloseTo((321 * rates.input) / 1e6, 12);
    await expect.poll(() => gateway.gateway.activeRequests).toBe(0);
  });
});
