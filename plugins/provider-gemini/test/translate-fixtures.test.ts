import type { ChatRequest, StreamPart, UpstreamErrorResponse } from '@switchyard/core';
import { GatewayError, parseChatCompletionsRequest, toOpenAIFinishReason } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson, streamedText } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import {
  buildGenerateContentBody,
  createGeminiStreamDecoder,
  mapGeminiError,
  mapGeminiErrorBody,
  parseGenerateContentResponse,
  readThoughtSignature,
} from '../src/index.js';

const settings = { provider: 'gemini', responseSchemaField: 'responseJsonSchema' } as const;
const systemPrompt = 'You are a concise weather assistant. Answer in one sentence.';
const question = "What's the weather in Paris right now?";
const signature = 'CiQB0e2KZXhhbXBsZS10aG91Z2h0LXNpZ25hdHVyZS1vcGFxdWUtYnl0ZXMtMDAwMRKf';
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather for a city.',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', description: 'City name, for example Paris' },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'], description: 'Temperature unit' },
      },
      required: ['city'],
    },
  },
};

/** The canonical request the OpenAI ingress makes of an OpenAI-shaped body. */
function canonical(body: Record<string, unknown>): ChatRequest {
  return parseChatCompletionsRequest({ model: 'gemini/gemini-2.5-flash', ...body }).request;
}

function bodyOf(request: ChatRequest): Record<string, unknown> {
  return JSON.parse(JSON.stringify(buildGenerateContentBody(request, settings).body)) as Record<string, unknown>;
}

async function decode(text: string): Promise<StreamPart[]> {
  const decoder = createGeminiStreamDecoder('gemini');
  return decodeSseText(decoder, text);
}


describe('Gemini request translation rebuilds the fixtures', () => {
  it('request.json: system instruction, tools, AUTO, generation config (thinking budget through provider_options)', () => {
    const request = canonical({
      messages: [
        { role: 'system', content: systemPrompt },
        { role: 'user', content: question },
      ],
      tools: [weatherTool],
      tool_choice: 'auto',
      temperature: 0.2,
      max_tokens: 1024,
      stop: ['\n\nUser:'],
      n: 1,
      provider_options: { gemini: { generationConfig: { thinkingConfig: { thinkingBudget: 512 } } } },
    });
    expect(bodyOf(request)).toEqual(readFixtureJson('gemini', 'request.json'));
  });

  it('request-tools-result.json: a tool call from response-tool-call.json comes back with its thought signature, then its result', () => {
    // The id the gateway gave the call carries the signature, so an OpenAI client echoing it is enough.
    const previous = parseGenerateContentResponse(readFixtureJson('gemini', 'response-tool-call.json'), 'gemini');
    const call = previous.content.find((part) => part.type === 'tool-call')!;
    const request = canonical({
      messages: [
        { role: 'system', content: systemPrompt },
        { role: 'user', content: question },
        { role: 'assistant', content: null, tool_calls: [{ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }] },
        { role: 'tool', tool_call_id: call.id, content: JSON.stringify({ city: 'Paris', temperature: 18, unit: 'celsius', condition: 'partly cloudy' }) },
      ],
      tools: [weatherTool],
      temperature: 0.2,
      max_tokens: 256,
    });
    expect(bodyOf(request)).toEqual(readFixtureJson('gemini', 'request-tools-result.json'));
  });

  it('request-vision.json: a base64 image inline, a Files API URI as fileData (image/jpeg when the URI has no extension)', () => {
    const fixture = readFixtureJson<{ contents: Array<{ parts: Array<{ inlineData?: { data: string } }> }> }>('gemini', 'request-vision.json');
    const data = fixture.contents[0]!.parts[1]!.inlineData!.data;
    const request = canonical({
      messages: [
        { role: 'system', content: systemPrompt },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image? Reply in one sentence.' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${data}` } },
            { type: 'image_url', image_url: { url: 'https://generativelanguage.googleapis.com/v1beta/files/8yq2k7m4zt1p' } },
          ],
        },
      ],
      max_tokens: 128,
    });
    expect(bodyOf(request)).toEqual(fixture);
  });
});

