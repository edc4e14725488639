import { createLogger, parseChatCompletionsRequest, startProvider, UpstreamTransport, type Provider, type StreamPart } from '@switchyard/core';
import { reassembleToolCalls, startMockMistral, type MockMistral } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import mistral from '../src/index.js';

const logger = createLogger({ level: 'silent' });
const weatherTool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
let mock: MockMistral;
let provider: Provider;
const transport = new UpstreamTransport();

beforeAll(async () => {
  mock = await startMockMistral({ apiKey: 'mk-test' });
  provider = startProvider('mistral', mistral({ api_key: 'mk-test', base_url: mock.url }), transport);
});
afterAll(async () => {
  await transport.close();
  await mock.close();
});
beforeEach(() => mock.reset());

const call = (body: Record<string, unknown>) => ({
  request: parseChatCompletionsRequest({ model: 'mistral/mistral-large-latest', ...body }).request,
  model: 'mistral-large-latest',
  signal: new AbortController().signal,
  logger,
});
const sent = (index: number) => mock.requests[index]!.body as { messages: Array<Record<string, unknown>>; [key: string]: unknown };

describe('Mistral through the core transport', () => {
  it('round-trips tool-call ids: client call_… ids → 9 chars upstream; a Mistral id comes back and goes out unchanged', async () => {
    const clientId = 'call_abc123XYZ456def789ghi0';
    // Turn 1: history with a client (OpenAI-made) id; the model is forced to call a tool.
    const first = await provider.chat!.complete(call({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: clientId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: clientId, content: '18C' },
        { role: 'user', content: 'And Lyon?' },
      ],
      tools: [weatherTool],
      tool_choice: 'required',
    }));
    const upstreamId = (sent(0).messages[1]!['tool_calls'] as Array<{ id: string }>)[0]!.id;
    expect(upstreamId).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(sent(0).messages[2]!['tool_call_id']).toBe(upstreamId);
    expect(sent(0)['tool_choice']).toBe('any');
    const returned = first.content.find((part) => part.type === 'tool-call')!;
    expect(returned.type === 'tool-call' && returned.id).toMatch(/^[A-Za-z0-9]{9}$/);
    const mistralId = returned.type === 'tool-call' ? returned.id : '';

    // Turn 2: the client sends back what it saw; Mistral sees the same ids it made, and the earlier rewrite again.
    const second = await provider.chat!.complete(call({
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: clientId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: clientId, content: '18C' },
        { role: 'user', content: 'And Lyon?' },
        { role: 'assistant', content: null, tool_calls: [{ id: mistralId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lyon"}' } }] },
        { role: 'tool', tool_call_id: mistralId, content: '21C' },
      ],
      tools: [weatherTool],
    }));
    expect((sent(1).messages[1]!['tool_calls'] as Array<{ id: string }>)[0]!.id).toBe(upstreamId);
    expect((sent(1).messages[4]!['tool_calls'] as Array<{ id: string }>)[0]!.id).toBe(mistralId);
    expect(sent(1).messages[5]!['tool_call_id']).toBe(mistralId);
    expect(second.content).toEqual([{ type: 'text', text: 'Tool result received: 21C' }]);
  });

  it("continues a last assistant message (an Anthropic client's prefill) as Mistral's prefix: true; earlier ones are plain", async () => {
    mock.enqueue({ reply: { content: '"city": "Paris"}' } });
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello.' },
      { role: 'user', content: 'Answer in JSON.' },
      { role: 'assistant', content: '{' },
    ];
    const response = await provider.chat!.complete(call({ messages }));
    expect(response.content).toEqual([{ type: 'text', text: '"city": "Paris"}' }]);
    expect(sent(0).messages[1]).toEqual({ role: 'assistant', content: 'Hello.' });
    expect(sent(0).messages[3]).toEqual({ role: 'assistant', content: '{', prefix: true });
  });

  it('streams without stream_options and reads the usage from the last chunk', async () => {
    const parts: StreamPart[] = [];
    for await (const part of await provider.chat!.stream(call({ messages: [{ role: 'user', content: 'Hello there' }], stream: true, stream_options: { include_usage: true } }))) parts.push(part);
    expect(sent(0)).not.toHaveProperty('stream_options');
    expect(parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('')).toBe('Echo: Hello there');
    expect(parts.at(-1)).toMatchObject({ type: 'usage' });
  });

  it('streams forced tool calls with Mistral ids', async () => {
    const parts: StreamPart[] = [];
    for await (const part of await provider.chat!.stream(call({ messages: [{ role: 'user', content: 'Paris' }], stream: true, tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } }))) parts.push(part);
    const calls = reassembleToolCalls(parts);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: 'Paris' });
  });

  it('replays the stream.txt fixture', async () => {
    mock.enqueue({ fixture: 'stream.txt' });
    const parts: StreamPart[] = [];
    for await (const part of await provider.chat!.stream(call({ messages: [{ role: 'user', content: 'x' }], stream: true }))) parts.push(part);
    expect(reassembleToolCalls(parts)).toEqual([{ id: 'D681PevKs', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' }]);
  });

  // Mistral's inference service names the status it meant (raw_status_code) and the kind (type); the gateway's answer must say the same.
  const rateLimited = { object: 'error', message: 'Rate limit exceeded', type: 'rate_limited', param: null, code: '1300', raw_status_code: 429 };
  const capacity = { object: 'error', message: 'Service tier capacity exceeded for this model.', type: 'service_tier_capacity_exceeded', param: null, code: '3505' };
  const streamed = async (errorAfterEvents: number, error: unknown) => {
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents, errorWire: `data: ${JSON.stringify(error)}\n\n` } });
    const parts: StreamPart[] = [];
    for await (const part of await provider.chat!.stream(call({ messages: [{ role: 'user', content: 'Hello there' }], stream: true }))) parts.push(part);
    return parts;
  };

  it.each([
    ['a rate limit', rateLimited, 'rate_limit_exceeded', 429],
    ['a capacity shortage', capacity, 'upstream_overloaded', 503],
  ])('maps %s inside a 200 stream as Mistral named it, mid-stream and before the first chunk', async (_name, error, code, status) => {
    await expect(streamed(2, error)).rejects.toMatchObject({ code, status, retryable: true });
    // Before the first chunk the call itself fails, so a router can still try another deployment.
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 0, errorWire: `data: ${JSON.stringify(error)}\n\n` } });
    await expect(provider.chat!.stream(call({ messages: [{ role: 'user', content: 'x' }], stream: true }))).rejects.toMatchObject({ code, status, retryable: true });
  });

  it('embeds with mistral-embed and lists models', async () => {
    const result = await provider.embeddings!.embed({ request: { model: 'mistral/mistral-embed', input: ['a', 'b'] }, model: 'mistral-embed', signal: new AbortController().signal, logger });
    expect(result.embeddings).toHaveLength(2);
    expect(mock.requests[0]!.path).toBe('/v1/embeddings');
    expect((await provider.listModels!(AbortSignal.timeout(5000))).map((model) => model.id)).toContain('mistral-embed');
  });
});
