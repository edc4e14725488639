import type { ChatRequest, StreamPart, UpstreamErrorResponse } from '@switchyard/core';
import { GatewayError, PluginOptionsError, toOpenAIFinishReason } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson, reassembleToolCalls, streamedText } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import cohere, {
  buildCohereChatBody,
  createCohereAdapters,
  createCohereStreamDecoder,
  listUnsupportedSettings,
  mapCohereError,
  mapCohereFinishReason,
  mapCohereUsage,
  parseCohereChatResponse,
  type CohereOptions,
} from '../src/index.js';

const system = 'You are a concise weather assistant. Answer in one sentence.';
const question = "What's the weather in Paris right now?";
const weatherParameters = {
  type: 'object',
  properties: {
    city: { type: 'string', description: 'City name, for example Paris' },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'], description: 'Temperature unit' },
  },
  required: ['city'],
};
const weatherTool = { name: 'get_weather', description: 'Get the current weather for a city.', parameters: weatherParameters };

function request(fields: Partial<ChatRequest>): ChatRequest {
  return { model: 'cohere/command-a-03-2025', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: false, ...fields };
}

const body = (fields: Partial<ChatRequest>, model = 'command-a-03-2025') => JSON.parse(JSON.stringify(buildCohereChatBody(request(fields), model))) as Record<string, unknown>;

async function decodeText(text: string): Promise<StreamPart[]> {
  const decoder = createCohereStreamDecoder('cohere');
  return decodeSseText(decoder, text);
}

const sse = (name: string, data: unknown) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
const reasoningOf = (parts: StreamPart[]) => parts.flatMap((part) => (part.type === 'reasoning-delta' ? [part.delta] : [])).join('');

