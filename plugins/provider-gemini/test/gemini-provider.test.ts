import {
  createLogger,
  GatewayError,
  parseChatCompletionsRequest,
  startProvider,
  UpstreamTransport,
  type Provider,
  type StreamPart,
} from '@switchyard/core';
import { type MockGemini, readFixtureJson, responseText, startMockGemini, streamedText } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import gemini, { readThoughtSignature } from '../src/index.js';

const apiKey = 'AIza-integration-key';
const logger = createLogger({ level: 'silent' });
const transport = new UpstreamTransport();
let mock: MockGemini;
let provider: Provider;

beforeAll(async () => {
  mock = await startMockGemini({ apiKey });
  provider = startProvider('gemini', gemini({ api_key: apiKey, base_url: mock.url }), transport);
});

afterAll(async () => {
  await transport.close();
  await mock.close();
});

beforeEach(() => mock.reset());

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
  },
};
const timeTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

function call(body: Record<string, unknown>, signal = new AbortController().signal) {
  return { request: parseChatCompletionsRequest({ model: 'gemini/gemini-2.5-flash', ...body }).request, model: 'gemini-2.5-flash', signal, logger };
}

const ask = (body: Record<string, unknown>) => provider.chat!.complete(call(body));

async function askStream(body: Record<string, unknown>, signal?: AbortSignal): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of await provider.chat!.stream(call({ ...body, stream: true }, signal))) parts.push(part);
  return parts;
}

const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });

describe('gemini provider against the mock Gemini API', () => {
  it('completes: POST models/{model}:generateContent with x-goog-api-key', async () => {
    const response = await ask({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }] });
    expect(responseText(response)).toBe('Echo: Weather in Paris?');
    expect(response).toMatchObject({ id: 'mockResp00000001', model: 'gemini-2.5-flash', finishReason: { unified: 'stop', raw: 'STOP' } });
    expect(response.usage.inputTokens).toBeGreaterThan(0);
    const sent = mock.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(apiKey);
    expect(sent.body).toEqual({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }],
    });
  });

  it('streams over alt=sse with CRLF separators, no [DONE], ending with finish and usage', async () => {
    const parts = await askStream(user('one two three four five six'));
    expect(mock.requests[0]).toMatchObject({ path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', query: { alt: 'sse' } });
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'mockResp00000001', model: 'gemini-2.5-flash' });
    expect(streamedText(parts)).toBe('Echo: one two three four five six');
    expect(parts.filter((part) => part.type === 'text-delta').length).toBe(3);
    expect(parts.at(-2)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' } });
    expect(parts.at(-1)).toMatchObject({ type: 'usage' });
  });

  it('replays stream.txt: the functionCall with finishReason STOP is a tool call', async () => {
    mock.enqueue({ fixture: 'stream.txt' });
    const parts = await askStream({ ...user('Weather in Paris?'), tools: [weatherTool] });
    expect(streamedText(parts)).toBe("I'll check the current weather in Paris.");
    expect(parts.find((part) => part.type === 'tool-call-start')).toMatchObject({ index: 0, name: 'get_weather' });
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'STOP' } });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 83, outputTokens: 80, reasoningTokens: 54 } });
  });

  it('keeps ° whole when the network splits it between chunks', async () => {
    mock.enqueue({ fixture: 'stream-text-only.txt', stream: { splitBytes: true, chunkDelayMs: 2 } });
    expect(streamedText(await askStream(user('Weather?')))).toBe("It's currently 18°C and partly cloudy in Paris.");
    mock.enqueue({ reply: { content: 'It is 18°C… in Paris ☀️' }, stream: { splitBytes: 3 } });
    expect(streamedText(await askStream(user('Weather?')))).toBe('It is 18°C… in Paris ☀️');
  });

  it('makes parallel tool calls under tool_choice required, and the strict mock accepts the results sent back', async () => {
    const first = await ask({ ...user('Paris'), tools: [weatherTool, timeTool], tool_choice: 'required' });
    expect(first.finishReason).toEqual({ unified: 'tool-calls', raw: 'STOP' });
    expect(mock.requests[0]!.body).toMatchObject({ toolConfig: { functionCallingConfig: { mode: 'ANY' } } });
    const calls = first.content.flatMap((part) => (part.type === 'tool-call' ? [part] : []));
    expect(calls.map((part) => [part.name, JSON.parse(part.arguments)])).toEqual([
      ['get_weather', { city: 'Paris' }],
      ['get_time', { city: 'Paris' }],
    ]);
    // The first call is signed; the signature must come back on the same part.
    expect(readThoughtSignature(calls[0]!.id)).toBeDefined();

    const second = await ask({
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: null, tool_calls: calls.map((part) => ({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } })) },
        { role: 'tool', tool_call_id: calls[0]!.id, content: '{"temperature":18}' },
        { role: 'tool', tool_call_id: calls[1]!.id, content: '14:05' },
      ],
      tools: [weatherTool, timeTool],
    });
    expect(responseText(second)).toBe('Tool result received: {"temperature":18}\nTool result received: {"content":"14:05"}');
    const sent = mock.requests[1]!.body as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> };
    expect(sent.contents[1]!.parts[0]!['thoughtSignature']).toBe(readThoughtSignature(calls[0]!.id));
    expect(sent.contents[1]!.parts[1]).not.toHaveProperty('thoughtSignature');
  });

  it('sends tool schemas the strict mock accepts: $ref, anyOf-nullable, additionalProperties converted', async () => {
    const tool = {
      type: 'function',
      function: {
        name: 'book',
        parameters: {
          $schema: 'http://json-schema.org/draft-07/schema#',
          type: 'object',
          additionalProperties: false,
          properties: {
            guest: { $ref: '#/$defs/Guest' },
            note: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'null' }], default: null },
            nights: { type: ['integer', 'null'], exclusiveMinimum: 0 },
          },
          required: ['guest'],
          $defs: { Guest: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } }, required: ['name'] } },
        },
      },
    };
    const response = await ask({ ...user('Book it'), tools: [tool], tool_choice: { type: 'function', function: { name: 'book' } } });
    expect(response.content).toMatchObject([{ type: 'tool-call', name: 'book' }]);
    const declaration = (mock.requests[0]!.body as { tools: Array<{ functionDeclarations: Array<Record<string, unknown>> }> }).tools[0]!.functionDeclarations[0]!;
    expect(declaration['parameters']).toEqual({
      type: 'object',
      properties: {
        guest: { type: 'object', properties: { name: { type: 'string' }, email: { type: 'string' } }, required: ['name'] },
        note: { type: 'string', maxLength: 200, nullable: true },
        nights: { type: 'integer', nullable: true },
      },
      required: ['guest'],
    });
  });

  it('reports usage with thoughts and cached content, whole and streamed', async () => {
    const usage = { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 100, reasoning_tokens: 10 };
    const expected = { inputTokens: 120, outputTokens: 30, cachedInputTokens: 100, reasoningTokens: 10 };
    mock.enqueue({ reply: { content: 'ok', reasoning: 'Let me think.', usage } }, { reply: { content: 'ok', reasoning: 'Let me think.', usage } });
    const whole = await ask(user('hi'));
    expect(whole.usage).toEqual(expected);
    expect(whole.content).toEqual([
      { type: 'reasoning', text: 'Let me think.' },
      { type: 'text', text: 'ok' },
    ]);
    const parts = await askStream(user('hi'));
    expect(parts).toContainEqual({ type: 'reasoning-delta', delta: 'Let me think.' });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: expected });
  });

  it('passes on the RetryInfo delay of a 429', async () => {
    mock.enqueue({ error: 'rate_limit' }, { error: 'rate_limit' });
    const error = await ask(user('hi')).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', status: 429, retryable: true, retryAfterSeconds: 23, provider: 'gemini' });
    await expect(askStream(user('hi'))).rejects.toMatchObject({ code: 'rate_limit_exceeded', retryAfterSeconds: 23 });
  });

  it('maps 503 to upstream_overloaded and a blocked prompt to content_filter', async () => {
    mock.enqueue({ error: 'overloaded' }, { error: 'prompt_blocked' }, { error: 'prompt_blocked' });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'upstream_overloaded', status: 503, retryable: true });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'content_filter', status: 400 });
    await expect(askStream(user('hi'))).rejects.toMatchObject({ code: 'content_filter', status: 400 });
  });

  it('fails a mid-stream error event as retryable overloaded', async () => {
    mock.enqueue({ reply: { content: 'one two three four five six' }, stream: { midStreamError: true, errorAfterEvents: 1 } });
    await expect(askStream(user('hi'))).rejects.toMatchObject({ code: 'upstream_overloaded', retryable: true });
  });

  it('maps a rejected key (Gemini’s 400) to a 401 that does not quote the upstream', async () => {
    const wrong = startProvider('gemini', gemini({ api_key: 'AIza-wrong', base_url: mock.url }), transport);
    const error = (await wrong.chat!.complete(call(user('hi'))).catch((caught: unknown) => caught)) as GatewayError;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'upstream_authentication_failed', status: 401, upstreamStatus: 400 });
    expect(error.message).not.toContain('API key not valid');
    expect(JSON.stringify(error.toBody())).not.toContain('AIza-wrong');
  });

  it('refuses an arbitrary https image before calling Gemini', async () => {
    await expect(ask(user([{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }]))).rejects.toMatchObject({ code: 'invalid_request', status: 400 });
    expect(mock.requests).toHaveLength(0);
  });

  it('cancels the upstream request when the caller aborts, whole and streamed', async () => {
    mock.enqueue({ hang: true });
    const wholeAbort = new AbortController();
    const whole = provider.chat!.complete(call(user('hi'), wholeAbort.signal));
    await expect.poll(() => mock.requests.length).toBe(1);
    wholeAbort.abort();
    await expect(whole).rejects.toMatchObject({ code: 'client_closed_request' });
    await mock.waitForAborts(1);

    mock.enqueue({ reply: { content: Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ') }, stream: { chunkDelayMs: 50 } });
    const streamAbort = new AbortController();
    const stream = await provider.chat!.stream(call({ ...user('hi'), stream: true }, streamAbort.signal));
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    streamAbort.abort();
    await expect((async () => {
      for (let step = await iterator.next(); !step.done; step = await iterator.next());
    })()).rejects.toBeInstanceOf(GatewayError);
    await mock.waitForAborts(2);
  });

  it('embeds through batchEmbedContents with outputDimensionality', async () => {
    const result = await provider.embeddings!.embed({
      request: { model: 'gemini/gemini-embedding-001', input: ['one', 'two', 'one'], dimensions: 4 },
      model: 'gemini-embedding-001',
      signal: new AbortController().signal,
      logger,
    });
    expect(result.embeddings).toHaveLength(3);
    expect(result.embeddings[0]).toHaveLength(4);
    expect(result.embeddings[0]).toEqual(result.embeddings[2]);
    expect(result.embeddings[0]).not.toEqual(result.embeddings[1]);
    expect(mock.requests[0]).toMatchObject({
      path: '/v1beta/models/gemini-embedding-001:batchEmbedContents',
      body: { requests: [{ model: 'models/gemini-embedding-001', content: { parts: [{ text: 'one' }] }, outputDimensionality: 4 }, {}, {}] },
    });
  });

  it('lists models live, without the models/ prefix, leaving out models it cannot call', async () => {
    const models = await provider.listModels!(AbortSignal.timeout(5000));
    expect(models.map((model) => model.id)).toEqual(['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash-lite', 'gemini-embedding-001']);
    expect(mock.requests[0]).toMatchObject({ path: '/v1beta/models', query: { pageSize: '1000' } });
  });

  it('answers the errors.json bad_request case as upstream_bad_request with the blamed field', async () => {
    const body = readFixtureJson<{ bad_request: { body: unknown } }>('gemini', 'errors.json').bad_request.body;
    mock.enqueue({ status: 400, body });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'upstream_bad_request', param: 'generation_config' });
  });
});
