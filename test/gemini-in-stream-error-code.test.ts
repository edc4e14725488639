import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Gemini reports a failure inside a 200 `alt=sse` stream as an event holding its error
 * envelope, `{"error":{"code":503,"status":"UNAVAILABLE",…}}`. The `code` is the
 * upstream's word: only an HTTP error status (an integer 400–599) is taken as one.
 * Taken as it came, a code of 200, 0 or -1 made the failure a 400 `upstream_bad_request`
 * ("gemini refused the request (status 200)"): the client blamed, the request not
 * retried on another deployment; and 1e309 told the client "gemini failed with status
 * Infinity", with Infinity as the upstream status of its span and log line.
 */

const content = '{"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]}}],"modelVersion":"gemini-2.5-flash"}';
let events: string[] = [];
const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(events.map((data) => `data: ${data}\r\n\r\n`).join(''));
  });
});

let gateway: TestGateway;
beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  gateway = await startTestGateway({
    providers: { gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/` } },
    chain: [{ auth: {} }, { 'key-scope': {} }, { route: {} }, { adapter: {} }],
    models: { once: { deployments: [{ target: 'gemini/gemini-2.5-flash' }], retries: { attempts: 0 } } },
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

function streamChat(): Promise<Response> {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'once', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

const unreadableCodes = ['200', '0', '-1', '99', '429.5', '600', '1e309', '"oops"', 'null'];

describe('a Gemini error event whose code is no HTTP error status', () => {
  it.each(unreadableCodes)('code %s before any content: a 502 upstream_server_error, as a code of 500 is', async (code) => {
    events = [`{"error":{"code":${code},"message":"Internal error encountered."}}`];
    const response = await streamChat();
    const body = (await response.json()) as { error: { code: string; type: string; message: string } };
    expect(response.status).toBe(502);
    expect(body.error).toMatchObject({ code: 'upstream_server_error', type: 'server_error' });
    expect(body.error.message).not.toMatch(/Infinity|status (200|0|-1|99|600)\b/);
  });

  it.each(unreadableCodes)('code %s after content: the stream ends with an in-stream upstream_server_error', async (code) => {
    events = [content, `{"error":{"code":${code},"message":"Internal error encountered."}}`];
    const response = await streamChat();
    expect(response.status).toBe(200);
    const text = await response.text();
    const last = text.trim().split('\n\n').at(-1)!;
    const error = (JSON.parse(last.slice('data: '.length)) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('upstream_server_error');
    expect(error.message).not.toContain('Infinity');
  });

  it('a code of 1e309 with status UNAVAILABLE is the overload it names', async () => {
    events = ['{"error":{"code":1e309,"message":"The model is overloaded.","status":"UNAVAILABLE"}}'];
    const response = await streamChat();
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('upstream_overloaded');
  });

  it('the statuses the codes stand for are still read: 429 is a rate limit, 400 a refusal', async () => {
    events = ['{"error":{"code":429,"message":"Resource exhausted.","status":"RESOURCE_EXHAUSTED"}}'];
    const limited = await streamChat();
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');

    events = ['{"error":{"code":400,"message":"Request contains an invalid argument.","status":"INVALID_ARGUMENT"}}'];
    const refused = await streamChat();
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('upstream_bad_request');
  });

});

describe('a Gemini in-stream error with a long, structured message', () => {
  // A Java stack line, a pretty-printed JSON detail quoting the gateway's key, a NUL, a terminal colour code, a bidi override and 8,000 characters more.
  const key = 'AIzaSyTest0123456789abcdef';
  const message =
    'Internal error encountered.\n\tat com.google.Foo(Foo.java:12)\r\n' +
    JSON.stringify({ debug: { key, trace: 'x'.repeat(200) } }, null, 2) +
    '\u0000\u001b[31mred\u001b[0m \u202egnirts\u202c\u0085 ' +
    'y'.repeat(8_000) +
    ` ${key}`;

  /** The message a client reads: the 502 before any content, or the error event that ends a begun stream. */
  async function messageRead(afterContent: boolean): Promise<string> {
    events = [...(afterContent ? [content] : []), JSON.stringify({ error: { code: 500, message, status: 'INTERNAL' } })];
    const response = await streamChat();
    const text = await response.text();
    const body = afterContent ? text.trim().split('\n\n').at(-1)!.slice('data: '.length) : text;
    expect(response.status).toBe(afterContent ? 200 : 502);
    return (JSON.parse(body) as { error: { message: string } }).error.message;
  }

  it.each([false, true])('after content: %s, is one line of printable text, bounded, the key blanked', async (afterContent) => {
    const read = await messageRead(afterContent);
    expect(read.startsWith('gemini: Internal error encountered. at com.google.Foo(Foo.java:12) { "debug": { "key": "[REDACTED]", "trace": "xxx')).toBe(true);
    expect(read).toMatch(/"x{200}" \} \} red gnirts y{100}/);
    // No line break, tab, control or format character (NUL, ESC, NEL, bidi overrides), no run of spaces.
    expect(read).not.toMatch(/[\p{Cc}\p{Cf}\u2028\u2029]|\s{2}/u);
    expect(read).not.toContain(key);
    expect(read.length).toBeLessThanOrEqual(2048);
    expect(read.endsWith('…')).toBe(true);
  });
});