describe('Cohere request translation', () => {
  it('builds request.json from the equivalent canonical request', () => {
    const built = body({
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: [{ type: 'text', text: question }] },
      ],
      tools: [weatherTool],
      toolChoice: { type: 'auto' },
      temperature: 0.2,
      maxOutputTokens: 256,
      stopSequences: ['\n\nUser:'],
      topP: 0.75,
      seed: 42,
    });
    expect(built).toEqual(readFixtureJson('cohere', 'request.json'));
  });

  it('builds request-tools-result.json: reasoning becomes tool_plan, the tool result a document', () => {
    const built = body({
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: [{ type: 'text', text: question }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'I will look up the current weather in Paris.' },
            { type: 'tool-call', id: 'get_weather_9x2kq7mz4v1c', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
          ],
        },
        {
          role: 'tool',
          toolCallId: 'get_weather_9x2kq7mz4v1c',
          content: '{"city":"Paris","temperature":18,"unit":"celsius","condition":"partly cloudy"}',
        },
      ],
      tools: [weatherTool],
      temperature: 0.2,
      maxOutputTokens: 256,
    });
    // The fixture leaves `stream` out; the adapter always says it.
    expect(built).toEqual({ ...readFixtureJson<Record<string, unknown>>('cohere', 'request-tools-result.json'), stream: false });
  });

  it('builds request-vision.json from a base64 image part', () => {
    const fixture = readFixtureJson<{ messages: Array<{ content: Array<{ image_url?: { url: string } }> }> }>('cohere', 'request-vision.json');
    const dataUrl = fixture.messages[0]!.content[1]!.image_url!.url;
    const [, mediaType, data] = /^data:(.+?);base64,(.*)$/.exec(dataUrl)!;
    const built = body(
      {
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this image? Reply in one sentence.' },
              { type: 'image', source: { kind: 'base64', mediaType: mediaType!, data: data! } },
            ],
          },
        ],
        maxOutputTokens: 128,
      },
      'command-a-vision-07-2025',
    );
    expect(built).toEqual({ ...fixture, stream: false });
  });

  it('uses the assistant text as tool_plan when there is no reasoning, and sends plain assistant text as content', () => {
    const built = body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Paris' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool-call', id: 'c1', name: 'get_weather', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'c1', content: '18' },
        { role: 'assistant', content: [{ type: 'text', text: 'It is 18.' }] },
      ],
    });
    expect(built['messages']).toEqual([
      { role: 'user', content: 'Paris' },
      { role: 'assistant', tool_plan: 'Let me check.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: [{ type: 'document', document: { data: '18' } }] },
      { role: 'assistant', content: 'It is 18.' },
    ]);
  });

  it('leaves out an assistant turn with neither text nor calls, and sends a call without arguments as {}', () => {
    // Cohere refuses a message with neither (400 "must have content or tool_calls"), and reads arguments as JSON.
    const built = body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'u1' }] },
        { role: 'assistant', content: [] },
        { role: 'user', content: [{ type: 'text', text: 'u2' }] },
        { role: 'assistant', content: [{ type: 'tool-call', id: 'c1', name: 'get_time', arguments: '' }] },
        { role: 'tool', toolCallId: 'c1', content: 'noon' },
      ],
    });
    expect(built['messages']).toEqual([
      { role: 'user', content: 'u1' },
      { role: 'user', content: 'u2' },
      { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_time', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: [{ type: 'document', document: { data: 'noon' } }] },
    ]);
  });

  it('maps tool choice: none, required, a named tool (only that tool, REQUIRED), auto (omitted)', () => {
    const tools = [weatherTool, { name: 'get_time', parameters: { type: 'object' } }];
    expect(body({ tools, toolChoice: { type: 'none' } })['tool_choice']).toBe('NONE');
    expect(body({ tools, toolChoice: { type: 'required' } })['tool_choice']).toBe('REQUIRED');
    expect(body({ tools, toolChoice: { type: 'auto' } })).not.toHaveProperty('tool_choice');
    const named = body({ tools, toolChoice: { type: 'tool', name: 'get_time' } });
    expect(named['tool_choice']).toBe('REQUIRED');
    expect(named['tools']).toEqual([{ type: 'function', function: { name: 'get_time', parameters: { type: 'object' } } }]);
    expect(() => body({ tools, toolChoice: { type: 'tool', name: 'nope' } })).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(body({ tools: [{ ...weatherTool, strict: true }] })['strict_tools']).toBe(true);
  });

  it('maps JSON mode, a JSON schema, penalties, an https image, and merges providerOptions.cohere under the canonical fields', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    expect(body({ responseFormat: { type: 'json' } })['response_format']).toEqual({ type: 'json_object' });
    expect(body({ responseFormat: { type: 'json-schema', name: 'city', schema } })['response_format']).toEqual({ type: 'json_object', json_schema: schema });
    expect(body({ responseFormat: { type: 'text' } })).not.toHaveProperty('response_format');
    expect(body({ frequencyPenalty: 0.1, presencePenalty: 0.2 })).toMatchObject({ frequency_penalty: 0.1, presence_penalty: 0.2 });
    const image = body({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' }, detail: 'low' }] }] });
    expect(image['messages']).toEqual([{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] }]);
    const merged = body({ temperature: 0.2, stream: true, providerOptions: { cohere: { k: 5, temperature: 0.9, safety_mode: 'OFF', stream: false, model: 'x' } } });
    expect(merged).toMatchObject({ k: 5, temperature: 0.2, safety_mode: 'OFF', stream: true, model: 'command-a-03-2025' });
  });

  it('lists the settings Cohere cannot honour', () => {
    expect(listUnsupportedSettings(request({ parallelToolCalls: false, reasoningEffort: 'low', candidateCount: 2 }))).toEqual([
      'parallelToolCalls',
      'candidateCount',
      'reasoningEffort',
    ]);
    expect(listUnsupportedSettings(request({ seed: 1, topP: 0.5 }))).toEqual([]);
  });
});

