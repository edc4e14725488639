import dns from 'node:dns';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttemptCancel } from '../src/transport/attempt-cancel.js';
import { readJsonBody } from '../src/transport/read-upstream-body.js';
import type { UpstreamBody } from '../src/transport/upstream-body.js';
import type { ResolveHostname } from '../src/transport/upstream-lookup.js';
import { UpstreamTransport, defaultUpstreamTimeouts, type UpstreamTransportOptions } from '../src/transport/upstream-transport.js';

// The transport against a real server on loopback: what its undici handler owns
// (the answer's head, the body's flow, cutting a request) on real sockets.

let server: Server | undefined;
let transport: UpstreamTransport | undefined;

afterEach(async () => {
  await transport?.close();
  server?.closeAllConnections();
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = transport = undefined;
});

async function upstream(handler: (req: IncomingMessage, res: ServerResponse) => void, options?: UpstreamTransportOptions): Promise<string> {
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  transport = new UpstreamTransport(options);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const post = (origin: string) => ({ origin, path: '/v1/chat/completions', method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: '{}' });

async function readText(body: UpstreamBody, pauseMs = 0): Promise<string> {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = body.read();
    if (chunk === null) return Buffer.concat(chunks).toString();
    if (chunk === undefined) {
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      await body.more();
    } else chunks.push(chunk);
  }
}

describe('UpstreamTransport on a real socket', () => {
  it('a request whose header undici refuses to write is the gateway\'s failure, not the upstream\'s: not retryable, not a breaker failure, nothing sent', async () => {
    let calls = 0;
    const origin = await upstream((_req, res) => {
      calls++;
      res.end('{}');
    });
    for (const value of ['a\r\nx-injected: 1', '\u00e9\u{1F600}', 'a\u0000b']) {
      const request = { ...post(origin), headers: { 'content-type': 'application/json', 'x-plugin-flag': value } };
      const error = await transport!.send(request, new AttemptCancel(), defaultUpstreamTimeouts, 'up').then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({ code: 'internal_error', retryable: false, provider: 'up' });
      // Never the value itself: it is the client's or the plugin's text.
      expect((error as Error).message).not.toContain(value);
    }
    expect(calls).toBe(0);
  });

  it('sends the request and gives the answer after 103 Early Hints, headers parsed', async () => {
    let received = '';
    const origin = await upstream((req, res) => {
      req.setEncoding('utf8');
      req.on('data', (text: string) => (received += text));
      req.on('end', () => {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' });
        res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': ['a', 'b'] });
        res.end('{"ok":true}');
      });
    });
    const cancel = new AttemptCancel();
    const response = await transport!.send(post(origin), cancel, defaultUpstreamTimeouts, 'up');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['x-upstream']).toEqual(['a', 'b']);
    await expect(readJsonBody(response, 'up', cancel)).resolves.toEqual({ ok: true });
    expect(received).toBe('{}');
  });

  it('a slow reader gets a large answer whole and in order (past 64 KiB unread the upstream is paused, then resumed)', async () => {
    const line = (i: number) => `${String(i).padStart(8, '0')}${'x'.repeat(1016)}\n`;
    const lines = 2048; // 2 MiB
    const origin = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let i = 0;
      const write = () => {
        while (i < lines) if (!res.write(line(i++))) return void res.once('drain', write);
        res.end();
      };
      write();
    });
    const response = await transport!.send(post(origin), new AttemptCancel(), defaultUpstreamTimeouts, 'up');
    const text = await readText(response.body, 1);
    expect(text.length).toBe(lines * 1025);
    expect(text.split('\n').slice(0, -1).map((row) => Number(row.slice(0, 8)))).toEqual(Array.from({ length: lines }, (_, i) => i));
  });

  it('a reader that stops mid-answer cuts the request: the upstream sees its connection close', async () => {
    let upstreamClosed: Promise<unknown> | undefined;
    const origin = await upstream((_req, res) => {
      upstreamClosed = once(res, 'close');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
    });
    const response = await transport!.send(post(origin), new AttemptCancel(), defaultUpstreamTimeouts, 'up');
    let chunk = response.body.read();
    while (chunk === undefined) {
      await response.body.more();
      chunk = response.body.read();
    }
    expect(chunk?.toString()).toBe('data: one\n\n');
    response.body.destroy();
    await upstreamClosed;
    expect(() => response.body.read()).toThrow('Premature close');
  });

  it('the client leaving before the answer arrives is client_closed_request, and the request is cut', async () => {
    let upstreamClosed: Promise<unknown> | undefined;
    const origin = await upstream((req) => {
      upstreamClosed = once(req.socket, 'close');
    });
    const cancel = new AttemptCancel();
    const sending = transport!.send(post(origin), cancel, defaultUpstreamTimeouts, 'up');
    while (!upstreamClosed) await new Promise((resolve) => setImmediate(resolve));
    cancel.abort(new Error('client gone'));
    await expect(sending).rejects.toMatchObject({ code: 'client_closed_request' });
    await upstreamClosed;
  });

  it('a client gone before the request is sent is client_closed_request, and nothing reaches the upstream', async () => {
    let requests = 0;
    const origin = await upstream((_req, res) => {
      requests++;
      res.end('{}');
    });
    const cancel = new AttemptCancel();
    cancel.abort(new Error('client gone'));
    await expect(transport!.send(post(origin), cancel, defaultUpstreamTimeouts, 'up')).rejects.toMatchObject({ code: 'client_closed_request' });
    // The same transport still works for the next request.
    const response = await transport!.send(post(origin), new AttemptCancel(), defaultUpstreamTimeouts, 'up');
    await readJsonBody(response, 'up', new AttemptCancel());
    expect(requests).toBe(1);
  });

  it('no answer within headers_ms is upstream_timeout; nobody listening is upstream_unreachable', async () => {
    const origin = await upstream(() => {});
    await expect(transport!.send(post(origin), new AttemptCancel(), { ...defaultUpstreamTimeouts, headersMs: 50 }, 'up')).rejects.toMatchObject({
      code: 'upstream_timeout',
    });
    server!.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    await expect(transport!.send(post(origin), new AttemptCancel(), defaultUpstreamTimeouts, 'up')).rejects.toMatchObject({ code: 'upstream_unreachable' });
  });

  it('an answer past the duration bound is cut while its body is read: upstream_duration_exceeded', async () => {
    const origin = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"slow":');
    }, { bodyLimits: { maxDurationMs: 100 } });
    const cancel = new AttemptCancel();
    const response = await transport!.send(post(origin), cancel, defaultUpstreamTimeouts, 'up');
    await expect(readJsonBody(response, 'up', cancel)).rejects.toMatchObject({ code: 'upstream_duration_exceeded' });
  });
});

