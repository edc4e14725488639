import Anthropic from '@anthropic-ai/sdk';
import { startMockAnthropic, type MockAnthropic } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFixtureReplay } from './support/start-fixture-replay.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Extended thinking through the translated path (fast path off): Anthropic refuses a
 * thinking block sent back without the signature it came with, so the signature (and a
 * redacted_thinking block's data) must reach the client, whole and streamed, and go
 * upstream again on the next turn.
 */

const anthropicKey = 'sk-ant-upstream-test-key-0123456789abcdef';
let upstream: MockAnthropic;
let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let gateway: TestGateway;
let replayGateway: TestGateway;
let cacheGateway: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startMockAnthropic({ apiKey: anthropicKey });
  replay = await startFixtureReplay();
  gateway = await startTestGateway({ providers: { anthropic: { api_key: anthropicKey, base_url: upstream.url } }, server: { fast_path: false } });
  replayGateway = await startTestGateway({ providers: { anthropic: { api_key: anthropicKey, base_url: replay.url } }, server: { fast_path: false } });
  // The cache step takes the translated path for an answer it may store, fast path on.
  cacheGateway = await startTestGateway({
    providers: { anthropic: { api_key: anthropicKey, base_url: upstream.url } },
    chain: ['auth', { cache: { ttl_seconds: 60 } }, 'route', 'adapter'],
  });
  client = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  await replayGateway?.close();
  await cacheGateway?.close();
  await upstream?.close();
  await replay?.close();
});
beforeEach(() => upstream.reset());

const question: Anthropic.MessageParam = { role: 'user', content: 'What is 2 + 2?' };
const firstTurn: Anthropic.MessageCreateParamsNonStreaming = { model: 'anthropic/claude-sonnet-4-5', max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [question] };

describe.each([
  ['whole', false],
  ['streamed', true],
] as const)('a %s answer with thinking, translated', (_name, stream) => {
  it('reaches the SDK with its signature, and the signature goes upstream again on the next turn', async () => {
    upstream.enqueue({ reply: { reasoning: 'Two plus two is four.', content: 'It is 4.' } }, { reply: { content: 'Yes.' } });
    const message = stream ? await client.messages.stream(firstTurn).finalMessage() : await client.messages.create(firstTurn);
    const thinking = message.content[0];
    expect(thinking).toMatchObject({ type: 'thinking', thinking: 'Two plus two is four.' });
    const signature = (thinking as Anthropic.ThinkingBlock).signature;
    expect(signature).not.toBe('');
    // A streamed text block has no citations field (as Anthropic streams it), a whole one has citations: null.
    expect(message.content.slice(1)).toMatchObject([{ type: 'text', text: 'It is 4.' }]);

    // Anthropic refuses a thinking block sent back without its signature (so does the mock).
    const next = await client.messages.create({
      ...firstTurn,
      messages: [question, { role: 'assistant', content: message.content }, { role: 'user', content: 'Sure?' }],
    });
    expect(next.content).toEqual([{ type: 'text', text: 'Yes.', citations: null }]);
    const sent = upstream.requests[1]!.body as { messages: Array<{ content: unknown }> };
    expect(sent.messages[1]!.content).toEqual([
      { type: 'thinking', thinking: 'Two plus two is four.', signature },
      { type: 'text', text: 'It is 4.' },
    ]);
  });
});

const redactedData = 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj';
const wholeWithRedacted = {
  id: 'msg_01Redacted',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [
    { type: 'thinking', thinking: 'Let me think.', signature: 'sig-one' },
    { type: 'redacted_thinking', data: redactedData },
    { type: 'text', text: 'It is 4.' },
  ],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 12, output_tokens: 30 },
};
const sse = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
const streamWithRedacted = [
  sse('message_start', { type: 'message_start', message: { ...wholeWithRedacted, content: [], stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }),
  sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me think.' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig-one' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
  sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: redactedData } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 1 }),
  sse('content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'text_delta', text: 'It is 4.' } }),
  sse('content_block_stop', { type: 'content_block_stop', index: 2 }),
  sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 30 } }),
  sse('message_stop', { type: 'message_stop' }),
].join('');

