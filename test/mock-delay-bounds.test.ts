import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// A client's provider_options.mock held a connection (and an upstream slot, and a budget hold) for
// up to ten minutes of latency, or a minute between each of a stream's hundreds of events. A client's
// delays are bounded now; the YAML's (the operator's) keep their own bounds.

let gateway: TestGateway;

beforeAll(async () => {
  gateway = await startTestGateway({ providers: { mock: {} } });
});
afterAll(async () => {
  await gateway.close();
});

async function chat(mock: string, stream = false): Promise<{ status: number; body: { error?: { message: string; type: string; code: string; param: string | null } } }> {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    // Raw text, so 1e309 reaches the gateway as written.
    body: `{"model":"mock/echo","stream":${stream},"messages":[{"role":"user","content":"hi"}],"provider_options":{"mock":${mock}}}`,
  });
  const text = await response.text();
  return { status: response.status, body: stream && response.status === 200 ? {} : (JSON.parse(text) as never) };
}

describe("a client's mock delays", () => {
  it.each([
    ['latency_ms', '{"latency_ms":600000}'],
    ['latency_ms', '{"latency_ms":30001}'],
    ['chunk_delay_ms', '{"chunk_delay_ms":60000}'],
    ['chunk_delay_ms', '{"chunk_delay_ms":1001}'],
  ])('%s past its bound (%s) is a 400 naming the field', async (field, mock) => {
    for (const stream of [false, true]) {
      const { status, body } = await chat(mock, stream);
      expect(status).toBe(400);
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param: 'provider_options.mock' });
      expect(body.error!.message).toContain(field);
    }
  });

  it.each(['latency_ms', 'chunk_delay_ms', 'failure_rate', 'retry_after_s'])('%s of 1e309 (Infinity once parsed) is a 400', async (field) => {
    const { status, body } = await chat(`{"${field}":1e309}`);
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(body.error!.message).toContain(field);
  });

  it('delays within the bounds are acted out', async () => {
    expect((await chat('{"latency_ms":1,"chunk_delay_ms":1}')).status).toBe(200);
    expect((await chat('{"latency_ms":1,"chunk_delay_ms":1}', true)).status).toBe(200);
  });
});

// A chunk delay within its bound was still paid before every event: a reply of 1,024 tokens of
// one-letter words is 2,048 events, so 1,000 ms each held the connection for 34 minutes.
describe("a client's chunk delays over a whole stream", () => {
  it('add up to at most 30 s: 100 events at 1,000 ms each end within 45 s (100 s before)', async () => {
    const started = Date.now();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'mock/echo',
        stream: true,
        messages: [{ role: 'user', content: 'a '.repeat(100) }],
        provider_options: { mock: { chunk_delay_ms: 1000 } },
      }),
    });
    const text = await response.text();
    const elapsed = Date.now() - started;
    expect(response.status).toBe(200);
    // Every word arrives: only the waits are bounded.
    expect(text.match(/"content":"a ?"/g)).toHaveLength(100);
    expect(text).toMatch(/data: \[DONE\]\n\n$/);
    expect(elapsed).toBeGreaterThanOrEqual(29_000);
    expect(elapsed).toBeLessThan(45_000);
  }, 60_000);
});
