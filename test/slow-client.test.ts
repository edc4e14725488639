import { once } from 'node:events';
import { request as httpRequest, createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

const eventCount = 40_000;
const delta = 'x'.repeat(1000);

/**
 * An OpenAI-compatible upstream that streams ~46 MB as fast as its socket takes it,
 * honouring backpressure, and counts what it managed to write.
 */
async function startFloodingUpstream(events = eventCount) {
  const state = { bytesWritten: 0, finished: false, aborted: false };
  const server = createServer(async (req, res) => {
    req.resume();
    await once(req, 'end');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.once('close', () => {
      if (!res.writableFinished) state.aborted = true;
    });
    for (let index = 0; index < events; index++) {
      const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: delta }, finish_reason: null }] };
      const event = `data: ${JSON.stringify(chunk)}\n\n`;
      state.bytesWritten += event.length;
      if (!res.write(event) && !(await drained(res))) return;
    }
    const last = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    res.end(`data: ${JSON.stringify(last)}\n\ndata: [DONE]\n\n`);
    state.finished = true;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, state };
}

/** Starts a streamed chat through the gateway with node:http, whose response the test can pause. */
function openStream(baseURL: string, content: string): Promise<IncomingMessage> {
  const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content }] });
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(`${baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    });
    req.once('response', resolve).once('error', reject).end(body);
  });
}

/** Resolves true on 'drain', false on 'close', removing both listeners either way. */
function drained(res: import('node:http').ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (value: boolean) => () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(value);
    };
    const onDrain = settle(true);
    const onClose = settle(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/** Waits until the upstream's byte count stops moving: its writes are held back by a full pipe. */
async function untilStalled(state: { bytesWritten: number; finished: boolean }): Promise<void> {
  let previous = -1;
  while (!state.finished && state.bytesWritten !== previous) {
    previous = state.bytesWritten;
    await sleep(150);
  }
}

describe('a client that reads slowly', () => {
  it('holds the upstream back instead of buffering its stream in the gateway, then delivers all of it', async () => {
    const upstream = await startFloodingUpstream();
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-slow-client-0123', base_url: upstream.url } },
    });
    try {
      const response = await openStream(gateway.baseURL, 'flood me');
      expect(response.statusCode).toBe(200);
      // The client stops reading at once; the kernel's and the gateway's buffers fill, then everything waits.
      response.pause();
      await untilStalled(upstream.state);
      const total = eventCount * (delta.length + 150);
      console.log(`stalled after ${(upstream.state.bytesWritten / 1e6).toFixed(1)} MB of ${(total / 1e6).toFixed(1)} MB`);
      expect(upstream.state.finished).toBe(false);
      // What is in flight is what the four loopback sockets' kernel buffers hold (~10 MB here), not the stream.
      expect(upstream.state.bytesWritten).toBeLessThan(24e6);

      // Reading again lets the whole stream through, in order, ending with [DONE].
      let received = 0;
      let tail = '';
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        tail = (tail + chunk.toString('latin1')).slice(-64);
      });
      response.resume();
      await once(response, 'end');
      expect(upstream.state.finished).toBe(true);
      expect(received).toBeGreaterThan(eventCount * delta.length);
      expect(tail).toContain('data: [DONE]');
    } finally {
      await gateway.close();
      upstream.server.closeAllConnections();
      await new Promise((resolve) => upstream.server.close(resolve));
    }
  }, 30_000);

  it('disconnects a client that stops reading for good, once the stream is past its duration limit, and the upstream is let go', async () => {
    const upstream = await startFloodingUpstream(Number.MAX_SAFE_INTEGER);
    const gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-slow-client-0123', base_url: upstream.url } },
      limits: { stream_max_duration_ms: 1000 },
    });
    try {
      const response = await openStream(gateway.baseURL, 'flood me forever');
      expect(response.statusCode).toBe(200);
      response.pause(); // and never reads again: its own socket cannot even see the close until it reads
      const started = performance.now();
      // The gateway lets go of the request: its record is written once the response is closed.
      await expect.poll(() => gateway.logLines.some((line) => line.includes('"msg":"request finished"')), { timeout: 10_000, interval: 50 }).toBe(true);
      const heldMs = performance.now() - started;
      console.log(`a client that stopped reading was let go after ${heldMs.toFixed(0)} ms (limit 1000 ms + grace 1000 ms)`);
      expect(gateway.gateway.activeRequests).toBe(0);
      expect(upstream.state.aborted).toBe(true);
    } finally {
      await gateway.close();
      upstream.server.closeAllConnections();
      await new Promise((resolve) => upstream.server.close(resolve));
    }
  }, 30_000);
});
