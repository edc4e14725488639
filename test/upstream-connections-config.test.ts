import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFixture } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * `limits.upstream_connections_per_origin` reaches the transport's pool: with 2, two
 * streams in progress hold both connections to their origin, and a third call waits for
 * a free one (up to the provider's `timeouts.headers_ms`, then 504) instead of opening
 * a third. Fixed at 128 before, whatever the upstream could take.
 */

const firstEvent = readFixture('openai', 'stream.txt').split('\n\n')[0]! + '\n\n';
let connections = 0;
let requests = 0;
const arrivals: Array<() => void> = [];
const upstream = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    requests++;
    // A stream begun and never finished: the connection stays held.
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(firstEvent);
    arrivals.shift()?.();
  });
});
upstream.on('connection', () => connections++);
let gateway: TestGateway;

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    providers: { openai: { api_key: 'sk-openai-test-0123456789', base_url: `${url}/v1`, timeouts: { headers_ms: 1000 } } },
    models: { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
    limits: { upstream_connections_per_origin: 2 },
  });
});
afterAll(async () => {
  upstream.closeAllConnections();
  await gateway?.close();
  await new Promise((resolve) => upstream.close(resolve));
});

function chat(signal?: AbortSignal): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'once', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    ...(signal && { signal }),
  });
}

describe('limits.upstream_connections_per_origin', () => {
  it('2: two streams in progress hold both connections, and a third call waits for one, then 504', async () => {
    const holding = new AbortController();
    for (let stream = 0; stream < 2; stream++) {
      const arrived = new Promise<void>((resolve) => arrivals.push(resolve));
      const response = await chat(holding.signal);
      expect(response.status).toBe(200);
      await arrived;
    }
    const third = await chat();
    expect(third.status).toBe(504);
    const { error } = (await third.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('upstream_timeout');
    expect(error.message).toContain('had no free connection within 1000 ms');
    expect({ connections, requests }).toEqual({ connections: 2, requests: 2 });
    holding.abort();
  });
});