describe('Gemini response translation', () => {
  it('response.json: text, STOP → stop with the raw value kept, usage, id and model', () => {
    const response = parseGenerateContentResponse(readFixtureJson('gemini', 'response.json'), 'gemini');
    expect(response.content).toEqual([{ type: 'text', text: "It's currently 18°C and partly cloudy in Paris." }]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'STOP' });
    expect(response.usage).toEqual({ inputTokens: 106, outputTokens: 15 });
    expect(response.id).toBe('xFclaaKJC5WmnvgP2YfTsQo');
    expect(response.model).toBe('gemini-2.5-flash');
  });

  it('response-tool-call.json: a functionCall with finishReason STOP is a tool call, thoughts counted as output', () => {
    const fixture = readFixtureJson('gemini', 'response-tool-call.json');
    const response = parseGenerateContentResponse(fixture, 'gemini');
    expect(response.finishReason).toEqual({ unified: 'tool-calls', raw: 'STOP' });
    expect(response.content).toHaveLength(1);
    const call = response.content[0]!;
    expect(call).toMatchObject({ type: 'tool-call', name: 'get_weather', id: expect.stringMatching(/^call_[0-9a-f]{24}__thought__/) });
    expect(JSON.parse((call as { arguments: string }).arguments)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(readThoughtSignature((call as { id: string }).id)).toBe(signature);
    // The same response always gets the same ids.
    expect(parseGenerateContentResponse(fixture, 'gemini').content[0]).toEqual(call);
    expect(response.usage).toEqual({ inputTokens: 83, outputTokens: 88, reasoningTokens: 67 });
  });

  it('keeps thought parts apart as reasoning, and counts cached and tool-use prompt tokens', () => {
    const response = parseGenerateContentResponse(
      {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'Weighing units…', thought: true }, { text: 'It is ' }, { text: '18°C.' }] },
            finishReason: 'MAX_TOKENS',
            index: 0,
          },
        ],
        usageMetadata: { promptTokenCount: 100, toolUsePromptTokenCount: 5, candidatesTokenCount: 4, thoughtsTokenCount: 9, cachedContentTokenCount: 60 },
        modelVersion: 'gemini-2.5-pro',
        responseId: 'r1',
      },
      'gemini',
    );
    expect(response.content).toEqual([
      { type: 'reasoning', text: 'Weighing units…' },
      { type: 'text', text: 'It is 18°C.' },
    ]);
    expect(response.finishReason).toEqual({ unified: 'length', raw: 'MAX_TOKENS' });
    expect(response.usage).toEqual({ inputTokens: 105, outputTokens: 13, cachedInputTokens: 60, reasoningTokens: 9 });
  });

  it.each([
    ['SAFETY', 'content-filter'],
    ['RECITATION', 'content-filter'],
    ['BLOCKLIST', 'content-filter'],
    ['PROHIBITED_CONTENT', 'content-filter'],
    ['SPII', 'content-filter'],
    ['IMAGE_SAFETY', 'content-filter'],
    ['MALFORMED_FUNCTION_CALL', 'error'],
    ['LANGUAGE', 'content-filter'],
    ['OTHER', 'other'],
    ['SOMETHING_NEW', 'other'],
  ])('maps finishReason %s to %s', (raw, unified) => {
    const response = parseGenerateContentResponse({ candidates: [{ finishReason: raw, index: 0 }], responseId: 'r', modelVersion: 'm' }, 'gemini');
    expect(response.finishReason).toEqual({ unified, raw });
    expect(response.content).toEqual([]);
  });

  it('turns a blocked prompt (200, no candidates) into a content_filter error', () => {
    const blocked = readFixtureJson<{ prompt_blocked: { body: unknown } }>('gemini', 'errors.json').prompt_blocked.body;
    let error: unknown;
    try {
      parseGenerateContentResponse(blocked, 'gemini');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'content_filter', status: 400, retryable: false });
    expect((error as Error).message).toContain('PROHIBITED_CONTENT');
  });

  it('refuses a body without candidates or block reason', () => {
    expect(() => parseGenerateContentResponse({ modelVersion: 'm' }, 'gemini')).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });
});

