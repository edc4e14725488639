import { createServer, type Server } from 'node:http';
import { startMockOpenAI } from '@switchyard/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { listenOnLoopback, startEmbeddedGateway } from './support/embedded-gateway.js';

/**
 * An app embedding the gateway closes it on shutdown (`await gateway.close()`) while a
 * model call waits on an upstream that never answers. After the drain deadline the
 * upstream connections were closed gracefully, which waits for that call: close()
 * hung for the upstream's headers timeout (120 s by default), the app's shutdown with it.
 */
describe("gateway.close() with a call in flight to an upstream that never answers", () => {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('resolves after the drain deadline, the call answered 503 shutting_down and recorded', async () => {
    let arrived!: () => void;
    const upstreamReached = new Promise<void>((resolve) => (arrived = resolve));
    const silent = await listenOnLoopback(createServer(() => arrived()), servers);
    const { gateway, records, chatUrl } = await startEmbeddedGateway({ providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: `${silent}/v1` } } }, servers);

    const answer = fetch(chatUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await upstreamReached;
    await gateway.close({ drainTimeoutMs: 50 });
    // Recorded before close() resolved, so before the usage recorder's last flush.
    expect(records.map((record) => record.errorCode)).toEqual(['shutting_down']);

    const response = await answer;
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
  });

  it('ends a stream still running at the drain deadline with an in-stream shutting_down, not an upstream failure, and records it so', async () => {
    // An upstream streaming without end, one event every 50 ms.
    let streaming!: () => void;
    const upstreamStreaming = new Promise<void>((resolve) => (streaming = resolve));
    const chunk = `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'word ' }, finish_reason: null }] })}\n\n`;
    const endless = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk);
      streaming();
      const timer = setInterval(() => res.write(chunk), 50);
      res.on('close', () => clearInterval(timer));
    });
    const endlessUrl = await listenOnLoopback(endless, servers);
    const { gateway, records, chatUrl } = await startEmbeddedGateway({ providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: `${endlessUrl}/v1` } } }, servers);

    const response = await fetch(chatUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    const text = response.text();
    await upstreamStreaming;
    await gateway.close({ drainTimeoutMs: 50 });

    const events = (await text).split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
    expect(events).not.toContain('[DONE]');
    // The gateway ended it, retryable elsewhere: the upstream did nothing wrong (it said the upstream's connection ended early).
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: 'shutting_down' } });
    expect(records.map((record) => [record.status, record.errorCode])).toEqual([[200, 'shutting_down']]);
    // What was delivered is billed.
    expect(records[0]!.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('cuts a direct provider call (an in-process model, its own SDK) still running at the drain deadline as it cuts an HTTP one: 503 shutting_down, or the in-stream event, recorded before close() resolves', async () => {
    // The built-in mock is a direct provider: a whole answer after 60 s, a stream of a word every 100 ms.
    const { gateway, records, chatUrl } = await startEmbeddedGateway(
      { providers: { slow: { use: 'mock', latency_ms: 60_000 }, trickle: { use: 'mock', chunk_delay_ms: 100 } } },
      servers,
    );
    const leave = new AbortController(); // only for the test's own clean-up, should the calls hang
    const ask = (model: string, stream: boolean) =>
      fetch(chatUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: Array.from({ length: 500 }, (_, index) => `w${index}`).join(' ') }] }),
        signal: leave.signal,
      });

    try {
      const whole = ask('slow/echo', false);
      whole.catch(() => undefined); // the clean-up's abort, should it come to that
      const streamed = await ask('trickle/echo', true);
      expect(streamed.status).toBe(200);
      const reader = streamed.body!.getReader();
      await reader.read(); // the stream has begun
      await expect.poll(() => gateway.activeRequests).toBe(2);

      await gateway.close({ drainTimeoutMs: 50 });
      // Both recorded before close() resolved, so before the usage recorder's last flush.
      expect(records.map((record) => [record.stream, record.errorCode]).sort()).toEqual([
        [false, 'shutting_down'],
        [true, 'shutting_down'],
      ]);
      const answer = await whole;
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
      let rest = '';
      for (let step = await reader.read(); !step.done; step = await reader.read()) rest += new TextDecoder().decode(step.value);
      const last = rest.split('\n').filter((line) => line.startsWith('data: ')).at(-1)!;
      expect(JSON.parse(last.slice(6))).toMatchObject({ error: { code: 'shutting_down' } });
    } finally {
      leave.abort();
    }
  });

  it('ends a request waiting out a Retry-After between its attempts at the drain deadline: 503 shutting_down, recorded before close() resolves', async () => {
    const upstream = await startMockOpenAI();
    const { gateway, records, chatUrl } = await startEmbeddedGateway(
      {
        providers: { openai: { api_key: 'sk-upstream-0123456789', base_url: upstream.url } },
        models: { patient: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 2 } } },
      },
      servers,
    );
    try {
      // Rate limited, asked to come back in 20 s: the route step waits that out before its next round.
      upstream.enqueue({ error: 'rate_limit', headers: { 'retry-after': '20' } });
      const answer = fetch(chatUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'patient', messages: [{ role: 'user', content: 'hi' }] }),
      });
      await expect.poll(() => upstream.requests.length).toBe(1);

      await gateway.close({ drainTimeoutMs: 50 });
      // It waited out the 20 s, past close(): answered and recorded after the usage recorder's last flush.
      expect(records.map((record) => record.errorCode)).toEqual(['shutting_down']);
      const response = await answer;
      expect(response.status).toBe(503);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('shutting_down');
      expect(upstream.requests).toHaveLength(1);
    } finally {
      await upstream.close();
    }
  });
});
