import { once as onceEvent } from 'node:events';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { refusedPort, startMockOpenAI } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

async function chat(baseURL: string, body: Record<string, unknown>) {
  const response = await fetch(`${baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}` },
    // `once` (below) tries its deployment once: these tests look at the failure, not a retry.
    body: JSON.stringify({ model: 'once', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return { status: response.status, text: await response.text() };
}

const once = { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } };

describe('upstream failures on the network', () => {
  it('answers 504 upstream_timeout when the upstream sends no headers in time', async () => {
    const upstream = await startMockOpenAI();
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url, timeouts: { headers_ms: 200 } } },
      models: once,
    });
    try {
      upstream.enqueue({ hang: true });
      const started = performance.now();
      const { status, text } = await chat(gateway.baseURL, {});
      expect(status).toBe(504);
      expect(JSON.parse(text).error.code).toBe('upstream_timeout');
      // undici checks its timers about twice a second, so allow for that.
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it('answers 504 upstream_timeout when the upstream sends only interim answers (102 Processing, 103 Early Hints) and never its own headers', async () => {
    // Each interim answer restarted undici's headers timer: a hung backend behind a server that
    // sends 102 while it works held the call past headers_ms, up to limits.stream_max_duration_ms.
    const interims: ServerResponse[] = [];
    const upstream = createHttpServer((_req, res) => {
      interims.push(res);
      res.writeProcessing();
    });
    const ticker = setInterval(() => {
      for (const res of interims) if (!res.destroyed) res.writeEarlyHints({ link: '</style.css>; rel=preload' });
    }, 50);
    upstream.listen(0, '127.0.0.1');
    await onceEvent(upstream, 'listening');
    const port = (upstream.address() as AddressInfo).port;
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: `http://127.0.0.1:${port}/v1`, timeouts: { headers_ms: 300 } } },
      models: once,
      // Far past headers_ms: the answer must come from the headers bound, not this one.
      limits: { stream_max_duration_ms: 10_000 },
    });
    try {
      for (const stream of [false, true]) {
        const { status, text } = await chat(gateway.baseURL, { stream });
        expect(status).toBe(504);
        expect(JSON.parse(text).error.code).toBe('upstream_timeout');
      }
      // The calls were cut: their connections closed.
      await expect.poll(() => interims.filter((res) => !res.socket?.destroyed).length).toBe(0);
    } finally {
      clearInterval(ticker);
      await gateway.close();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('answers 504 when a stream stalls before its first event, since nothing was sent yet', async () => {
    const upstream = await startMockOpenAI();
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url, timeouts: { body_ms: 200 } } },
      models: once,
    });
    try {
      upstream.enqueue({ reply: { content: 'one two three' }, stream: { chunkDelayMs: 1000 } });
      const { status, text } = await chat(gateway.baseURL, { stream: true });
      expect(status).toBe(504);
      expect(JSON.parse(text).error.code).toBe('upstream_timeout');
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });

  it('answers 502 upstream_unreachable when nothing listens at the upstream', async () => {
    const port = await refusedPort();
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: `http://127.0.0.1:${port}/v1` } },
      models: once,
    });
    try {
      const { status, text } = await chat(gateway.baseURL, {});
      expect(status).toBe(502);
      expect(JSON.parse(text).error.code).toBe('upstream_unreachable');
    } finally {
      await gateway.close();
    }
  });

  it('answers 504 upstream_timeout when an https upstream takes the connection and never answers its TLS handshake', async () => {
    // Accepts, reads the ClientHello, never answers: connecting never ends without connect_ms.
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((socket) => void sockets.add(socket.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: `https://127.0.0.1:${port}/v1`, timeouts: { connect_ms: 200 } } },
      models: once,
    });
    try {
      const { status, text } = await chat(gateway.baseURL, {});
      expect(status).toBe(504);
      expect(JSON.parse(text).error.code).toBe('upstream_timeout');
      expect(sockets.size).toBe(1);
    } finally {
      await gateway.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("holds each provider to its own timeouts.connect_ms when two providers share an origin, whichever was called first", async () => {
    // Two providers on one host (an OpenAI key for batch work beside the interactive one, say): the
    // connection pool for the origin was made by the first call, with that provider's connect_ms.
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((socket) => void sockets.add(socket.on('error', () => {})));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const baseUrl = `https://127.0.0.1:${port}/v1`;
    const gateway = await startTestGateway({
      providers: {
        patient: { use: 'openai', api_key: 'sk-test-patient-abcdefgh', base_url: baseUrl, timeouts: { connect_ms: 60_000 } },
        quick: { use: 'openai', api_key: 'sk-test-quick-abcdefgh', base_url: baseUrl, timeouts: { connect_ms: 200 } },
      },
      models: {
        slow: { deployments: [{ target: 'patient/gpt-4o-mini' }], retries: { attempts: 0 } },
        fast: { deployments: [{ target: 'quick/gpt-4o-mini' }], retries: { attempts: 0 } },
      },
    });
    const ask = (model: string, signal: AbortSignal) =>
      fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}` },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        signal,
      });
    try {
      // The patient provider connects first, and the client gives up on it once it is connecting.
      const leaving = new AbortController();
      const first = ask('slow', leaving.signal).catch(() => undefined);
      await new Promise((resolve) => silent.once('connection', resolve));
      leaving.abort();
      await first;
      // Only a bound for the test: the quick provider answers within its own 200 ms (it waited for the patient one's 60 s).
      const response = await ask('fast', AbortSignal.timeout(15_000));
      expect(response.status).toBe(504);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_timeout');
    } finally {
      await gateway.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 30_000);

  it('falls back to a clean error when a stream is cut before its first event', async () => {
    const upstream = await startMockOpenAI();
    const gateway = await startTestGateway({ providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } }, models: once });
    try {
      upstream.enqueue({ stream: { cutAfterEvents: 0 } });
      const { status, text } = await chat(gateway.baseURL, { stream: true });
      // Nothing was sent yet, so the client gets a proper HTTP error, not a broken stream.
      expect(status).toBe(502);
      expect(JSON.parse(text).error.code).toMatch(/^upstream_/);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});