describe('Gemini stream decoding', () => {
  it('decodes stream.txt (CRLF): text deltas, a whole functionCall, STOP → tool-calls, last usage at the end', async () => {
    const parts = await decode(readFixture('gemini', 'stream.txt'));
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'yGclaZ3tMcqgnvgPm8DD2A8', model: 'gemini-2.5-flash' });
    expect(streamedText(parts)).toBe("I'll check the current weather in Paris.");
    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(2);
    const start = parts.find((part) => part.type === 'tool-call-start');
    expect(start).toMatchObject({ index: 0, name: 'get_weather', id: expect.stringMatching(/^call_/) });
    expect(readThoughtSignature((start as { id: string }).id)).toBe(signature);
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    expect(deltas).toHaveLength(1);
    expect(JSON.parse((deltas[0] as { argumentsDelta: string }).argumentsDelta)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(parts.filter((part) => part.type === 'finish')).toEqual([{ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'STOP' } }]);
    expect(parts.filter((part) => part.type === 'usage' && !part.partial)).toHaveLength(1);
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 83, outputTokens: 80, reasoningTokens: 54 } });
  });

  it('decodes stream-text-only.txt to the fixture answer, the same with LF separators', async () => {
    const crlf = readFixture('gemini', 'stream-text-only.txt');
    expect(crlf).toContain('\r\n\r\n');
    for (const text of [crlf, crlf.replace(/\r\n/g, '\n')]) {
      const parts = await decode(text);
      expect(streamedText(parts)).toBe("It's currently 18°C and partly cloudy in Paris.");
      expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'STOP' } });
      expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 106, outputTokens: 15 } });
    }
  });

  it("passes the prompt's real count on early, once, so a stream cut before its end is billed from it", () => {
    const [first, second] = readFixture('gemini', 'stream-text-only.txt').split('\r\n\r\n').map((event) => event.replace(/^data: /, ''));
    const decoder = createGeminiStreamDecoder('gemini');
    const cut = decoder.decode({ event: undefined, id: undefined, data: first! });
    expect(cut.filter((part) => part.type === 'usage')).toEqual([{ type: 'usage', usage: { inputTokens: 106, outputTokens: 7 }, partial: true }]);
    // The same prompt count again is not repeated; the final usage still comes last, whole.
    const rest = [...decoder.decode({ event: undefined, id: undefined, data: second! }), ...decoder.end()];
    expect(rest.filter((part) => part.type === 'usage')).toEqual([{ type: 'usage', usage: { inputTokens: 106, outputTokens: 15 } }]);
  });

  it('numbers function calls from 0 across chunks and streams thoughts as reasoning', () => {
    const decoder = createGeminiStreamDecoder('gemini');
    const chunk = (parts: unknown[], finishReason?: string) => ({
      event: undefined,
      id: undefined,
      data: JSON.stringify({ candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }], responseId: 'r9', modelVersion: 'm' }),
    });
    const parts = [
      ...decoder.decode(chunk([{ text: 'Planning…', thought: true }])),
      ...decoder.decode(chunk([{ functionCall: { name: 'a', args: {} } }])),
      ...decoder.decode(chunk([{ functionCall: { name: 'b', args: { x: 1 } } }], 'STOP')),
      ...decoder.end(),
    ];
    expect(parts.filter((part) => part.type === 'reasoning-delta')).toEqual([{ type: 'reasoning-delta', delta: 'Planning…' }]);
    const starts = parts.filter((part) => part.type === 'tool-call-start') as Array<{ index: number; id: string; name: string }>;
    expect(starts.map((start) => [start.index, start.name])).toEqual([
      [0, 'a'],
      [1, 'b'],
    ]);
    expect(starts[0]!.id).not.toBe(starts[1]!.id);
    expect(parts).toContainEqual({ type: 'tool-call-delta', index: 1, argumentsDelta: '{"x":1}' });
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'STOP' } });
  });

  it('fails a stream that closes before a finish reason', () => {
    const decoder = createGeminiStreamDecoder('gemini');
    const first = readFixture('gemini', 'stream-text-only.txt').split('\r\n\r\n')[0]!.replace(/^data: /, '');
    decoder.decode({ event: undefined, id: undefined, data: first });
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: 'upstream_invalid_response', retryable: true }));
  });

  it('turns the in-stream error event into a retryable overloaded error', () => {
    const wire = readFixtureJson<{ stream_error: { wire: string } }>('gemini', 'errors.json').stream_error.wire;
    const decoder = createGeminiStreamDecoder('gemini');
    expect(() => decoder.decode({ event: undefined, id: undefined, data: wire.replace(/^data: /, '').trim() })).toThrow(
      expect.objectContaining({ code: 'upstream_overloaded', status: 503, retryable: true }),
    );
  });

  it('turns an in-stream error event wrapped in a list into the mapped error', () => {
    const wire = readFixtureJson<{ stream_error: { wire: string } }>('gemini', 'errors.json').stream_error.wire;
    const decoder = createGeminiStreamDecoder('gemini');
    expect(() => decoder.decode({ event: undefined, id: undefined, data: `[${wire.replace(/^data: /, '').trim()}]` })).toThrow(
      expect.objectContaining({ code: 'upstream_overloaded', status: 503, retryable: true }),
    );
  });

  it('turns a blocked prompt at the start of a stream into content_filter', () => {
    const blocked = readFixtureJson<{ prompt_blocked: { body: unknown } }>('gemini', 'errors.json').prompt_blocked.body;
    const decoder = createGeminiStreamDecoder('gemini');
    expect(() => decoder.decode({ event: undefined, id: undefined, data: JSON.stringify(blocked) })).toThrow(
      expect.objectContaining({ code: 'content_filter', status: 400 }),
    );
  });
});

