import {
  createLogger,
  GatewayError,
  parseChatCompletionsRequest,
  startProvider,
  UpstreamTransport,
  type Provider,
  type StreamPart,
} from '@switchyard/core';
import { collectParts, lastUsage, type MockAnthropic, responseText, startMockAnthropic, streamedText } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import anthropic, { jsonResponseToolName } from '../src/index.js';

const apiKey = 'sk-ant-test-0123456789';
const logger = createLogger({ level: 'silent' });
const transport = new UpstreamTransport();
let mock: MockAnthropic;
let provider: Provider;

beforeAll(async () => {
  mock = await startMockAnthropic({ apiKey });
  provider = startProvider('anthropic', anthropic({ api_key: apiKey, base_url: mock.url }), transport);
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
  const { request } = parseChatCompletionsRequest({ model: 'anthropic/claude-sonnet-4-5', ...body });
  return { request, model: 'claude-sonnet-4-5', signal, logger };
}

const ask = (body: Record<string, unknown>) => provider.chat!.complete(call(body));
const askStream = async (body: Record<string, unknown>) => collectParts(await provider.chat!.stream(call({ ...body, stream: true })));
const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });



function toolCallsOf(parts: StreamPart[]) {
  const calls = new Map<number, { id: string; name: string; arguments: string }>();
  for (const part of parts) {
    if (part.type === 'tool-call-start') calls.set(part.index, { id: part.id, name: part.name, arguments: '' });
    if (part.type === 'tool-call-delta') calls.get(part.index)!.arguments += part.argumentsDelta;
  }
  return [...calls.values()];
}

