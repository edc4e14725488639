import { request } from 'node:http';
import { startMockOpenAI } from '@switchyard/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

/** Which path the gateways of the running describe take (docs/fast-path.md). */
let useFastPath = true;

/** Both paths keep these guarantees: the same-dialect fast path (the default here) and the translated one. */
describe.each([true, false])('server.fast_path %s', (fastPath) => {
  beforeAll(() => {
    useFastPath = fastPath;
  });

  describe('a client that disconnects mid-stream', () => {
    it('makes the gateway abort the upstream request', async () => {
      const upstream = await startMockOpenAI();
      const gateway = await startTestGateway({ providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } }, server: { fast_path: useFastPath } });
      try {
        // A long, slow stream: 40 words, 100 ms apart.
        upstream.enqueue({ stream: { chunkDelayMs: 100 } });
        const words = Array.from({ length: 40 }, (_, index) => `w${index}`).join(' ');
        await new Promise<void>((resolve, reject) => {
          const req = request(`${gateway.baseURL}/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          });
          req.on('response', (res) => {
            res.once('data', () => {
              // First bytes arrived: the stream is flowing. Hang up.
              req.destroy();
              resolve();
            });
          });
          req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
          req.end(JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: words }] }));
        });
        await upstream.waitForAborts(1, 3000);
        expect(upstream.abortedCount).toBe(1);
        // The gateway records it as the client's doing, not as an upstream failure.
        await expect.poll(() => gateway.logLines.find((line) => line.includes('"request finished"'))).toContain('"status":499');
      } finally {
        await gateway.close();
        await upstream.close();
      }
    });

    it('cancels a non-streaming upstream call as well', async () => {
      const upstream = await startMockOpenAI();
      const gateway = await startTestGateway({ providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } }, server: { fast_path: useFastPath } });
      try {
        upstream.enqueue({ hang: true });
        const abort = new AbortController();
        const pending = fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}` },
          body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }),
          signal: abort.signal,
        }).catch((error: unknown) => error);
        await expect.poll(() => upstream.requests.length).toBe(1);
        abort.abort();
        await pending;
        await upstream.waitForAborts(1, 3000);
        expect(upstream.abortedCount).toBe(1);
      } finally {
        await gateway.close();
        await upstream.close();
      }
    });
  });
});