describe('Cohere response translation', () => {
  it('parses response.json: text, finish, usage from billed_units, billed units kept', () => {
    const response = parseCohereChatResponse(readFixtureJson('cohere', 'response.json'), 'cohere');
    expect(response).toMatchObject({
      id: '7f2e9c3a-5b1d-4e8f-9a6c-2d4b8e1f0c73',
      content: [{ type: 'text', text: "It's currently 18°C and partly cloudy in Paris." }],
      finishReason: { unified: 'stop', raw: 'COMPLETE' },
      usage: { inputTokens: 71, outputTokens: 14 },
      providerMetadata: { cohere: { billed_units: { input_tokens: 71, output_tokens: 14 } } },
    });
    expect(response.usage).not.toHaveProperty('cachedInputTokens');
  });

  it('parses response-tool-call.json: tool_plan as reasoning, the call with its id', () => {
    const response = parseCohereChatResponse(readFixtureJson('cohere', 'response-tool-call.json'), 'cohere');
    expect(response.content).toEqual([
      { type: 'reasoning', text: 'I will look up the current weather in Paris.' },
      { type: 'tool-call', id: 'get_weather_9x2kq7mz4v1c', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    ]);
    expect(response.finishReason).toEqual({ unified: 'tool-calls', raw: 'TOOL_CALL' });
    expect(response.usage).toEqual({ inputTokens: 52, outputTokens: 31 });
  });

  it('joins text blocks, reads thinking blocks, and refuses an answer without a message', () => {
    const response = parseCohereChatResponse(
      { id: 'x', message: { content: [{ type: 'thinking', thinking: 'Hmm.' }, { type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }, finish_reason: 'COMPLETE' },
      'cohere',
    );
    expect(response.content).toEqual([{ type: 'reasoning', text: 'Hmm.' }, { type: 'text', text: 'ab' }]);
    expect(() => parseCohereChatResponse({ id: 'x' }, 'cohere')).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });

  it.each([
    ['COMPLETE', 'stop'],
    ['STOP_SEQUENCE', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['TOOL_CALL', 'tool-calls'],
    ['CONTENT_BLOCKED', 'content-filter'],
    ['content_blocked', 'content-filter'],
    ['complete', 'stop'],
    ['ERROR', 'error'],
    ['ERROR_LIMIT', 'length'],
    ['ERROR_TOXIC', 'content-filter'],
    ['TIMEOUT', 'error'],
    ['SOMETHING_NEW', 'other'],
  ])('maps finish_reason %s to %s, keeping the raw value', (raw, unified) => {
    expect(mapCohereFinishReason(raw)).toEqual({ unified, raw });
  });

  it('maps usage: billed_units first, tokens as fallback, cached tokens', () => {
    expect(mapCohereUsage({ billed_units: { input_tokens: 5, output_tokens: 6 } })).toEqual({ inputTokens: 5, outputTokens: 6 });
    expect(mapCohereUsage({ billed_units: { input_tokens: 5, output_tokens: 6 }, tokens: { input_tokens: 90, output_tokens: 8 } })).toEqual({ inputTokens: 5, outputTokens: 6 });
    expect(mapCohereUsage({ tokens: { input_tokens: 120, output_tokens: 30 }, cached_tokens: 100 })).toEqual({
      inputTokens: 120,
      outputTokens: 30,
      cachedInputTokens: 100,
    });
    // No usage is not a usage of 0: the gateway bills its estimate.
    expect(mapCohereUsage(undefined)).toBeUndefined();
  });
});

describe('Cohere stream translation', () => {
  it('decodes stream.txt: tool plan as reasoning, the tool call reassembled under index 0, finish and usage', async () => {
    const parts = await decodeText(readFixture('cohere', 'stream.txt'));
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: '4c8a2e7f-1b9d-4f3a-a6c5-8e2d0b7f9c14' });
    expect(reasoningOf(parts)).toBe('I will look up the current weather in Paris.');
    const calls = reassembleToolCalls(parts);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ id: 'get_weather_9x2kq7mz4v1c', name: 'get_weather' });
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'TOOL_CALL' } },
      { type: 'usage', usage: { inputTokens: 52, outputTokens: 31 } },
    ]);
  });

  it('decodes stream-text-only.txt into text deltas', async () => {
    const parts = await decodeText(readFixture('cohere', 'stream-text-only.txt'));
    expect(streamedText(parts)).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(10);
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 71, outputTokens: 14 } });
  });

  it('accepts a stream without the trailing [DONE], and without event: lines', async () => {
    const text = readFixture('cohere', 'stream-text-only.txt').replace('data: [DONE]\n\n', '').replace(/^event: .*\n/gm, '');
    const parts = await decodeText(text);
    expect(streamedText(parts)).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(parts.some((part) => part.type === 'finish')).toBe(true);
  });

  it('numbers tool calls from 0 whatever index Cohere gives them', async () => {
    const start = (index: number, id: string) =>
      sse('tool-call-start', { type: 'tool-call-start', index, delta: { message: { tool_calls: { id, type: 'function', function: { name: id, arguments: '' } } } } });
    const delta = (index: number, args: string) =>
      sse('tool-call-delta', { type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: args } } } } });
    const text =
      sse('message-start', { id: 'm', type: 'message-start' }) +
      start(3, 'a') + delta(3, '{}') + start(5, 'b') + delta(5, '{"x":1}') +
      sse('message-end', { type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } });
    const parts = await decodeText(text);
    expect(reassembleToolCalls(parts)).toEqual([
      { id: 'a', name: 'a', arguments: '{}' },
      { id: 'b', name: 'b', arguments: '{"x":1}' },
    ]);
  });

  it('gives a streamed call whose arguments never came {}, as a whole answer reads it', async () => {
    const start = (index: number, id: string) =>
      sse('tool-call-start', { type: 'tool-call-start', index, delta: { message: { tool_calls: { id, type: 'function', function: { name: id, arguments: '' } } } } });
    const delta = (index: number, args: string) =>
      sse('tool-call-delta', { type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: args } } } } });
    const end = (index: number) => sse('tool-call-end', { type: 'tool-call-end', index });
    const text =
      sse('message-start', { id: 'm', type: 'message-start' }) +
      start(0, 'a') + delta(0, '') + end(0) + start(1, 'b') + delta(1, '{"x":1}') + end(1) + start(2, 'c') +
      sse('message-end', { type: 'message-end', delta: { finish_reason: 'TOOL_CALL' } });
    const parts = await decodeText(text);
    expect(reassembleToolCalls(parts)).toEqual([
      { id: 'a', name: 'a', arguments: '{}' },
      { id: 'b', name: 'b', arguments: '{"x":1}' },
      { id: 'c', name: 'c', arguments: '{}' },
    ]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish' });
  });

  it('fails a stream cut before message-end, one with an error in message-end, and an unreadable event', async () => {
    const text = readFixture('cohere', 'stream-text-only.txt');
    const cut = text.slice(0, text.indexOf('event: message-end'));
    await expect(decodeText(cut)).rejects.toMatchObject({ code: 'upstream_invalid_response', retryable: true });
    const failed = cut + sse('message-end', { type: 'message-end', delta: { finish_reason: 'ERROR', error: 'boom' } });
    await expect(decodeText(failed)).rejects.toMatchObject({ code: 'upstream_server_error', retryable: true });
    await expect(decodeText('event: content-delta\ndata: {nope\n\n')).rejects.toBeInstanceOf(GatewayError);
  });

  it('passes on a message-end ERROR without error text as an error finish', async () => {
    const parts = await decodeText(sse('message-end', { type: 'message-end', delta: { finish_reason: 'ERROR' } }));
    expect(parts[0]).toEqual({ type: 'finish', finishReason: { unified: 'error', raw: 'ERROR' } });
  });
});

