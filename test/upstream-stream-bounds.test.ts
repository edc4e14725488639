import type { RequestRecord } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/** Which path the gateways of the running describe take (docs/fast-path.md). */
let useFastPath = true;

const once = { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } };

/** The `data:` payloads of an event stream, in order. */
function dataLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice(6));
}

function streamedText(payloads: string[]): string {
  return payloads
    .filter((payload) => payload.startsWith('{"id"'))
    .map((payload) => (JSON.parse(payload) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
    .join('');
}

let upstream: MockOpenAI | undefined;
let gateway: TestGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

async function start(limits: Record<string, number>) {
  upstream = await startMockOpenAI();
  gateway = await startTestGateway({
    providers: { openai: { api_key: 'sk-test-abcdefgh', base_url: upstream.url } },
    server: { fast_path: useFastPath },
    models: once,
    limits,
  });
  const finished = new Promise<RequestRecord>((resolve) => gateway!.gateway.runtime.onRequestFinished(resolve));
  const chat = async (body: Record<string, unknown>) => {
    const response = await fetch(`${gateway!.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'once', messages: [{ role: 'user', content: 'one two three' }], ...body }),
    });
    return { status: response.status, text: await response.text() };
  };
  return { upstream, chat, finished };
}

/** Both paths keep these guarantees: the same-dialect fast path (the default here) and the translated one. */
describe.each([true, false])('server.fast_path %s', (fastPath) => {
  beforeAll(() => {
    useFastPath = fastPath;
  });

  describe('bounds on what an upstream may send', () => {
    it('cuts an endless stream at limits.stream_max_duration_ms: the upstream request is aborted, the client gets an upstream_duration_exceeded event, the request is recorded as failed', async () => {
      const { upstream, chat, finished } = await start({ stream_max_duration_ms: 1000 });
      upstream.enqueue({ reply: { content: 'one two three' }, stream: { repeatEvent: 1, chunkDelayMs: 20 } });
      const { status, text } = await chat({ stream: true });
      expect(status).toBe(200);
      const payloads = dataLines(text);
      expect(streamedText(payloads).length).toBeGreaterThan(0);
      expect(payloads).not.toContain('[DONE]');
      expect(JSON.parse(payloads.at(-1)!)).toEqual({
        error: { message: expect.stringContaining('1000 ms'), type: 'server_error', code: 'upstream_duration_exceeded', param: null },
      });
      await upstream.waitForAborts(1);
      expect(await finished).toMatchObject({ status: 200, errorCode: 'upstream_duration_exceeded', stream: true });
    });

    it('cuts an endless stream at limits.stream_max_bytes with an upstream_response_too_large event, and aborts the upstream request', async () => {
      const { upstream, chat, finished } = await start({ stream_max_bytes: 16 * 1024 });
      // Paced, so the first events arrive in reads of their own and the stream begins before the bound.
      upstream.enqueue({ reply: { content: 'one two three' }, stream: { repeatEvent: 1, chunkDelayMs: 2 } });
      const { status, text } = await chat({ stream: true });
      expect(status).toBe(200);
      const payloads = dataLines(text);
      expect(JSON.parse(payloads.at(-1)!).error).toMatchObject({ code: 'upstream_response_too_large', type: 'server_error' });
      // What reached the client is bounded by the limit.
      expect(Buffer.byteLength(text)).toBeLessThan(2 * 16 * 1024);
      await upstream.waitForAborts(1);
      expect(await finished).toMatchObject({ errorCode: 'upstream_response_too_large' });
    });

    it('refuses a whole (non-streamed) answer larger than limits.stream_max_bytes with 502 upstream_response_too_large', async () => {
      const { upstream, chat, finished } = await start({ stream_max_bytes: 1024 });
      upstream.enqueue({ reply: { content: 'word '.repeat(2000) } });
      const { status, text } = await chat({});
      expect(status).toBe(502);
      expect(JSON.parse(text).error).toMatchObject({ code: 'upstream_response_too_large', type: 'server_error' });
      expect(await finished).toMatchObject({ status: 502, errorCode: 'upstream_response_too_large' });
    });

    it('counts the duration from when the request was sent: an upstream that never answers is cut at the bound, not at the headers timeout', async () => {
      const { upstream, chat } = await start({ stream_max_duration_ms: 1000 });
      upstream.enqueue({ hang: true });
      const { status, text } = await chat({});
      expect(status).toBe(504);
      expect(JSON.parse(text).error.code).toBe('upstream_duration_exceeded');
      await upstream.waitForAborts(1);
    });
  });

  describe('a stream that breaks', () => {
    it('hands the client the text decoded in the same network read as an in-stream error, then the error', async () => {
      const { upstream, chat } = await start({});
      upstream.enqueue({ reply: { content: 'alpha beta gamma delta' }, stream: { midStreamError: true, errorAfterEvents: 3, sameWrite: true } });
      const { status, text } = await chat({ stream: true });
      // Before the fix the error threw the decoded text away and came first: a 502 instead of a stream.
      expect(status).toBe(200);
      const payloads = dataLines(text);
      expect(streamedText(payloads)).toBe('alpha beta');
      expect(JSON.parse(payloads.at(-1)!).error).toMatchObject({ code: 'upstream_server_error' });
    });

    it('reports a stream cut mid-way after the upstream answered as upstream_invalid_response, not upstream_unreachable', async () => {
      const { upstream, chat, finished } = await start({});
      upstream.enqueue({ reply: { content: 'alpha beta gamma delta' }, stream: { cutAfterEvents: 3 } });
      const { status, text } = await chat({ stream: true });
      expect(status).toBe(200);
      const payloads = dataLines(text);
      expect(streamedText(payloads)).toBe('alpha beta');
      expect(JSON.parse(payloads.at(-1)!).error).toMatchObject({ code: 'upstream_invalid_response', type: 'server_error' });
      expect(await finished).toMatchObject({ errorCode: 'upstream_invalid_response' });
    });
  });
});
