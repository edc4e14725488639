import {
  createLogger,
  GatewayError,
  parseChatCompletionsRequest,
  startProvider,
  UpstreamTransport,
  type Provider,
} from '@switchyard/core';
import { collectParts, lastUsage, type MockCohere, reassembleToolCalls, responseText, startMockCohere, streamedText } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import cohere from '../src/index.js';

const apiKey = 'co-test-0123456789';
const logger = createLogger({ level: 'silent' });
const transport = new UpstreamTransport();
let mock: MockCohere;
let provider: Provider;

beforeAll(async () => {
  mock = await startMockCohere({ apiKey });
  provider = startProvider('cohere', cohere({ api_key: apiKey, base_url: mock.url }), transport);
});

afterAll(async () => {
  await transport.close();
  await mock.close();
});

beforeEach(() => mock.reset());

const tool = (name: string) => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
});

function call(body: Record<string, unknown>, signal = new AbortController().signal) {
  const { request } = parseChatCompletionsRequest({ model: 'cohere/command-a-03-2025', ...body });
  return { request, model: 'command-a-03-2025', signal, logger };
}

const ask = (body: Record<string, unknown>) => provider.chat!.complete(call(body));
const askStream = async (body: Record<string, unknown>) => collectParts(await provider.chat!.stream(call({ ...body, stream: true })));
const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });



describe('Cohere provider against the mock upstream', () => {
  it("sends a user turn's several text parts as text blocks, not run together ('hi' + 'again' was 'hiagain')", async () => {
    await ask(user([{ type: 'text', text: 'hi' }, { type: 'text', text: 'again' }]));
    expect(mock.requests[0]!.body).toMatchObject({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'text', text: 'again' }] }] });
    // One text part is still the plain string every Cohere model takes.
    mock.reset();
    await ask(user([{ type: 'text', text: 'hi' }]));
    expect(mock.requests[0]!.body).toMatchObject({ messages: [{ role: 'user', content: 'hi' }] });
  });

  it('completes: bearer key, a body the strict mock accepts, the echo, finish and usage', async () => {
    const response = await ask({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
      top_p: 0.5,
      max_tokens: 100,
    });
    expect(responseText(response)).toBe('Echo: Weather in Paris?');
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'COMPLETE' });
    expect(response.usage.inputTokens).toBeGreaterThan(0);
    expect(response.id).toBe('00000000-0000-4000-8000-000000000001');

    const sent = mock.requests[0]!;
    expect(sent.path).toBe('/v2/chat');
    expect(sent.headers).toMatchObject({ authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' });
    expect(sent.body).toEqual({
      model: 'command-a-03-2025',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
      p: 0.5,
      max_tokens: 100,
      stream: false,
    });
  });

  it('streams text from stream-start to finish and usage', async () => {
    const parts = await askStream(user('Stream this please'));
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: '00000000-0000-4000-8000-000000000001' });
    expect(streamedText(parts)).toBe('Echo: Stream this please');
    expect(parts.at(-2)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'COMPLETE' } });
    expect(parts.at(-1)?.type).toBe('usage');
  });

  it('replays the recorded stream.txt (split into small network pieces) through the provider', async () => {
    mock.enqueue({ fixture: 'stream.txt', stream: { splitBytes: 7 } });
    const parts = await askStream(user('Weather in Paris?'));
    expect(parts.flatMap((part) => (part.type === 'reasoning-delta' ? [part.delta] : [])).join('')).toBe('I will look up the current weather in Paris.');
    const calls = reassembleToolCalls(parts);
    expect(calls.map((c) => [c.id, c.name, JSON.parse(c.arguments)])).toEqual([['get_weather_9x2kq7mz4v1c', 'get_weather', { city: 'Paris', unit: 'celsius' }]]);
    expect(lastUsage(parts)).toEqual({ inputTokens: 52, outputTokens: 31 });
  });

  it('replays response.json byte for byte', async () => {
    mock.enqueue({ fixture: 'response.json' });
    const response = await ask(user('Weather in Paris?'));
    expect(responseText(response)).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(response.usage).toEqual({ inputTokens: 71, outputTokens: 14 });
  });

  it('makes tool calls when required, and sends their results back in a turn the mock accepts', async () => {
    const tools = [tool('get_weather'), tool('get_time')];
    const first = await ask({ ...user('Paris'), tools, tool_choice: 'required' });
    expect(mock.requests[0]!.body).toMatchObject({ tool_choice: 'REQUIRED' });
    expect(first.finishReason).toEqual({ unified: 'tool-calls', raw: 'TOOL_CALL' });
    expect(first.content[0]).toEqual({ type: 'reasoning', text: 'I will use get_weather and get_time.' });
    const calls = first.content.flatMap((part) => (part.type === 'tool-call' ? [part] : []));
    expect(calls.map((part) => [part.id, part.name, JSON.parse(part.arguments)])).toEqual([
      ['get_weather_mock00000001', 'get_weather', { city: 'Paris' }],
      ['get_time_mock00000002', 'get_time', { city: 'Paris' }],
    ]);

    const second = await ask({
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: null, tool_calls: calls.map((part) => ({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } })) },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '18°C' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '14:00' },
      ],
      tools,
    });
    expect(responseText(second)).toBe('Tool result received: 18°C\n14:00');
  });

  it('forces a named tool by offering only that tool, whole and streamed', async () => {
    const tools = [tool('get_weather'), tool('get_time')];
    const choice = { type: 'function', function: { name: 'get_time' } };
    const whole = await ask({ ...user('Tokyo'), tools, tool_choice: choice });
    expect(whole.content.flatMap((part) => (part.type === 'tool-call' ? [part.name] : []))).toEqual(['get_time']);
    const parts = await askStream({ ...user('Tokyo'), tools, tool_choice: choice });
    const calls = reassembleToolCalls(parts);
    expect(calls.map((c) => c.name)).toEqual(['get_time']);
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: 'Tokyo' });
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'TOOL_CALL' } });
  });

  it('refuses a tool result that answers no call of the turn before, as Cohere would', async () => {
    const pending = ask({
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_2', content: '18' },
      ],
      tools: [tool('get_weather')],
    });
    await expect(pending).rejects.toMatchObject({ code: 'upstream_bad_request', status: 400 });
  });

  it('counts cached tokens, whole and streamed', async () => {
    const usage = { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 100 };
    mock.enqueue({ reply: { content: 'ok', usage } }, { reply: { content: 'ok', usage } });
    const expected = { inputTokens: 120, outputTokens: 30, cachedInputTokens: 100 };
    expect((await ask(user('hi'))).usage).toEqual(expected);
    expect(lastUsage(await askStream(user('hi')))).toEqual(expected);
  });

  it('answers a JSON schema request with JSON fitting it', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const response = await ask({ ...user('Paris'), response_format: { type: 'json_schema', json_schema: { name: 'city', schema } } });
    expect(JSON.parse(responseText(response))).toEqual({ city: 'Paris' });
    expect(mock.requests[0]!.body).toMatchObject({ response_format: { type: 'json_object', json_schema: schema } });
  });

  it('maps max_tokens and stop sequences to their finish reasons', async () => {
    const long = await ask({ ...user('one two three four five six seven eight nine ten'), max_tokens: 2 });
    expect(long.finishReason).toEqual({ unified: 'length', raw: 'MAX_TOKENS' });
    const stopped = await ask({ ...user('one two STOP three'), stop: ['STOP'] });
    expect(responseText(stopped)).toBe('Echo: one two ');
    expect(stopped.finishReason).toEqual({ unified: 'stop', raw: 'STOP_SEQUENCE' });
  });

  it('maps 503, 402 and a 498 without echoing the key', async () => {
    mock.enqueue({ error: 'overloaded' }, { error: 'overloaded' }, { error: 'payment_required' }, { error: 'invalid_token_498' });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'upstream_overloaded', status: 503, retryable: true, upstreamStatus: 503 });
    await expect(askStream(user('hi'))).rejects.toMatchObject({ code: 'upstream_overloaded', retryable: true });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'upstream_quota_exceeded', retryable: false });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'upstream_authentication_failed', status: 401 });

    const wrong = startProvider('cohere', cohere({ api_key: 'co-wrong-key', base_url: mock.url }), transport);
    const error = (await wrong.chat!.complete(call(user('hi'))).catch((caught: unknown) => caught)) as GatewayError;
    expect(error).toMatchObject({ code: 'upstream_authentication_failed', status: 401, retryable: false });
    expect(error.message).not.toContain('co-wrong-key');
  });

  it('fails a stream with an in-stream error, and one cut before message-end', async () => {
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3 } });
    await expect(askStream(user('one two three four'))).rejects.toMatchObject({ code: 'upstream_server_error', retryable: true });
    mock.enqueue({ stream: { cutAfterEvents: 4 } });
    const cut = await askStream(user('one two three four')).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(GatewayError);
    expect((cut as GatewayError).retryable).toBe(true);
  });

  it('fails a stream with an `event: error` as the upstream error it carries, mapped and redacted, not as a cut stream', async () => {
    // The upstream's message quotes the key it was sent: mapped like Cohere's error answers, and blanked.
    const errorWire = `event: error\ndata: ${JSON.stringify({ type: 'error', status_code: 400, message: `invalid request: key ${apiKey} lacks access` })}\n\n`;
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3, errorWire } });
    const refused = (await askStream(user('one two three four')).catch((error: unknown) => error)) as GatewayError;
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: 'upstream_bad_request', retryable: false });
    expect(refused.message).toContain('invalid request');
    expect(refused.message).not.toContain(apiKey);
    // Without a status: a server error, retryable, its words not repeated.
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3, errorWire: 'event: error\ndata: {"message":"internal failure"}\n\n' } });
    await expect(askStream(user('one two three four'))).rejects.toMatchObject({ code: 'upstream_server_error', retryable: true });
  });

  it('embeds through /v2/embed with input_type search_document', async () => {
    const result = await provider.embeddings!.embed({
      request: { model: 'cohere/embed-v4.0', input: ['alpha', 'beta'], dimensions: 8 },
      model: 'embed-v4.0',
      signal: new AbortController().signal,
      logger,
    });
    expect(result.embeddings.map((vector) => vector.length)).toEqual([8, 8]);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.model).toBe('embed-v4.0');
    expect(mock.requests[0]!.body).toEqual({ model: 'embed-v4.0', texts: ['alpha', 'beta'], input_type: 'search_document', embedding_types: ['float'], output_dimension: 8 });
  });

  it.each([
    ['a text', '[[0.1, "0.2"], [0.3, 0.4]]'],
    ['an object', '[[0.1, {}], [0.3, 0.4]]'],
    ['1e309 (Infinity once read)', '[[0.1, 1e309], [0.3, 0.4]]'],
    ['null', '[[0.1, null], [0.3, 0.4]]'],
  ])('answers upstream_invalid_response to an embedding holding %s, never passes it on', async (_name, vectors) => {
    mock.enqueue({
      match: { path: '/v2/embed' },
      headers: { 'content-type': 'application/json' },
      body: `{"id":"e1","embeddings":{"float":${vectors}},"texts":["alpha","beta"],"meta":{"billed_units":{"input_tokens":2}}}`,
    });
    const embedded = provider.embeddings!.embed({
      request: { model: 'cohere/embed-v4.0', input: ['alpha', 'beta'] },
      model: 'embed-v4.0',
      signal: new AbortController().signal,
      logger,
    });
    await expect(embedded).rejects.toMatchObject({ code: 'upstream_invalid_response', status: 502 });
  });

  it('lists models live from GET /v1/models, following next_page_token', async () => {
    mock.enqueue({ match: { path: '/v1/models' }, body: { models: [{ name: 'command-a-03-2025' }], next_page_token: 'p2' } });
    mock.enqueue({ match: { path: '/v1/models' }, body: { models: [{ name: 'embed-v4.0' }] } });
    const models = await provider.listModels!(AbortSignal.timeout(5000));
    expect(models).toEqual([
      { id: 'command-a-03-2025', ownedBy: 'cohere' },
      { id: 'embed-v4.0', ownedBy: 'cohere' },
    ]);
    expect(mock.requests.map((request) => request.query)).toEqual([{ page_size: '1000' }, { page_size: '1000', page_token: 'p2' }]);
    mock.reset();
    expect((await provider.listModels!(AbortSignal.timeout(5000))).map((model) => model.id)).toContain('command-a-03-2025');
  });
});
