import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keys, startCacheGateway, type CacheGateway } from './support/start-cache-gateway.js';

// A finish reason the gateway does not know (unified `other`: DeepSeek's
// `insufficient_system_resource`, vLLM's `abort`, any word an upstream makes up) does not
// say the answer is complete: such an answer was stored and replayed for the whole ttl,
// so one interrupted generation answered every identical request for an hour after the
// upstream recovered. Now it is answered but never stored; `length` and `content_filter`,
// which the same request gets again, still are.

let upstream: MockOpenAI;
let gateway: CacheGateway;
beforeAll(async () => {
  upstream = await startMockOpenAI();
  gateway = await startCacheGateway({}, upstream.url);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

const completion = (content: string, finishReason: string) => ({
  id: 'chatcmpl-interrupted',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

const chunk = (delta: object, finishReason: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-interrupted', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`;

const streamed = (content: string, finishReason: string) => ({
  headers: { 'content-type': 'text/event-stream' },
  body: chunk({ role: 'assistant', content }, null) + chunk({}, finishReason) + 'data: [DONE]\n\n',
});

async function ask(content: string, stream: boolean) {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', stream, messages: [{ role: 'user', content }] }),
  });
  const text = await response.text();
  return { status: response.status, cache: response.headers.get('x-switchyard-cache'), text, content: stream ? streamedContent(text) : (JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content };
}

/** The text of an OpenAI event stream's deltas, joined. */
function streamedContent(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => (JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
    .join('');
}

describe('an answer whose finish reason the gateway does not know', () => {
  it.each(['insufficient_system_resource', 'abort'])('is answered but never stored, whole: %s', async (reason) => {
    const content = `whole ${reason}`;
    upstream.enqueue({ body: completion('Half an ans', reason) });
    expect(await ask(content, false)).toMatchObject({ status: 200, cache: 'MISS', content: 'Half an ans' });
    expect(await ask(content, false)).toMatchObject({ status: 200, cache: 'MISS', content: `Echo: ${content}` });
    expect(upstream.requests).toHaveLength(2);
  });

  it.each(['insufficient_system_resource', 'abort'])('is answered but never stored, streamed: %s', async (reason) => {
    const content = `streamed ${reason}`;
    upstream.enqueue(streamed('Half an ans', reason));
    expect(await ask(content, true)).toMatchObject({ status: 200, cache: 'MISS', content: 'Half an ans' });
    expect(await ask(content, true)).toMatchObject({ status: 200, cache: 'MISS', content: `Echo: ${content}` });
    expect(upstream.requests).toHaveLength(2);
  });

  it.each(['length', 'content_filter'])('unlike a known one, which is stored: %s', async (reason) => {
    const content = `known ${reason}`;
    upstream.enqueue(streamed('Cut', reason));
    expect(await ask(content, true)).toMatchObject({ status: 200, cache: 'MISS' });
    expect(await ask(content, false)).toMatchObject({ status: 200, cache: 'HIT', text: expect.stringContaining(`"finish_reason":"${reason}"`) });
    expect(upstream.requests).toHaveLength(1);
  });
});
