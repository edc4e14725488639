import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { onceDeploymentsAt, streamedAsk } from './support/once-deployments.js';

/**
 * An upstream that answers a stream with its end marker alone: `data: [DONE]` (OpenAI
 * and compatible servers) or `message_stop` (Anthropic), no chunk, no message_start.
 * It said nothing: not an empty answer (a finish reason with no text is one) but none,
 * as a stream that closes with no event at all is. It was a 200 with nothing in it,
 * recorded as a success with no usage.
 */
const endOnly: Record<string, string> = {
  '/v1/chat/completions': 'data: [DONE]\n\n',
  '/v1/messages': 'event: message_stop\ndata: {"type":"message_stop"}\n\n',
};

/** An Anthropic upstream that sends a `ping` (or an event of a kind added later) and closes: nothing began. */
const pingOnly = 'event: ping\ndata: {"type":"ping"}\n\nevent: some_later_kind\ndata: {"type":"some_later_kind"}\n\n';
let wire: string | undefined;

let upstream: Server;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(wire ?? endOnly[req.url ?? ''] ?? '');
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

const asks = [
  { provider: 'openai', route: '/v1/chat/completions' },
  { provider: 'openai', route: '/v1/messages' },
  { provider: 'anthropic', route: '/v1/messages' },
  { provider: 'anthropic', route: '/v1/chat/completions' },
] as const;

describe.each([true, false])('server.fast_path %s', (fastPath) => {
  let gateway: TestGateway;
  let records: { next(): Promise<RequestRecord> };

  beforeAll(async () => {
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gateway = await startTestGateway({ ...onceDeploymentsAt(origin, 'end-only'), server: { fast_path: fastPath } });
    records = recordQueue(gateway);
  });

  afterAll(async () => {
    await gateway.close();
  });

  it.each(asks)('a $provider stream of its end marker alone, asked on $route, is a 502 upstream_invalid_response, not a 200 with nothing', async ({ provider, route }) => {
    const recorded = records.next();
    const model = `${provider}-once`;
    const body = streamedAsk(route, model);
    const response = await fetch(`${gateway.origin}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(502);
    const answer = (await response.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe('upstream_invalid_response');
    expect(answer.error.message).toContain(provider);
    expect(await recorded).toMatchObject({ status: 502, errorCode: 'upstream_invalid_response', stream: true });
  });

  it.each(['/v1/messages', '/v1/chat/completions'])('an Anthropic stream of a ping and an unknown event that then closes, asked on %s, is a 502 before its first byte, not a 200 with a ping and an error event', async (route) => {
    wire = pingOnly;
    try {
      const recorded = records.next();
      const body = streamedAsk(route, 'anthropic-once');
      const response = await fetch(`${gateway.origin}${route}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(502);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_invalid_response');
      expect(await recorded).toMatchObject({ status: 502, errorCode: 'upstream_invalid_response', stream: true });
    } finally {
      wire = undefined;
    }
  });
});