describe('Cohere finish reasons, whole and streamed', () => {
  // What an OpenAI client reads: OpenAI has no word for an error, so an error-like finish is `stop` (the raw value kept).
  it.each([
    ['COMPLETE', 'stop', 'stop'],
    ['STOP_SEQUENCE', 'stop', 'stop'],
    ['MAX_TOKENS', 'length', 'length'],
    ['TOOL_CALL', 'tool-calls', 'tool_calls'],
    ['CONTENT_BLOCKED', 'content-filter', 'content_filter'],
    ['ERROR_TOXIC', 'content-filter', 'content_filter'],
    ['ERROR_LIMIT', 'length', 'length'],
    ['error_limit', 'length', 'length'],
    ['ERROR', 'error', 'stop'],
    ['TIMEOUT', 'error', 'stop'],
    ['USER_CANCEL', 'other', 'stop'],
  ])('reads %s as %s (OpenAI %s) in a whole answer and in a stream', async (raw, unified, openai) => {
    const whole = parseCohereChatResponse({ id: 'x', message: { content: [{ type: 'text', text: 'a' }] }, finish_reason: raw }, 'cohere').finishReason;
    const parts = await decodeText(sse('message-end', { type: 'message-end', delta: { finish_reason: raw } }));
    const streamed = parts.find((part) => part.type === 'finish');
    expect(whole).toEqual({ unified, raw });
    expect(streamed).toEqual({ type: 'finish', finishReason: whole });
    expect(toOpenAIFinishReason(whole)).toBe(openai);
  });
});

