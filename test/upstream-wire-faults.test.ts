import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { RequestRecord } from '@switchyard/core';
import { afterEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream that writes raw bytes as its answer, for faults node:http cannot make: head
 * lines past any parser's bound, a status line that is not HTTP, a 101 nobody asked for.
 * Each request read whole (its headers and content-length) is answered with `answer(socket)`.
 */
async function startRawUpstream(answer: (socket: Socket) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const headEnd = received.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(received)?.[1] ?? 0);
      if (received.length < headEnd + 4 + length) return;
      received = '';
      answer(socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

const opened: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const close of opened.splice(0).reverse()) await close();
});

async function gatewayInFrontOf(answer: (socket: Socket) => void): Promise<{ gateway: TestGateway; records: RequestRecord[] }> {
  const upstream = await startRawUpstream(answer);
  upstream.server.on('connection', (socket) => opened.push(() => void socket.destroy()));
  opened.push(() => new Promise((resolve) => upstream.server.close(resolve)));
  const gateway = await startTestGateway(
    {
      providers: { openai: { api_key: 'sk-test-wire-faults-0123456789', base_url: upstream.url } },
      models: {
        once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
        retried: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 1, backoff_ms: 1 } },
      },
    },
    { serverLimits: true },
  );
  opened.push(() => gateway.close());
  const records: RequestRecord[] = [];
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  return { gateway, records };
}

async function chat(gateway: TestGateway, stream: boolean, model = 'once'): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

const answerBody = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});

describe('an upstream whose answer head is not one the gateway can read', () => {
  const heads: Array<{ name: string; head: string; message?: RegExp }> = [
    { name: 'a 1 MB header', head: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-padding: ${'a'.repeat(1 << 20)}\r\ncontent-length: ${answerBody.length}\r\n\r\n` },
    { name: '3,000 headers (48 KB)', head: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n${'x-many: 1234567\r\n'.repeat(3000)}content-length: ${answerBody.length}\r\n\r\n` },
    { name: 'a status line that is not HTTP', head: `HTTP/1.1 2000 FINE\r\ncontent-type: application/json\r\ncontent-length: ${answerBody.length}\r\n\r\n` },
    { name: 'two content-length headers that disagree', head: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${answerBody.length}\r\ncontent-length: 5\r\n\r\n` },
    // undici refuses a switch of protocols it did not ask for ('bad upgrade'), with or without the upgrade headers.
    { name: '101 Switching Protocols to a websocket', head: 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n', message: /switch/i },
    { name: 'a bare 101 Switching Protocols', head: 'HTTP/1.1 101 Switching Protocols\r\n\r\n', message: /switch/i },
    // and a 100 Continue the request did not ask for (no `expect: 100-continue`), though the real head follows ('bad response').
    { name: 'a 100 Continue unasked, then the answer', head: `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${answerBody.length}\r\n\r\n`, message: /100 Continue/ },
    { name: 'a chunk size line that is not hex', head: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n` },
  ];
  for (const { name, head, message } of heads) {
    for (const stream of [false, true]) {
      it(`${name} (${stream ? 'streamed' : 'whole'}) → 502 upstream_invalid_response: the upstream was reached, its answer unreadable; recorded`, async () => {
        const { gateway, records } = await gatewayInFrontOf((socket) => socket.end(head + answerBody));
        const response = await chat(gateway, stream);
        expect(response.status).toBe(502);
        const body = (await response.json()) as { error: { code: string; type: string; message: string } };
        expect(body.error).toMatchObject({ code: 'upstream_invalid_response', type: 'server_error' });
        expect(body.error.message).not.toMatch(/could not reach/i);
        if (message) expect(body.error.message).toMatch(message);
        await expect.poll(() => records.length).toBe(1);
        expect(records[0]).toMatchObject({ status: 502, errorCode: 'upstream_invalid_response' });
      });
    }
  }

  it('a 101 Switching Protocols is retried as any unreadable head is: the retry serves, both attempts recorded', async () => {
    let answers = 0;
    const ok = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${answerBody.length}\r\n\r\n${answerBody}`;
    const { gateway, records } = await gatewayInFrontOf((socket) => socket.end(answers++ === 0 ? 'HTTP/1.1 101 Switching Protocols\r\n\r\n' : ok));
    const response = await chat(gateway, false, 'retried');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('ok');
    await expect.poll(() => records.length).toBe(1);
    expect(records[0]!.attempts.map((attempt) => attempt.errorCode ?? 'ok')).toEqual(['upstream_invalid_response', 'ok']);
  });
});