describe('Anthropic provider against the mock upstream', () => {
  it('completes: headers, a body the strict mock accepts, the echo, finish and usage', async () => {
    const response = await ask({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather in Paris?' },
      ],
    });
    expect(responseText(response)).toBe('Echo: Weather in Paris?');
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'end_turn' });
    expect(response.usage.inputTokens).toBeGreaterThan(0);
    expect(response.id).toBe('msg_mock00000001');
    expect(response.providerMetadata?.['anthropic']?.['request_id']).toMatch(/^req_mock/);

    const sent = mock.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers).toMatchObject({ 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 4096,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      stream: false,
    });
  });

  it('streams text from stream-start to finish and usage', async () => {
    const parts = await askStream(user('Stream this please'));
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'msg_mock00000001', model: 'claude-sonnet-4-5' });
    expect(streamedText(parts)).toBe('Echo: Stream this please');
    expect(parts.filter((part) => part.type === 'text-delta').length).toBeGreaterThan(1);
    expect(parts.at(-2)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } });
    expect(parts.at(-1)?.type).toBe('usage');
  });

  it('replays the recorded stream.txt through the provider', async () => {
    mock.enqueue({ fixture: 'stream.txt', stream: { splitBytes: 7 } });
    const parts = await askStream(user('Weather in Paris?'));
    expect(streamedText(parts)).toBe("I'll check the current weather in Paris.");
    expect(toolCallsOf(parts)).toEqual([{ id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city": "Paris", "unit": "celsius"}' }]);
    expect(lastUsage(parts)).toEqual({ inputTokens: 612, outputTokens: 71 });
  });

  it('makes parallel tool calls and sends their results back in a turn the mock accepts', async () => {
    const tools = [tool('get_weather'), tool('get_time')];
    const first = await ask({ ...user('Paris'), tools, tool_choice: 'required' });
    expect(mock.requests[0]!.body).toMatchObject({ tool_choice: { type: 'any' } });
    expect(first.finishReason.unified).toBe('tool-calls');
    const calls = first.content.flatMap((part) => (part.type === 'tool-call' ? [part] : []));
    expect(calls.map((part) => [part.id, part.name, JSON.parse(part.arguments)])).toEqual([
      ['toolu_mock00000001', 'get_weather', { city: 'Paris' }],
      ['toolu_mock00000002', 'get_time', { city: 'Paris' }],
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

  it('streams one tool call when parallel calls are off, arguments reassembled to valid JSON', async () => {
    const parts = await askStream({ ...user('Paris'), tools: [tool('get_weather'), tool('get_time')], tool_choice: 'required', parallel_tool_calls: false });
    expect(mock.requests[0]!.body).toMatchObject({ tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    const calls = toolCallsOf(parts);
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: 'Paris' });
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } });
  });

  it('counts cache reads into the input tokens, whole and streamed', async () => {
    const usage = { prompt_tokens: 120, completion_tokens: 30, cached_tokens: 100 };
    mock.enqueue({ reply: { content: 'ok', usage } }, { reply: { content: 'ok', usage } });
    const expected = { inputTokens: 120, outputTokens: 30, cachedInputTokens: 100 };
    expect((await ask(user('hi'))).usage).toEqual(expected);
    expect(lastUsage(await askStream(user('hi')))).toEqual(expected);
  });

  it('reads thinking as signed reasoning, whole and streamed', async () => {
    mock.enqueue({ reply: { reasoning: 'Think it through.', content: 'Done.' } }, { reply: { reasoning: 'Think it through.', content: 'Done.' } });
    const whole = await ask(user('hi'));
    expect(whole.content[0]).toMatchObject({ type: 'reasoning', text: 'Think it through.', signature: expect.any(String) });
    const parts = await askStream(user('hi'));
    expect(parts.flatMap((part) => (part.type === 'reasoning-delta' ? [part.delta] : [])).join('')).toBe('Think it through.');
    expect(streamedText(parts)).toBe('Done.');
  });

  it('asks for JSON: a schema through output_config, JSON mode through the answer tool', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const structured = await ask({ ...user('Paris'), response_format: { type: 'json_schema', json_schema: { name: 'city', schema } } });
    expect(JSON.parse(responseText(structured))).toEqual({ city: 'Paris' });
    expect(mock.requests[0]!.body).toMatchObject({ output_config: { format: { type: 'json_schema', schema } } });

    const jsonMode = await ask({ ...user('Paris'), response_format: { type: 'json_object' } });
    expect(JSON.parse(responseText(jsonMode))).toEqual({});
    expect(jsonMode.finishReason).toEqual({ unified: 'stop', raw: 'tool_use' });
    expect(mock.requests[1]!.body).toMatchObject({ tool_choice: { type: 'tool', name: jsonResponseToolName } });
    const streamed = await askStream({ ...user('Paris'), response_format: { type: 'json_object' } });
    expect(JSON.parse(streamedText(streamed))).toEqual({});
  });

  it('refuses tool-call arguments that are not JSON before calling the upstream', async () => {
    const pending = ask({
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{oops' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '18' },
      ],
      tools: [tool('get_weather')],
    });
    await expect(pending).rejects.toMatchObject({ code: 'invalid_request', status: 400, param: 'messages[1].tool_calls[0].function.arguments' });
    expect(mock.requests).toHaveLength(0);
  });

  it('maps a 529 to a retryable upstream_overloaded, whole and streamed', async () => {
    mock.enqueue({ error: 'overloaded' }, { error: 'overloaded' });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'upstream_overloaded', status: 503, retryable: true, upstreamStatus: 529 });
    await expect(askStream(user('hi'))).rejects.toMatchObject({ code: 'upstream_overloaded', retryable: true });
  });

  it('maps a 429 with its retry-after', async () => {
    mock.enqueue({ error: 'rate_limit' });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'rate_limit_exceeded', status: 429, retryable: true, retryAfterSeconds: 27 });
  });

  it('maps a context-length 400 and a rejected key without echoing it', async () => {
    mock.enqueue({ error: 'context_length_exceeded' });
    await expect(ask(user('hi'))).rejects.toMatchObject({ code: 'context_length_exceeded', retryable: false });

    const wrong = startProvider('anthropic', anthropic({ api_key: 'sk-ant-wrong', base_url: mock.url }), transport);
    const error = (await wrong.chat!.complete(call(user('hi'))).catch((caught: unknown) => caught)) as GatewayError;
    expect(error).toMatchObject({ code: 'upstream_authentication_failed', status: 401, retryable: false });
    expect(error.message).not.toContain('sk-ant-wrong');
  });

  it('fails a stream with an in-stream error event, and one that is cut short', async () => {
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3 } });
    await expect(askStream(user('one two three four'))).rejects.toMatchObject({ code: 'upstream_overloaded', retryable: true });
    mock.enqueue({ stream: { cutAfterEvents: 4 } });
    const cut = await askStream(user('one two three four')).catch((error: unknown) => error);
    expect(cut).toBeInstanceOf(GatewayError);
    expect((cut as GatewayError).retryable).toBe(true);
  });

  it('cancels the upstream request when the caller aborts, whole and streamed', async () => {
    mock.enqueue({ hang: true });
    const abortWhole = new AbortController();
    const whole = provider.chat!.complete(call(user('hi'), abortWhole.signal));
    await expect.poll(() => mock.requests.length).toBe(1);
    abortWhole.abort();
    await expect(whole).rejects.toBeInstanceOf(GatewayError);
    await mock.waitForAborts(1);

    const words = Array.from({ length: 30 }, (_, index) => `word${index}`).join(' ');
    mock.enqueue({ reply: { content: words }, stream: { chunkDelayMs: 40 } });
    const abortStream = new AbortController();
    const stream = await provider.chat!.stream(call({ ...user('hi'), stream: true }, abortStream.signal));
    const iterator = stream[Symbol.asyncIterator]();
    await iterator.next();
    abortStream.abort();
    await expect((async () => {
      for (let step = await iterator.next(); !step.done; step = await iterator.next());
    })()).rejects.toBeInstanceOf(GatewayError);
    await mock.waitForAborts(2);
  });

  it('lists models live from GET /v1/models', async () => {
    const models = await provider.listModels!(AbortSignal.timeout(5000));
    expect(models.length).toBeGreaterThan(0);
    expect(models[0]).toMatchObject({ id: expect.stringMatching(/^claude-/), ownedBy: 'anthropic', created: expect.any(Number) });
    expect(mock.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', query: { limit: '1000' } });
    expect(mock.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
  });
});
