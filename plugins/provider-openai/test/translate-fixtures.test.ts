import type { ChatRequest, StreamPart, UpstreamErrorResponse } from '@switchyard/core';
import { GatewayError, parseChatCompletionsRequest } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { buildChatBody, createOpenAIStreamDecoder, mapCompatibleError, mapOpenAIError, parseChatCompletion } from '../src/index.js';

async function decodeFixture(file: string): Promise<StreamPart[]> {
  const decoder = createOpenAIStreamDecoder('openai');
  return decodeSseText(decoder, readFixture('openai', file));
}

function canonical(fixture: string): ChatRequest {
  return parseChatCompletionsRequest(readFixtureJson('openai', fixture)).request;
}

describe('OpenAI request translation', () => {
  it.each(['request.json', 'request-tools-result.json', 'request-vision.json', 'request-stream.json'])(
    'round-trips %s through the canonical request unchanged',
    (fixture) => {
      const original = readFixtureJson<Record<string, unknown>>('openai', fixture);
      const body = buildChatBody(canonical(fixture), String(original['model']), 'max_completion_tokens', 'openai');
      const expected = { ...original };
      if (expected['stream'] === false) delete expected['stream'];
      // The gateway always asks for usage on streams, to account for them.
      if (expected['stream'] === true) expected['stream_options'] = { include_usage: true };
      expect(JSON.parse(JSON.stringify(body))).toEqual(expected);
    },
  );

  it('uses max_tokens for servers that want the older field', () => {
    const body = buildChatBody(canonical('request.json'), 'gpt-4o-mini', 'max_tokens', 'openai');
    expect(body.max_tokens).toBe(256);
    expect(body.max_completion_tokens).toBeUndefined();
  });
});

describe('OpenAI assistant turns without text', () => {
  const history = (assistant: Record<string, unknown>) =>
    parseChatCompletionsRequest({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'u1' }, { role: 'assistant', ...assistant }, { role: 'user', content: 'u2' }] }).request;
  const sentAssistant = (assistant: Record<string, unknown>) => JSON.parse(JSON.stringify(buildChatBody(history(assistant), 'gpt-4o-mini', 'max_completion_tokens', 'openai'))).messages[1];

  it('sends content "" for a turn with neither text nor calls: OpenAI refuses content null without tool_calls', () => {
    expect(sentAssistant({ content: '' })).toEqual({ role: 'assistant', content: '' });
    expect(sentAssistant({ content: [{ type: 'refusal', refusal: 'No.' }] })).toEqual({ role: 'assistant', content: '', refusal: 'No.' });
  });

  it('keeps content null beside tool calls, as OpenAI writes them', () => {
    const call = { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } };
    expect(sentAssistant({ content: null, tool_calls: [call] })).toEqual({ role: 'assistant', content: null, tool_calls: [call] });
  });
});

describe('OpenAI response translation', () => {
  it('reads a text answer with its usage', () => {
    const response = parseChatCompletion(readFixtureJson('openai', 'response.json'), 'openai');
    expect(response.content).toEqual([{ type: 'text', text: "It's currently 18°C and partly cloudy in Paris." }]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'stop' });
    expect(response.usage).toEqual({ inputTokens: 121, outputTokens: 14 });
    expect(response.model).toBe('gpt-4o-mini-2024-07-18');
  });

  it('reads a tool call with its id and arguments kept verbatim', () => {
    const fixture = readFixtureJson<{ choices: Array<{ message: { tool_calls: Array<{ id: string; function: { arguments: string } }> } }> }>(
      'openai',
      'response-tool-call.json',
    );
    const response = parseChatCompletion(fixture, 'openai');
    const call = fixture.choices[0]!.message.tool_calls[0]!;
    expect(response.finishReason.unified).toBe('tool-calls');
    expect(response.content).toContainEqual({ type: 'tool-call', id: call.id, name: 'get_weather', arguments: call.function.arguments });
  });

  it('decodes stream.txt: text, one tool call reassembled to valid JSON, finish and usage', async () => {
    const parts = await decodeFixture('stream.txt');
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'chatcmpl-CFa3cM4nT8vQ1xR6kW2pLs9YzJ7Hb', model: 'gpt-4o-mini-2024-07-18' });
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('');
    expect(text).toBe("I'll check the current weather in Paris.");
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 0, id: 'call_k7Xp2QmZ9rT4vB1nW8sLc3dY', name: 'get_weather' },
    ]);
    const args = parts.flatMap((part) => (part.type === 'tool-call-delta' ? [part.argumentsDelta] : [])).join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 92, outputTokens: 27 } });
  });

  it('decodes stream-text-only.txt to the fixture answer', async () => {
    const parts = await decodeFixture('stream-text-only.txt');
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('');
    expect(text).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(parts.some((part) => part.type === 'usage')).toBe(true);
  });

  it('fails a stream that ends before it finished', () => {
    const decoder = createOpenAIStreamDecoder('openai');
    decoder.decode({ event: undefined, id: undefined, data: '{"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}' });
    expect(() => decoder.end()).toThrow(GatewayError);
  });

  it('turns an in-stream error event into a retryable server error', () => {
    const wire = readFixtureJson<{ stream_error_event: { wire: string } }>('openai', 'errors.json').stream_error_event.wire;
    const decoder = createOpenAIStreamDecoder('openai');
    const data = wire.replace(/^data: /, '').trim();
    expect(() => decoder.decode({ event: undefined, id: undefined, data })).toThrow(
      expect.objectContaining({ code: 'upstream_server_error', retryable: true }),
    );
  });

  it.each([
    [{ error: { message: 'Rate limit reached for gpt-4o-mini', type: 'requests', param: null, code: 'rate_limit_exceeded' } }, 'rate_limit_exceeded', 429],
    [{ error: { message: 'The engine is currently overloaded', type: 'overloaded_error', param: null, code: null } }, 'upstream_overloaded', 503],
    [{ error: { message: 'busy', type: 'server_error', code: 503 } }, 'upstream_overloaded', 503],
  ])('says an in-stream error %j as the status it names', (body, code, status) => {
    const decoder = createOpenAIStreamDecoder('openai');
    expect(() => decoder.decode({ event: undefined, id: undefined, data: JSON.stringify(body) })).toThrow(expect.objectContaining({ code, status, retryable: true }));
  });
});

