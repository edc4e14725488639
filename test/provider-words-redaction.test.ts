import { startMockOpenAI } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

const providerKey = 'sk-proj-FAULTSECRET0123456789abcdefXYZ';
const once = { once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } };

type Chat = (body: Record<string, unknown>) => Promise<{ status: number; text: string }>;

/** Runs `run` against a gateway whose OpenAI upstream is a mock, then checks no log line holds any part of the key. */
async function withGateway(run: (chat: Chat, upstream: Awaited<ReturnType<typeof startMockOpenAI>>, logLines: string[]) => Promise<void>) {
  const upstream = await startMockOpenAI({ apiKey: providerKey });
  const gateway = await startTestGateway({ log: { level: 'trace' }, providers: { openai: { api_key: providerKey, base_url: upstream.url } }, models: once });
  const chat = async (body: Record<string, unknown>) => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'once', messages: [{ role: 'user', content: 'one two three four' }], ...body }),
    });
    return { status: response.status, text: await response.text() };
  };
  try {
    await run(chat, upstream, gateway.logLines);
  } finally {
    await gateway.close();
    await upstream.close();
  }
  expect(gateway.logLines.length).toBeGreaterThan(0);
  for (const line of gateway.logLines) {
    expect(line).not.toContain(providerKey);
    expect(line).not.toContain('FAULTSECR');
  }
}

describe("a provider's words on their way to a client", () => {
  it('redacts the key an OpenAI mid-stream error event quotes: the client and the logs see [REDACTED]', async () => {
    await withGateway(async (chat, upstream) => {
      const errorEvent = { error: { message: `Upstream proxy failed with key ${providerKey}`, type: 'server_error', param: null, code: null } };
      upstream.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2, errorWire: `data: ${JSON.stringify(errorEvent)}\n\n` } });
      const { status, text } = await chat({ stream: true });
      expect(status).toBe(200);
      expect(text).not.toContain('FAULTSECRET');
      const last = text.trim().split('\n').at(-1)!;
      expect(JSON.parse(last.slice('data: '.length))).toEqual({
        error: { message: 'openai: Upstream proxy failed with key [REDACTED]', type: 'server_error', code: 'upstream_server_error', param: null },
      });
    });
  });

  it('redacts a key whose characters the error body JSON-escapes (\\u0053), after decoding it', async () => {
    await withGateway(async (chat, upstream) => {
      // sk-proj-FAULT\u0053ECRET…, and a slash escaped for good measure: the same key, spelled differently.
      const escaped = providerKey.replace('S', '\\u0053').replace('abc', '\\u0061bc');
      const body = `{"error":{"message":"Key ${escaped} is not valid for this model\\/route","type":"invalid_request_error","param":null,"code":null}}`;
      upstream.enqueue({ status: 400, headers: { 'content-type': 'application/json' }, body });
      const { status, text } = await chat({});
      expect(status).toBe(400);
      expect(JSON.parse(text)).toEqual({
        error: { message: 'openai: Key [REDACTED] is not valid for this model/route', type: 'invalid_request_error', code: 'upstream_bad_request', param: null },
      });
    });
  });

  it('keeps the text of an unreadable stream event out of the log, where the parse error would quote part of the key', async () => {
    await withGateway(async (chat, upstream, logLines) => {
      // JSON.parse would say: Unexpected token 'F', "[1, FAULTSECRE"... is not valid JSON
      upstream.enqueue({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: `data: [1, ${providerKey.slice('sk-proj-'.length)}]\n\n` });
      const { status, text } = await chat({ stream: true });
      expect(status).toBe(502);
      expect(JSON.parse(text).error.code).toBe('upstream_invalid_response');
      expect(text).not.toContain('FAULTSECR');
      // Logged once, at warn: the upstream's fault, not the gateway's (an error line would page for a provider's bad answer).
      const failures = logLines.filter((line) => line.includes('not valid JSON')).map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(failures.map(({ level, msg }) => [level, msg])).toEqual([[40, 'request failed upstream']]);
    });
  });
});