describe('Gemini error mapping', () => {
  const cases = readFixtureJson<Record<string, { status: number; headers: Record<string, string>; body: unknown }>>('gemini', 'errors.json');
  const response = (name: string, headers: Record<string, string> = {}, body = cases[name]!.body): UpstreamErrorResponse => ({
    status: cases[name]!.status,
    headers: { ...cases[name]!.headers, ...headers },
    bodyText: JSON.stringify(body),
  });

  it.each([
    ['invalid_key', 'upstream_authentication_failed', 401, false],
    ['permission_denied', 'upstream_permission_denied', 403, false],
    ['rate_limit', 'rate_limit_exceeded', 429, true],
    ['server_error', 'upstream_server_error', 502, true],
    ['overloaded', 'upstream_overloaded', 503, true],
    ['deadline_exceeded', 'upstream_timeout', 504, true],
    ['bad_request', 'upstream_bad_request', 400, false],
    ['not_found', 'upstream_not_found', 404, false],
    ['context_length_exceeded', 'context_length_exceeded', 400, false],
  ])('maps %s to %s (%i, retryable %s)', (name, code, status, retryable) => {
    const error = mapGeminiError('gemini', response(name));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code, status, retryable, upstreamStatus: cases[name]!.status, provider: 'gemini' });
  });

  it('maps the bad key (a 400 from Gemini) to 401 without repeating the upstream message', () => {
    const error = mapGeminiError('gemini', response('invalid_key'));
    expect(error.status).toBe(401);
    expect(error.upstreamStatus).toBe(400);
    expect(error.message).not.toMatch(/API key not valid/);
  });

  it("never repeats a 429's message, which names the gateway's project and quota metrics, and keeps the wait", () => {
    const body = JSON.parse(JSON.stringify(cases['rate_limit']!.body)) as { error: { message: string } };
    body.error.message = 'Quota exceeded for quota metric \'Generate Content API requests per minute\' and limit \'GenerateContent request limit per minute for a region\' of service \'generativelanguage.googleapis.com\' for consumer \'project_number:123456789012\'.';
    const error = mapGeminiError('gemini', response('rate_limit', {}, body));
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', status: 429, retryAfterSeconds: 23, message: 'gemini is rate limiting requests.' });
    // A stream's error event is read by the same mapping.
    expect(mapGeminiErrorBody('gemini', 429, body as never).message).toBe('gemini is rate limiting requests.');
  });

  it.each([
    ['User location is not supported for the API use.'],
    ['This API method requires billing to be enabled. Please enable billing on project #123456789012 by visiting https://console.developers.google.com/billing/enable?project=123456789012 then retry.'],
  ])('maps a 400 FAILED_PRECONDITION (%s) to an error of the deployment, tried elsewhere, its words not repeated', (message) => {
    const error = mapGeminiError('gemini', { status: 400, headers: {}, bodyText: JSON.stringify({ error: { code: 400, message, status: 'FAILED_PRECONDITION' } }) });
    expect(error).toMatchObject({ code: 'upstream_permission_denied', retryable: true, upstreamStatus: 400, provider: 'gemini' });
    expect(error.message).not.toMatch(/project|123456789012/);
  });

  it('takes the wait from RetryInfo.retryDelay, fractional durations included, else from retry-after', () => {
    expect(mapGeminiError('gemini', response('rate_limit')).retryAfterSeconds).toBe(23);
    const body = JSON.parse(JSON.stringify(cases['rate_limit']!.body)) as { error: { details: Array<Record<string, unknown>> } };
    body.error.details[2]!['retryDelay'] = '29.723877525s';
    expect(mapGeminiError('gemini', response('rate_limit', {}, body)).retryAfterSeconds).toBeCloseTo(29.723877525);
    body.error.details = [];
    expect(mapGeminiError('gemini', response('rate_limit', { 'retry-after': '7' }, body)).retryAfterSeconds).toBe(7);
  });

  // Every other provider passes a retryable answer's Retry-After on (held to a day); Gemini's 5xx dropped it.
  it.each([['overloaded'], ['server_error'], ['deadline_exceeded']])('passes a retry-after on for %s, held to a day', (name) => {
    expect(mapGeminiError('gemini', response(name, { 'retry-after': '9' })).retryAfterSeconds).toBe(9);
    expect(mapGeminiError('gemini', response(name, { 'retry-after': '99999999' })).retryAfterSeconds).toBe(86_400);
  });

  it('passes a retry-after on for a 5xx without a Gemini body (a proxy in front)', () => {
    const error = mapGeminiError('gemini', { status: 502, headers: { 'retry-after': '4' }, bodyText: '<html>Bad Gateway</html>' });
    expect(error).toMatchObject({ code: 'upstream_server_error', retryable: true, retryAfterSeconds: 4 });
  });

  it('keeps the field a BadRequest detail blames as param', () => {
    expect(mapGeminiError('gemini', response('bad_request')).param).toBe('generation_config');
  });

  it('reads the envelope wrapped in a list, as the streaming endpoint writes it ([{"error": …}])', () => {
    const wrapped = (name: string) => response(name, {}, [cases[name]!.body]);
    expect(mapGeminiError('gemini', wrapped('invalid_key'))).toMatchObject({ code: 'upstream_authentication_failed', status: 401 });
    expect(mapGeminiError('gemini', wrapped('rate_limit'))).toMatchObject({ code: 'rate_limit_exceeded', retryAfterSeconds: 23 });
    expect(mapGeminiError('gemini', wrapped('bad_request')).param).toBe('generation_config');
    expect(mapGeminiError('gemini', wrapped('context_length_exceeded')).code).toBe('context_length_exceeded');
  });

  it('maps a non-JSON 502 by its status', () => {
    expect(mapGeminiError('gemini', { status: 502, headers: {}, bodyText: '<html>Bad Gateway</html>' })).toMatchObject({
      code: 'upstream_server_error',
      retryable: true,
    });
  });
});