describe('Cohere errors', () => {
  const cases = readFixtureJson<Record<string, { status: number; headers: Record<string, string>; body: unknown }>>('cohere', 'errors.json');
  const expected: Record<string, [code: string, status: number, retryable: boolean]> = {
    invalid_key: ['upstream_authentication_failed', 401, false],
    invalid_token_498: ['upstream_authentication_failed', 401, false],
    permission_denied: ['upstream_permission_denied', 403, false],
    payment_required: ['upstream_quota_exceeded', 429, false],
    rate_limit: ['rate_limit_exceeded', 429, true],
    client_closed: ['upstream_server_error', 502, true],
    server_error: ['upstream_server_error', 502, true],
    overloaded: ['upstream_overloaded', 503, true],
    bad_request: ['upstream_bad_request', 400, false],
    unprocessable: ['upstream_bad_request', 400, false],
    context_length_exceeded: ['context_length_exceeded', 400, false],
  };
  const response = (name: string, headers: Record<string, string> = {}): UpstreamErrorResponse => ({
    status: cases[name]!.status,
    headers: { ...cases[name]!.headers, ...headers },
    bodyText: JSON.stringify(cases[name]!.body),
  });

  it('has an expectation for every case of errors.json', () => {
    expect(Object.keys(cases).filter((key) => !key.startsWith('_')).sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('maps %s to %s', (name, [code, status, retryable]) => {
    const error = mapCohereError('cohere', response(name));
    expect(error).toMatchObject({ code, status, retryable, provider: 'cohere', upstreamStatus: cases[name]!.status });
  });

  it('keeps the 400 message, hides auth, billing and rate-limit messages', () => {
    expect(mapCohereError('cohere', response('bad_request')).message).toContain('message must be at least 1 token long');
    expect(mapCohereError('cohere', response('invalid_key')).message).not.toContain('invalid api token');
    expect(mapCohereError('cohere', response('payment_required')).message).not.toContain('dashboard');
    expect(mapCohereError('cohere', response('rate_limit')).message).not.toContain('Trial key');
  });

  it('passes retry-after on retryable errors only, and maps bodies that are not JSON by status', () => {
    expect(mapCohereError('cohere', response('rate_limit', { 'retry-after': '7' })).retryAfterSeconds).toBe(7);
    expect(mapCohereError('cohere', response('bad_request', { 'retry-after': '7' })).retryAfterSeconds).toBeUndefined();
    expect(mapCohereError('cohere', { status: 504, headers: {}, bodyText: '<html>' })).toMatchObject({ code: 'upstream_timeout' });
    expect(mapCohereError('cohere', { status: 404, headers: {}, bodyText: '' })).toMatchObject({ code: 'upstream_not_found' });
  });

  it.each(['1e21', 'Fri, 31 Dec 9999 23:59:59 GMT'])('holds a retry-after of %s to a day (1e21 was written to the client as Retry-After: 1e+21)', (value) => {
    expect(mapCohereError('cohere', response('rate_limit', { 'retry-after': value })).retryAfterSeconds).toBe(86_400);
  });
});

describe('Cohere options and endpoints', () => {
  const options = (fields: Partial<CohereOptions> = {}) => cohere({ api_key: 'co-key', ...fields }).build();

  it('fills defaults, requires api_key, refuses unknown options', () => {
    expect(() => cohere({})).toThrow(PluginOptionsError);
    expect(() => cohere({ api_key: 'k', nope: 1 })).toThrow(PluginOptionsError);
    const adapters = options({ timeouts: { connect_ms: 100, body_ms: 200 } });
    expect(adapters.secrets).toEqual(['co-key']);
    expect(adapters.timeouts).toEqual({ connectMs: 100, bodyMs: 200 });
    expect(adapters.modelsTtlMs).toBe(300000);
  });

  it('sends chat to {base_url}/v2/chat with a bearer key and extra headers, tolerating a versioned base_url', () => {
    const adapters = createCohereAdapters({
      api_key: 'co-key',
      base_url: 'https://proxy.example/cohere/v2/',
      headers: { 'X-Client-Name': 'switchyard' },
      embedding_input_type: 'search_query',
      timeouts: {},
      models_ttl_ms: 0,
    });
    const chat = adapters.chat as import('@switchyard/core').HttpChatAdapter;
    const upstream = chat.buildRequest(request({}), 'command-a-03-2025', undefined as never);
    expect(upstream).toMatchObject({ origin: 'https://proxy.example', path: '/cohere/v2/chat', method: 'POST' });
    expect(upstream.headers).toMatchObject({ authorization: 'Bearer co-key', 'content-type': 'application/json', 'X-Client-Name': 'switchyard' });
    const models = adapters.models as import('@switchyard/core').HttpModelsAdapter;
    expect(models.buildRequest().path).toBe('/cohere/v1/models?page_size=1000');
    expect(models.nextPageRequest!({ models: [], next_page_token: 'a b' })?.path).toBe('/cohere/v1/models?page_size=1000&page_token=a%20b');
    expect(models.nextPageRequest!({ models: [] })).toBeUndefined();
    expect(models.parseResponse({ models: [{ name: 'command-a-03-2025' }, { nope: 1 }] })).toEqual([{ id: 'command-a-03-2025', ownedBy: 'cohere' }]);
  });

  it('builds embed requests with the configured input_type and refuses token ids', () => {
    const adapters = options({ base_url: 'https://api.cohere.com', embedding_input_type: 'clustering' });
    const embeddings = adapters.embeddings as import('@switchyard/core').HttpEmbeddingsAdapter;
    const upstream = embeddings.buildRequest({ model: 'cohere/embed-v4.0', input: ['a'], dimensions: 256 }, 'embed-v4.0', undefined as never);
    expect(upstream.path).toBe('/v2/embed');
    expect(JSON.parse(upstream.body!)).toEqual({ model: 'embed-v4.0', texts: ['a'], input_type: 'clustering', embedding_types: ['float'], output_dimension: 256 });
    expect(() => embeddings.buildRequest({ model: 'm', input: [[1, 2]] }, 'embed-v4.0', undefined as never)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });
});
