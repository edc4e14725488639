import type { ChatRequest, StreamPart, UpstreamErrorResponse } from '@switchyard/core';
import { GatewayError, parseChatCompletionsRequest } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson } from '@switchyard/testing';
import { describe, expect, it, vi } from 'vitest';
import mistral, { buildMistralChatBody, createMistralAdapters, isMistralToolCallId, mistralOptionsSchema, toMistralToolCallId } from '../src/index.js';

const adapters = createMistralAdapters({ api_key: 'k', base_url: 'https://api.mistral.ai/v1', headers: {}, timeouts: {}, models_ttl_ms: 1 });

async function decodeFixture(file: string): Promise<StreamPart[]> {
  const decoder = (adapters.chat as { createStreamDecoder(info: unknown): { decode(e: unknown): StreamPart[]; end(): StreamPart[] } }).createStreamDecoder({});
  return decodeSseText(decoder, readFixture('mistral', file));
}

const canonical = (body: unknown): ChatRequest => parseChatCompletionsRequest(body).request;
const warnLogger = () => ({ warn: vi.fn() }) as unknown as Parameters<typeof buildMistralChatBody>[3] & { warn: ReturnType<typeof vi.fn> };

describe('Mistral request translation', () => {
  it.each(['request.json', 'request-tools-result.json'])('rebuilds %s from the canonical request', (fixture) => {
    const original = readFixtureJson<Record<string, unknown>>('mistral', fixture);
    const body = buildMistralChatBody(canonical(original), String(original['model']), {});
    const expected = { ...original };
    if (expected['stream'] === false) delete expected['stream'];
    expect(JSON.parse(JSON.stringify(body))).toEqual(expected);
  });

  it('sends images of request-vision.json as image_url objects Mistral accepts', () => {
    const original = readFixtureJson<{ messages: Array<{ content: Array<Record<string, unknown>> }> }>('mistral', 'request-vision.json');
    // The OpenAI ingress takes the object form only; Mistral accepts it too.
    const client = structuredClone(original);
    client.messages[0]!.content[1] = { type: 'image_url', image_url: { url: original.messages[0]!.content[1]!['image_url'] } };
    const body = buildMistralChatBody(canonical(client), 'mistral-medium-latest', {});
    expect(body['messages']).toEqual(client.messages);
    expect(body['max_tokens']).toBe(128);
  });

  it('renames seed, never sends stream_options, maps required to any and drops what Mistral refuses, with a warning', () => {
    const logger = warnLogger();
    const body = buildMistralChatBody(
      canonical({
        model: 'm',
        stream: true,
        stream_options: { include_usage: true },
        seed: 7,
        user: 'u-1',
        logit_bias: { '1': 2 },
        max_completion_tokens: 50,
        messages: [{ role: 'developer', content: 'Be brief.' }, { role: 'user', content: 'hi', name: 'ann' }],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: 'required',
      }),
      'mistral-small-latest',
      { safe_prompt: true },
      logger,
    );
    expect(body).toMatchObject({ stream: true, random_seed: 7, max_tokens: 50, tool_choice: 'any', safe_prompt: true });
    for (const field of ['stream_options', 'seed', 'user', 'logit_bias', 'max_completion_tokens']) expect(body).not.toHaveProperty(field);
    expect(body['messages']).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }]);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]![0]).toMatchObject({ dropped: expect.arrayContaining(['user', 'logit_bias']) });
  });

  it('keeps fields the client addressed to Mistral itself', () => {
    const body = buildMistralChatBody(canonical({ model: 'm', messages: [{ role: 'user', content: 'hi' }], provider_options: { mistral: { prompt_mode: 'reasoning', guardrails: [] } } }), 'magistral-medium-latest', {});
    expect(body).toMatchObject({ prompt_mode: 'reasoning', guardrails: [] });
  });
});

describe('Mistral tool-call ids', () => {
  const history = (assistantId: string, toolId = assistantId) => ({
    model: 'm',
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: assistantId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: toolId, content: '{"temperature":18}' },
    ],
  });
  const idsSent = (body: Record<string, unknown>) => {
    const messages = body['messages'] as Array<Record<string, unknown>>;
    return [(messages[1]!['tool_calls'] as Array<{ id: string }>)[0]!.id, messages[2]!['tool_call_id'] as string];
  };

  it('rewrites a client call_… id to the same 9-character id in the tool call and its result', () => {
    const [call, result] = idsSent(buildMistralChatBody(canonical(history('call_k7Xp2QmZ9rT4vB1nW8sLc3dY')), 'm', {}));
    expect(call).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(result).toBe(call);
    // Deterministic: the next turn, carrying the same history, sends the same id.
    expect(idsSent(buildMistralChatBody(canonical(history('call_k7Xp2QmZ9rT4vB1nW8sLc3dY')), 'm', {}))[0]).toBe(call);
    expect(toMistralToolCallId('call_abc')).not.toBe(toMistralToolCallId('call_abd'));
  });

  it('passes an id Mistral returned back unchanged, so the client sees and sends the same id', () => {
    const response = adapters.chat && 'parseResponse' in adapters.chat ? adapters.chat.parseResponse(readFixtureJson('mistral', 'response-tool-call.json'), { status: 200, headers: {} }) : undefined;
    const returned = response!.content.find((part) => part.type === 'tool-call');
    expect(returned).toMatchObject({ id: 'D681PevKs' });
    expect(isMistralToolCallId('D681PevKs')).toBe(true);
    expect(idsSent(buildMistralChatBody(canonical(history('D681PevKs')), 'm', {}))).toEqual(['D681PevKs', 'D681PevKs']);
  });
});

