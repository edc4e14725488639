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
async function startFloodingUpstream() {
  const state = { bytesWritten: 0, finished: false };
  const server = createServer(async (req, res) => {
    req.resume();
    await once(req, 'end');
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (let index = 0; index < eventCount; index++) {
      const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: delta }, finish_reason: null }] };
      const event = `data: ${JSON.stringify(chunk)}\n\n`;
      state.bytesWritten += event.length;
      if (!res.write(event)) {
        const drained = await Promise.race([once(res, 'drain').then(() => true), once(res, 'close').then(() => false)]);
        if (!drained) return;
      }
    }
    const last = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
    res.end(`data: ${JSON.stringify(last)}\n\ndata: [DONE]\n\n`);
    state.finished = true;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, state };
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
      const body = JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'flood me' }] });
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        });
        req.once('response', resolve).once('error', reject).end(body);
      });
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
});
