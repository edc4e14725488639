import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from './support/embedded-gateway.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/** 24 MiB of text: far more than loopback's socket buffers hold, far less than limits.stream_max_bytes. */
const content = 'é'.repeat(12 * 1024 * 1024);

/** Sends a request on a raw socket that then reads nothing until told to. */
async function stalledClient(origin: string, body: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port: Number(new URL(origin).port) });
  socket.on('error', () => undefined);
  socket.pause();
  await once(socket, 'connect');
  socket.write(
    `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${masterKey}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return socket;
}

/** Reads the socket to its end; the number of bytes it got. */
/** An OpenAI-compatible upstream that answers every request with `answer`, whole. */
function answering(answer: string): Server {
  return createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
    res.end(answer);
  });
}

async function readToEnd(socket: Socket): Promise<number> {
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  socket.resume();
  if (!socket.destroyed) await once(socket, 'close');
  return received;
}

/**
 * A whole (non-streamed) answer to a client that stops reading: written with one end(),
 * up to limits.stream_max_bytes (256 MiB), it held the connection, its buffered bytes and
 * the request's record (and a budgeted key's hold) for as long as the client's TCP
 * connection lived: Node's server has no timeout on writing an answer.
 */
describe('a client that stops reading a whole answer', () => {
  const servers: Server[] = [];
  let gateway: TestGateway | undefined;
  afterAll(async () => {
    await gateway?.close();
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('is disconnected after limits.client_stall_ms without taking a byte; the request is recorded as a client that left', async () => {
    const answer = JSON.stringify({
      id: 'c1',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    });
    const upstreamUrl = await listenOnLoopback(answering(answer), servers);
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-whole-stall-')) },
      providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: `${upstreamUrl}/v1` } },
      limits: { client_stall_ms: 200 },
    });
    const finished = new Promise<RequestRecord>((resolve) => gateway!.gateway.runtime.onRequestFinished(resolve));

    const socket = await stalledClient(gateway.origin, JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'a long one' }] }));
    const record = await finished;
    expect(record).toMatchObject({ provider: 'openai', stream: false, status: 499, errorCode: 'client_closed_request' });
    // The answer was generated: what the upstream said it used is billed.
    expect(record.usage).toMatchObject({ inputTokens: 5, outputTokens: 7 });
    expect(gateway.logLines.filter((line) => line.includes('client stopped reading the answer'))).toHaveLength(1);

    // The connection was cut: reading now gets what the buffers held, not the whole answer.
    const received = await readToEnd(socket);
    expect(received).toBeLessThan(Buffer.byteLength(answer));
  }, 60_000);

  it('a client that reads slowly but steadily gets the whole answer', async () => {
    // Characters of two UTF-16 units each: a slice boundary must not split one.
    const text = 'a' + '😀'.repeat(512 * 1024);
    const answer = JSON.stringify({
      id: 'c2',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    });
    const upstreamUrl = await listenOnLoopback(answering(answer), servers);
    const slowGateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: `${upstreamUrl}/v1` } },
      limits: { client_stall_ms: 1000 },
    });
    try {
      const socket = await stalledClient(slowGateway.origin, JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'slowly' }] }));
      // Reads in bursts with pauses shorter than the stall limit, each a fraction of the answer.
      const chunks: Buffer[] = [];
      let headEnd = -1;
      let bodyLength = -1;
      let received = 0;
      for (;;) {
        const chunk = socket.read() as Buffer | null;
        if (chunk !== null) {
          chunks.push(chunk);
          received += chunk.length;
          if (headEnd === -1) {
            const whole = Buffer.concat(chunks);
            headEnd = whole.indexOf('\r\n\r\n');
            if (headEnd !== -1) bodyLength = Number(/content-length: (\d+)/i.exec(whole.subarray(0, headEnd).toString('latin1'))![1]);
          }
          if (headEnd !== -1 && received >= headEnd + 4 + bodyLength) break;
        } else if (socket.readableEnded || socket.destroyed) break;
        else await sleep(50);
      }
      const whole = Buffer.concat(chunks);
      expect(whole.subarray(0, 12).toString('latin1')).toBe('HTTP/1.1 200');
      const answered = JSON.parse(whole.subarray(headEnd + 4).toString('utf8')) as { choices: Array<{ message: { content: string } }> };
      expect(answered.choices[0]!.message.content).toBe(text);
      socket.destroy();
    } finally {
      await slowGateway.close();
    }
  }, 60_000);
});

/**
 * HTTP/1.1 pipelining: a whole answer queued behind a stream on the same connection
 * waits for that stream, not for its client. Its stall clock starts once it has the socket.
 */
describe('a whole answer queued behind a stream on a pipelined connection', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('is delivered whole, however long the stream before it runs past limits.client_stall_ms', async () => {
    const chunk = (content: string, finish: string | null) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
    const upstream = createServer(async (req, res) => {
      let requestBody = '';
      for await (const data of req) requestBody += String(data);
      if (!(JSON.parse(requestBody) as { stream?: boolean }).stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'c2',
            object: 'chat.completion',
            created: 1,
            model: 'gpt-4o-mini',
            choices: [{ index: 0, message: { role: 'assistant', content: 'the queued answer' }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      const timer = setInterval(() => {
        sent += 1;
        if (sent < 10) res.write(chunk(`part ${sent} `, null));
        else {
          clearInterval(timer);
          res.end(`${chunk('', 'stop')}data: [DONE]\n\n`);
        }
      }, 100);
    });
    const upstreamUrl = await listenOnLoopback(upstream, servers);
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: `${upstreamUrl}/v1` } },
      limits: { client_stall_ms: 200 },
    });
    try {
      const socket = connect({ host: '127.0.0.1', port: Number(new URL(gateway.origin).port) });
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      const post = (stream: boolean, last: boolean) => {
        const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hello' }] });
        return (
          `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${masterKey}\r\n` +
          `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${last ? 'connection: close\r\n' : ''}\r\n${body}`
        );
      };
      // Both requests in one write: the second's answer is made while the stream runs.
      socket.write(post(true, false) + post(false, true));
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (data: string) => (text += data));
      await once(socket, 'close');
      expect(text).toContain('data: [DONE]');
      expect(text).toContain('the queued answer');
      expect(gateway.logLines.filter((line) => line.includes('client stopped reading'))).toHaveLength(0);
    } finally {
      await gateway.close();
    }
  }, 60_000);
});