describe('Mistral response translation', () => {
  const parse = (body: unknown) => (adapters.chat as { parseResponse(body: unknown, info: unknown): import('@switchyard/core').ChatResponse }).parseResponse(body, {});

  it('reads response.json', () => {
    const response = parse(readFixtureJson('mistral', 'response.json'));
    expect(response.content).toEqual([{ type: 'text', text: "It's currently 18°C and partly cloudy in Paris." }]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'stop' });
    expect(response.usage).toEqual({ inputTokens: 131, outputTokens: 15 });
  });

  it('reads model_length as length, and Magistral thinking chunks as reasoning', () => {
    const fixture = readFixtureJson<{ choices: Array<{ finish_reason: string; message: Record<string, unknown> }> }>('mistral', 'response.json');
    fixture.choices[0]!.finish_reason = 'model_length';
    fixture.choices[0]!.message['content'] = [{ type: 'thinking', thinking: [{ type: 'text', text: 'Hmm.' }] }, { type: 'text', text: 'Done.' }];
    const response = parse(fixture);
    expect(response.finishReason).toEqual({ unified: 'length', raw: 'model_length' });
    expect(response.content).toEqual([{ type: 'reasoning', text: 'Hmm.' }, { type: 'text', text: 'Done.' }]);
  });

  it('decodes stream.txt: text, the tool call whole in one delta, finish and usage on the last chunk', async () => {
    const parts = await decodeFixture('stream.txt');
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'f4a2c8e1b7d94a3e9c5b6d7e8f9a0b1c', model: 'mistral-large-latest' });
    expect(parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('')).toBe("I'll check the current weather in Paris.");
    expect(parts).toContainEqual({ type: 'tool-call-start', index: 0, id: 'D681PevKs', name: 'get_weather' });
    expect(parts).toContainEqual({ type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":"Paris","unit":"celsius"}' });
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 104, outputTokens: 33 } });
  });

  it('decodes stream-text-only.txt', async () => {
    const parts = await decodeFixture('stream-text-only.txt');
    expect(parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('')).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 131, outputTokens: 15 } });
  });

  it('fails a stream that finishes with finish_reason "error"', () => {
    const decoder = (adapters.chat as { createStreamDecoder(info: unknown): { decode(e: unknown): StreamPart[] } }).createStreamDecoder({});
    const data = JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: '' }, finish_reason: 'error' }] });
    expect(() => decoder.decode({ data })).toThrow(expect.objectContaining({ code: 'upstream_server_error', retryable: true }));
  });
});

describe('Mistral error mapping', () => {
  const cases = readFixtureJson<Record<string, { status: number; headers: Record<string, string>; body: unknown }>>('mistral', 'errors.json');
  const response = (name: string, headers: Record<string, string> = {}): UpstreamErrorResponse => ({
    status: cases[name]!.status,
    headers: { ...cases[name]!.headers, ...headers },
    bodyText: JSON.stringify(cases[name]!.body),
  });

  it.each([
    ['invalid_key', 'upstream_authentication_failed', 401, false],
    ['permission_denied', 'upstream_permission_denied', 403, false],
    ['rate_limit', 'rate_limit_exceeded', 429, true],
    ['server_error', 'upstream_server_error', 502, true],
    ['overloaded', 'upstream_overloaded', 503, true],
    ['bad_request', 'upstream_bad_request', 400, false],
    ['validation_error', 'upstream_bad_request', 400, false],
    ['context_length_exceeded', 'context_length_exceeded', 400, false],
  ])('maps %s to %s (%i, retryable %s)', (name, code, status, retryable) => {
    const error = adapters.mapError!(response(name));
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code, status, retryable, upstreamStatus: cases[name]!.status, provider: 'mistral' });
  });

  it('reads the FastAPI detail list of a 422', () => {
    expect(adapters.mapError!(response('validation_error')).message).toContain('body.messages: Field required');
  });

  it('passes retry-after on for rate limits', () => {
    expect(adapters.mapError!(response('rate_limit', { 'retry-after': '4' })).retryAfterSeconds).toBe(4);
  });
});

describe('Mistral plugin', () => {
  it('needs an api_key and defaults base_url to La Plateforme', () => {
    expect(() => mistral({})).toThrow(/api_key/);
    expect(mistralOptionsSchema).toMatchObject({ properties: { base_url: { default: 'https://api.mistral.ai/v1' } } });
    const built = mistral({ api_key: 'k' }).build();
    const request = (built.chat as { buildRequest(r: ChatRequest, m: string, c: unknown): { origin: string; path: string; headers: Record<string, string> } }).buildRequest(
      canonical({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
      'mistral-small-latest',
      undefined,
    );
    expect(request).toMatchObject({ origin: 'https://api.mistral.ai', path: '/v1/chat/completions', headers: { authorization: 'Bearer k' } });
  });
});

describe('Mistral embeddings answers', () => {
  const embeddings = adapters.embeddings as import('@switchyard/core').HttpEmbeddingsAdapter;
  const parse = (embedding: unknown) =>
    embeddings.parseResponse(
      { data: [{ object: 'embedding', index: 0, embedding }], model: 'mistral-embed', usage: { prompt_tokens: 1 } },
      { status: 200, headers: {} },
      { request: { model: 'mistral/mistral-embed', input: ['a'] }, model: 'mistral-embed', signal: new AbortController().signal, logger: undefined as never },
    );
  const base64Of = (...floats: number[]) => Buffer.from(new Float32Array(floats).buffer).toString('base64');

  it('decodes a base64 vector, and refuses one holding a float32 NaN (it reached the client as null)', () => {
    expect(parse(base64Of(0.5, 1)).embeddings).toEqual([[0.5, 1]]);
    expect(() => parse(base64Of(0.5, Number.NaN))).toThrow(expect.objectContaining({ code: 'upstream_invalid_response', status: 502 }));
  });
});