describe.each([
  ['whole', false],
  ['streamed', true],
] as const)('a %s answer with redacted thinking, translated', (_name, stream) => {
  it('reaches the SDK as its own redacted_thinking block, and goes upstream again on the next turn', async () => {
    const replayClient = new Anthropic({ apiKey: masterKey, baseURL: replayGateway.origin, maxRetries: 0 });
    replay.play(stream ? { body: streamWithRedacted, contentType: 'text/event-stream' } : { body: JSON.stringify(wholeWithRedacted), contentType: 'application/json' });
    const message = stream ? await replayClient.messages.stream(firstTurn).finalMessage() : await replayClient.messages.create(firstTurn);
    expect(message.content.slice(0, 2)).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'sig-one' },
      { type: 'redacted_thinking', data: redactedData },
    ]);
    expect(message.content.slice(2)).toMatchObject([{ type: 'text', text: 'It is 4.' }]);

    replay.play({ body: JSON.stringify({ ...wholeWithRedacted, content: [{ type: 'text', text: 'Yes.' }] }), contentType: 'application/json' });
    await replayClient.messages.create({ ...firstTurn, messages: [question, { role: 'assistant', content: message.content }, { role: 'user', content: 'Sure?' }] });
    const sent = JSON.parse(replay.received.at(-1)!.body) as { messages: Array<{ content: unknown }> };
    expect(sent.messages[1]!.content).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'sig-one' },
      { type: 'redacted_thinking', data: redactedData },
      { type: 'text', text: 'It is 4.' },
    ]);
  });
});

describe.each([
  ['whole', false],
  ['streamed', true],
] as const)('a %s answer with signed and redacted thinking, to an OpenAI chat client', (_name, stream) => {
  it('gives the thinking text as reasoning_content and nothing new: chat completions have no field for a signature', async () => {
    replay.play(stream ? { body: streamWithRedacted, contentType: 'text/event-stream' } : { body: JSON.stringify(wholeWithRedacted), contentType: 'application/json' });
    const response = await fetch(`${replayGateway.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', stream, messages: [{ role: 'user', content: 'What is 2 + 2?' }] }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('sig-one');
    expect(text).not.toContain(redactedData);
    if (stream) {
      const deltas = [...text.matchAll(/^data: (\{.*\})$/gm)].map((match) => (JSON.parse(match[1]!) as { choices: Array<{ delta: Record<string, unknown> }> }).choices[0]?.delta ?? {});
      expect(deltas.flatMap((delta) => ('reasoning_content' in delta ? [delta['reasoning_content']] : []))).toEqual(['Let me think.']);
    } else {
      const message = (JSON.parse(text) as { choices: Array<{ message: Record<string, unknown> }> }).choices[0]!.message;
      expect(message).toMatchObject({ content: 'It is 4.', reasoning_content: 'Let me think.' });
    }
  });
});

describe('an answer with thinking through the cache step', () => {
  it('keeps its signature when stored from a stream and replayed, whole and streamed', async () => {
    const cached = new Anthropic({ apiKey: masterKey, baseURL: cacheGateway.origin, maxRetries: 0 });
    upstream.enqueue({ reply: { reasoning: 'Cache this thought.', content: 'Cached.' } });
    const body = { ...firstTurn, messages: [{ role: 'user' as const, content: `Remember ${Date.now()}` }] };
    const stored = await cached.messages.stream(body).finalMessage();
    const signature = (stored.content[0] as Anthropic.ThinkingBlock).signature;
    expect(stored.content[0]).toMatchObject({ type: 'thinking', thinking: 'Cache this thought.' });
    expect(signature).not.toBe('');
    const whole = await cached.messages.create(body).withResponse();
    expect(whole.response.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(whole.data.content[0]).toEqual({ type: 'thinking', thinking: 'Cache this thought.', signature });
    const streamed = await cached.messages.stream(body).finalMessage();
    expect(streamed.content[0]).toEqual({ type: 'thinking', thinking: 'Cache this thought.', signature });
    expect(upstream.requests).toHaveLength(1);
  });
});