describe('OpenAI error mapping', () => {
  const cases = readFixtureJson<Record<string, { status: number; headers: Record<string, string>; body: unknown }>>('openai', 'errors.json');
  const response = (name: string, headers: Record<string, string> = {}): UpstreamErrorResponse => ({
    status: cases[name]!.status,
    headers: { ...cases[name]!.headers, ...headers },
    bodyText: JSON.stringify(cases[name]!.body),
  });

  it.each([
    ['invalid_key', 'upstream_authentication_failed', 401, false],
    ['permission_denied', 'upstream_permission_denied', 403, false],
    ['rate_limit', 'rate_limit_exceeded', 429, true],
    ['insufficient_quota', 'upstream_quota_exceeded', 429, false],
    ['server_error', 'upstream_server_error', 502, true],
    ['overloaded', 'upstream_overloaded', 503, true],
    ['bad_request', 'upstream_bad_request', 400, false],
    ['context_length_exceeded', 'context_length_exceeded', 400, false],
  ])('maps %s to %s (%i, retryable %s)', (name, code, status, retryable) => {
    const error = mapOpenAIError('openai', response(name));
    expect(error).toMatchObject({ code, status, retryable, upstreamStatus: cases[name]!.status });
  });

  it('never repeats the upstream message of an authentication failure', () => {
    const error = mapOpenAIError('openai', response('invalid_key'));
    expect(error.message).not.toMatch(/sk-|Incorrect API key/);
  });

  it("never repeats a rate limit's message, which names the gateway's organization and its limits", () => {
    const error = mapOpenAIError('openai', response('rate_limit'));
    expect(error.message).toBe('openai is rate limiting requests.');
    // The same words from a compatible service (Groq names its organization and billing page too).
    const groq = mapCompatibleError('groq', response('rate_limit'));
    expect(groq.message).not.toMatch(/org-|organization|Limit \d/);
    expect(groq).toMatchObject({ code: 'rate_limit_exceeded', status: 429 });
  });

  it('keeps the parameter the upstream blamed', () => {
    expect(mapOpenAIError('openai', response('bad_request')).param).toBe('temperature');
  });

  it('honours retry-after and retry-after-ms', () => {
    expect(mapOpenAIError('openai', response('rate_limit', { 'retry-after': '7' })).retryAfterSeconds).toBe(7);
    expect(mapOpenAIError('openai', response('rate_limit', { 'retry-after-ms': '1500' })).retryAfterSeconds).toBe(1.5);
  });

  it.each(['1e21', 'Fri, 31 Dec 9999 23:59:59 GMT'])('holds a retry-after of %s to a day (1e21 was written to the client as Retry-After: 1e+21)', (value) => {
    expect(mapOpenAIError('openai', response('rate_limit', { 'retry-after': value })).retryAfterSeconds).toBe(86_400);
    expect(mapOpenAIError('openai', response('rate_limit', { 'retry-after-ms': '1e24' })).retryAfterSeconds).toBe(86_400);
  });

  it.each(['', '   ', '0x3e8', 'soon', '-5', '1e309', 'Infinity'])('leaves the retry-after in charge when retry-after-ms is %j, no count of milliseconds (a blank one read as 0: a retry at once)', (value) => {
    expect(mapOpenAIError('openai', response('rate_limit', { 'retry-after-ms': value, 'retry-after': '7' })).retryAfterSeconds).toBe(7);
  });

  it('maps a non-JSON 502 by its status', () => {
    const error = mapOpenAIError('openai', { status: 502, headers: {}, bodyText: '<html>Bad Gateway</html>' });
    expect(error).toMatchObject({ code: 'upstream_server_error', retryable: true });
  });
});