describe('Gemini finish reasons, whole and streamed', () => {
  const answer = (finishReason: string, parts: unknown[]) => ({
    responseId: 'r1',
    modelVersion: 'gemini-2.5-flash',
    candidates: [{ content: { role: 'model', parts }, finishReason, index: 0 }],
  });
  const call = { functionCall: { name: 'get_weather', args: { city: 'Paris' } } };
  // What an OpenAI client reads: filters are content_filter; OpenAI has no word for an error, so an error-like finish is `stop` (the raw value kept).
  it.each([
    ['STOP', [{ text: 'Hi' }], 'stop', 'stop'],
    ['STOP', [call], 'tool-calls', 'tool_calls'],
    ['MAX_TOKENS', [{ text: 'Hi' }], 'length', 'length'],
    ['SAFETY', [], 'content-filter', 'content_filter'],
    ['RECITATION', [], 'content-filter', 'content_filter'],
    ['LANGUAGE', [], 'content-filter', 'content_filter'],
    ['BLOCKLIST', [], 'content-filter', 'content_filter'],
    ['PROHIBITED_CONTENT', [], 'content-filter', 'content_filter'],
    ['SPII', [], 'content-filter', 'content_filter'],
    ['IMAGE_SAFETY', [], 'content-filter', 'content_filter'],
    ['MALFORMED_FUNCTION_CALL', [], 'error', 'stop'],
    ['UNEXPECTED_TOOL_CALL', [], 'error', 'stop'],
    ['OTHER', [], 'other', 'stop'],
    ['FINISH_REASON_UNSPECIFIED', [], 'other', 'stop'],
  ])('reads %s with parts %j as %s (OpenAI %s) in a whole answer and in a stream', async (raw, parts, unified, openai) => {
    const body = answer(raw, parts);
    const whole = parseGenerateContentResponse(body, 'gemini').finishReason;
    const streamed = (await decode(`data: ${JSON.stringify(body)}\r\n\r\n`)).find((part) => part.type === 'finish');
    expect(whole).toEqual({ unified, raw });
    expect(streamed).toEqual({ type: 'finish', finishReason: whole });
    expect(toOpenAIFinishReason(whole)).toBe(openai);
  });
});