describe('a request waiting for a free connection to its origin', () => {
  // Past `connectionsPerOrigin` (128 by default) undici queues a request until a
  // connection frees; its own timers start only once the request is written, and the
  // handler hears of nothing before that. With every connection held by an upstream
  // that never answers, the wait is as long as theirs.
  const outcome = (sending: Promise<unknown>, withinMs: number) =>
    Promise.race([
      sending.then(
        () => 'answered',
        (error: unknown) => error,
      ),
      new Promise((resolve) => setTimeout(() => resolve(`still waiting after ${withinMs} ms`), withinMs)),
    ]);

  it('the client leaving is client_closed_request at once, and the request is never sent', async () => {
    let requests = 0;
    const origin = await upstream(() => void requests++, { connectionsPerOrigin: 1 });
    const holding = transport!.send(post(origin), new AttemptCancel(), defaultUpstreamTimeouts, 'up');
    holding.catch(() => {});
    while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const cancel = new AttemptCancel();
    const queued = transport!.send(post(origin), cancel, defaultUpstreamTimeouts, 'up');
    cancel.abort(new Error('client gone'));
    expect(await outcome(queued, 2000)).toMatchObject({ code: 'client_closed_request' });
    // Once the held connection frees, the queued request is dropped, not sent.
    server!.closeAllConnections();
    await expect(holding).rejects.toMatchObject({ code: 'upstream_unreachable' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(requests).toBe(1);
  });

  it('no free connection within headers_ms is upstream_timeout', async () => {
    let requests = 0;
    const origin = await upstream(() => void requests++, { connectionsPerOrigin: 1 });
    const holding = transport!.send(post(origin), new AttemptCancel(), defaultUpstreamTimeouts, 'up');
    holding.catch(() => {});
    while (requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const queued = transport!.send(post(origin), new AttemptCancel(), { ...defaultUpstreamTimeouts, headersMs: 200 }, 'up');
    expect(await outcome(queued, 3000)).toMatchObject({ code: 'upstream_timeout', message: expect.stringContaining('no free connection') });
    server!.closeAllConnections();
    await expect(holding).rejects.toMatchObject({ code: 'upstream_unreachable' });
    expect(requests).toBe(1);
  });
});

describe('upstream host names', () => {
  // Each connection's host name goes through the transport's own lookup (upstream-lookup.ts),
  // here with a stand-in resolver: getaddrinfo has no timeout and holds one of libuv's 4 threads.
  it('a host name is resolved once for many calls, over pools of two connect timeouts; an IP literal and localhost never ask', async () => {
    const asked: string[] = [];
    const resolveHostname: ResolveHostname = (hostname, _options, answer) => {
      asked.push(hostname);
      setImmediate(() => answer(null, [{ address: '127.0.0.1', family: 4 }]));
    };
    const origin = await upstream((_req, res) => res.end('{}'), { resolveHostname });
    const port = new URL(origin).port;
    const named = `http://api.upstream.test:${port}`;
    const calls = [1000, 1000, 2000, 2000].map((connectMs) => transport!.send(post(named), new AttemptCancel(), { ...defaultUpstreamTimeouts, connectMs }, 'up'));
    calls.push(transport!.send(post(origin), new AttemptCancel(), defaultUpstreamTimeouts, 'up'));
    calls.push(transport!.send(post(`http://localhost:${port}`), new AttemptCancel(), defaultUpstreamTimeouts, 'up'));
    for (const response of await Promise.all(calls)) expect(response.statusCode).toBe(200);
    expect(asked).toEqual(['api.upstream.test']);
  });

  it('a lookup that never answers is upstream_unreachable naming the host, within half the connect timeout; nothing is sent', async () => {
    let requests = 0;
    const origin = await upstream(() => void requests++, { resolveHostname: () => {} });
    const named = `http://api.hung-dns.test:${new URL(origin).port}`;
    const error = await transport!.send(post(named), new AttemptCancel(), { ...defaultUpstreamTimeouts, connectMs: 200 }, 'up').then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: 'upstream_unreachable',
      retryable: true,
      provider: 'up',
      message: 'Could not reach the up upstream: the DNS lookup of api.hung-dns.test gave no answer within 100 ms.',
    });
    expect(requests).toBe(0);
  });

  it("with Node's own dns.lookup hung, four names hold at most two lookups, and each call fails naming its host before connect_ms", async () => {
    const origin = await upstream(() => {});
    const port = new URL(origin).port;
    const asked: string[] = [];
    // net.connect reads dns.lookup at each connection, as the transport's default resolver does
    // (and server.listen too: the upstream listens first).
    const hung = vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string) => void asked.push(hostname)) as unknown as typeof dns.lookup);
    try {
      const names = ['a', 'b', 'c', 'd'].map((name) => `${name}.hung-dns.test`);
      const errors = await Promise.all(
        names.map((name) =>
          transport!.send(post(`http://${name}:${port}`), new AttemptCancel(), { ...defaultUpstreamTimeouts, connectMs: 200 }, 'up').then(
            () => undefined,
            (caught: unknown) => caught,
          ),
        ),
      );
      expect(errors.map((error) => (error as Error).message)).toEqual(names.map((name) => `Could not reach the up upstream: the DNS lookup of ${name} gave no answer within 100 ms.`));
      expect(asked).toEqual(names.slice(0, 2));
    } finally {
      hung.mockRestore();
    }
  });
});
