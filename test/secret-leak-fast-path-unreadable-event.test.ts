import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { sseData } from './support/sse-data.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The fast path holds back a delta's tail that may start the provider key, to blank the key
 * whole if the next delta completes it (passthrough-secret-tails.ts). When the next event cannot
 * be read (not JSON, not an object) the stream ends in an error: the held text must reach the
 * client first, scrubbed, and no part of the key past what the text showed before.
 */
const key = 'sk-proj-TAILs3cr3tKEY0123456789abcdef';
const said = 'The key is ';
const head = '"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini"';
const chunk = (content: string) => `data: {${head},"choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}\n\n`;

let upstream: LoopbackUpstream;
let gateway: TestGateway;
let nextStream = '';

beforeAll(async () => {
  upstream = await startLoopbackUpstream((_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(nextStream);
  });
  gateway = await startTestGateway({
    providers: { openai: { api_key: key, base_url: upstream.origin } },
    models: { m: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** The text of the content deltas the client read, and whether an error event came after them. */
async function streamed(upstreamStream: string): Promise<{ path: string | null; text: string; error: boolean; raw: string }> {
  nextStream = upstreamStream;
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'the key?' }] }),
  });
  expect(response.status).toBe(200);
  const raw = await response.text();
  let text = '';
  let error = false;
  for (const data of sseData(raw)) {
    if (data === '[DONE]') continue;
    const event = JSON.parse(data) as { error?: unknown; choices?: Array<{ delta?: { content?: string } }> };
    if (event.error !== undefined) error = true;
    else if (!error) text += event.choices?.[0]?.delta?.content ?? '';
  }
  return { path: response.headers.get('x-switchyard-path'), text, error, raw };
}

describe('fast path: a delta ending in the start of the provider key, then an event that cannot be read', () => {
  /** The event that cannot be read, given the rest of the key after the start the delta ended in. */
  const unreadable: Array<[string, number, (rest: string) => string]> = [
    ['not JSON', 12, () => 'data: {"id":"chatcmpl-1",\n\n'],
    ['JSON, not an object', 12, () => 'data: [1,2,3]\n\n'],
    // Cut short: not taken for content (which goes on unread), so it is read, and fails.
    ['not JSON, its text completing the key', 12, (rest) => `data: {${head},"choices":[{"index":0,"delta":{"content":"${rest} ok"},"finish_reason":null}]\n\n`],
    ['JSON, not an object, its text completing the key', 12, (rest) => `data: [{"index":0,"delta":{"content":"${rest} ok"}}]\n\n`],
    ['an in-stream error, its text completing the key', 12, (rest) => `data: {${head},"choices":[{"index":0,"delta":{"content":"${rest} ok"},"finish_reason":null}],"error":{"message":"overloaded"}}\n\n`],
    // A start too short to be blanked alone: only the text that completes it tells.
    ['an in-stream error, its text completing the key begun in four characters', 4, (rest) => `data: {${head},"choices":[{"index":0,"delta":{"content":"${rest} ok"},"finish_reason":null}],"error":{"message":"overloaded"}}\n\n`],
  ];
  it.each(unreadable)('%s: the held text reaches the client blanked before the error, no part of the key', async (_label, length, unreadableAfter) => {
    const event = unreadableAfter(key.slice(length));
    const { path, text, error, raw } = await streamed(chunk('Hello. ') + chunk(said + key.slice(0, length)) + event + chunk(' more') + 'data: [DONE]\n\n');
    expect(path).toBe('fast');
    expect(error).toBe(true);
    // The text held back goes on blanked: a start of the key this long is one, or the event's text completed it.
    expect(text).toBe(`Hello. ${said}[REDACTED]`);
    for (let at = 0; at + 4 <= key.length; at++) expect(raw).not.toContain(key.slice(at, at + 4));
  });
});
