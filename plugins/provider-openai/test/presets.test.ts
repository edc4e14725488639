import type { ChatRequest, HttpChatAdapter, StreamPart, UpstreamChatResponse, UpstreamRequest } from '@switchyard/core';
import { decodeSseStream, parseChatCompletionsRequest } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson, type RecordedRequest, startMockOpenAI, testProviderAdapter } from '@switchyard/testing';
import { describe, expect, it, vi } from 'vitest';
import openai, { openAIPresetNames, openAIPresets, type OpenAIPresetName } from '../src/index.js';

const fixtures = 'openai-compatible';
const request = (body: Record<string, unknown>): ChatRequest => parseChatCompletionsRequest({ model: 'x/m', messages: [{ role: 'user', content: 'hi' }], ...body }).request;
const chatOf = (options: Record<string, unknown>) => openai(options).build().chat as HttpChatAdapter;
const logger = () => ({ warn: vi.fn() });
const build = (options: Record<string, unknown>, body: Record<string, unknown> = {}, model = 'm', log = logger()) => {
  const upstream: UpstreamRequest = chatOf(options).buildRequest(request(body), model, { logger: log } as never);
  return { upstream, body: JSON.parse(upstream.body!) as Record<string, unknown>, log };
};

async function decode(preset: OpenAIPresetName, file: string): Promise<StreamPart[]> {
  const decoder = chatOf({ preset, api_key: 'k' }).createStreamDecoder({ status: 200, headers: {} });
  return decodeSseText(decoder, readFixture(fixtures, file));
}
const text = (parts: StreamPart[], type: 'text-delta' | 'reasoning-delta') => parts.flatMap((part) => (part.type === type ? [part.delta] : [])).join('');
const parse = (preset: OpenAIPresetName, body: unknown): UpstreamChatResponse => chatOf({ preset, api_key: 'k' }).parseResponse(body, { status: 200, headers: {} });

describe('presets: base URL and auth', () => {
  const expected: Record<OpenAIPresetName, [string, boolean]> = {
    deepseek: ['https://api.deepseek.com/chat/completions', true],
    groq: ['https://api.groq.com/openai/v1/chat/completions', true],
    together: ['https://api.together.xyz/v1/chat/completions', true],
    fireworks: ['https://api.fireworks.ai/inference/v1/chat/completions', true],
    xai: ['https://api.x.ai/v1/chat/completions', true],
    openrouter: ['https://openrouter.ai/api/v1/chat/completions', true],
    perplexity: ['https://api.perplexity.ai/chat/completions', true],
    ollama: ['http://localhost:11434/v1/chat/completions', false],
    vllm: ['http://localhost:8000/v1/chat/completions', false],
    lmstudio: ['http://localhost:1234/v1/chat/completions', false],
  };
  it('covers every preset', () => expect(Object.keys(expected).sort()).toEqual([...openAIPresetNames].sort()));

  it.each(Object.entries(expected))('%s posts to %s', (preset, [url, keyRequired]) => {
    const { upstream } = build({ preset, api_key: 'secret-key' });
    expect(upstream.origin + upstream.path).toBe(url);
    expect(upstream.headers['authorization']).toBe('Bearer secret-key');
    if (keyRequired) expect(() => openai({ preset })).toThrow(/api_key/);
    else expect(build({ preset }).upstream.headers['authorization']).toBeUndefined();
  });

  it('lets the YAML override every preset setting', () => {
    const { upstream, body } = build(
      { preset: 'groq', api_key: 'k', base_url: 'https://proxy.example.com/groq/v1', max_tokens_field: 'max_completion_tokens', unsupported_params: [], stream_usage: false, headers: { 'x-team': 'a' } },
      { max_tokens: 10, logprobs: true, stream: true },
    );
    expect(upstream.origin + upstream.path).toBe('https://proxy.example.com/groq/v1/chat/completions');
    expect(upstream.headers['x-team']).toBe('a');
    expect(body).toMatchObject({ max_completion_tokens: 10, logprobs: true, stream: true });
    expect(body).not.toHaveProperty('stream_options');
  });

  it('keeps plain openai as it was: OpenAI URL, max_completion_tokens, stream usage asked for', () => {
    const { upstream, body } = build({ api_key: 'k' }, { max_tokens: 5, stream: true });
    expect(upstream.origin + upstream.path).toBe('https://api.openai.com/v1/chat/completions');
    expect(body).toMatchObject({ max_completion_tokens: 5, stream_options: { include_usage: true } });
  });

  it('uses the preset name in errors and for provider_options', () => {
    const { body } = build({ preset: 'openrouter', api_key: 'k' }, { provider_options: { openrouter: { transforms: ['middle-out'] } } });
    expect(body['transforms']).toEqual(['middle-out']);
  });
});

describe('presets: parameters a service does not accept are dropped with a warning', () => {
  it('perplexity drops tools and logprobs, and sends no stream_options', () => {
    const { body, log } = build({ preset: 'perplexity', api_key: 'k' }, { logprobs: true, stream: true, tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }], tool_choice: 'auto' });
    for (const field of ['tools', 'tool_choice', 'logprobs', 'stream_options']) expect(body).not.toHaveProperty(field);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ provider: 'perplexity', dropped: ['tools', 'tool_choice', 'logprobs'] }), expect.any(String));
  });

  it('deepseek-reasoner drops sampling settings and logprobs; deepseek-chat keeps them', () => {
    const settings = { temperature: 0.2, top_p: 0.9, logprobs: true, top_logprobs: 2 };
    const reasoner = build({ preset: 'deepseek', api_key: 'k' }, settings, 'deepseek-reasoner');
    expect(reasoner.body).not.toHaveProperty('temperature');
    expect(reasoner.body).not.toHaveProperty('logprobs');
    expect(reasoner.log.warn).toHaveBeenCalledTimes(1);
    const chat = build({ preset: 'deepseek', api_key: 'k' }, settings, 'deepseek-chat');
    expect(chat.body).toMatchObject({ temperature: 0.2, logprobs: true });
    expect(chat.log.warn).not.toHaveBeenCalled();
  });

  it("reads the call's logger only when a field is dropped, on the translated and the fast path", () => {
    const counted = () => {
      const log = logger();
      const call = { reads: 0, get logger() { call.reads++; return log; } };
      return call;
    };
    const chat = chatOf({ preset: 'perplexity', api_key: 'k' });
    const quiet = counted();
    chat.buildRequest(request({}), 'm', quiet as never);
    chat.passthrough!.buildRequest({ body: { model: 'x/m', messages: [] }, headers: {} } as never, 'm', quiet as never);
    expect(quiet.reads).toBe(0);
    const dropping = counted();
    chat.buildRequest(request({ logprobs: true }), 'm', dropping as never);
    chat.passthrough!.buildRequest({ body: { model: 'x/m', messages: [], logprobs: true }, headers: {} } as never, 'm', dropping as never);
    expect(dropping.reads).toBe(2);
    expect(dropping.logger.warn).toHaveBeenCalledTimes(2);
  });

  it('drops n: 1 quietly', () => {
    const { body, log } = build({ preset: 'groq', api_key: 'k' }, { n: 1 });
    expect(body).not.toHaveProperty('n');
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('every preset has a deny-list function', () => {
    for (const preset of Object.values(openAIPresets)) expect(Array.isArray(preset.unsupportedParams('m'))).toBe(true);
  });
});

describe('presets: quirk fixtures decoded', () => {
  it('deepseek stream: keep-alive comments skipped, reasoning_content as reasoning, usage on the last chunk', async () => {
    const parts = await decode('deepseek', 'deepseek-stream-reasoner.txt');
    expect(parts[0]).toMatchObject({ type: 'stream-start', model: 'deepseek-reasoner' });
    expect(text(parts, 'reasoning-delta')).toBe('Compare 9.11 and 9.8: 9.80 > 9.11.');
    expect(text(parts, 'text-delta')).toBe('9.8 is greater.');
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 18, outputTokens: 27, reasoningTokens: 19 } });
  });

  it('deepseek response: reasoning part, and prompt_cache_hit_tokens as cached input', () => {
    const fixture = readFixtureJson<Record<string, Record<string, unknown>>>(fixtures, 'deepseek-response-reasoner.json');
    const response = parse('deepseek', fixture);
    expect(response.content[0]).toMatchObject({ type: 'reasoning', text: expect.stringContaining('9.80 > 9.11') });
    expect(response.content[1]).toMatchObject({ type: 'text' });
    expect(response.usage).toEqual({ inputTokens: 18, outputTokens: 61, reasoningTokens: 44 });
    const hit = structuredClone(fixture);
    hit['usage']!['prompt_tokens_details'] = null;
    hit['usage']!['prompt_cache_hit_tokens'] = 12;
    expect(parse('deepseek', hit).usage?.cachedInputTokens).toBe(12);
  });

  it('groq stream: usage read from x_groq.usage', async () => {
    const parts = await decode('groq', 'groq-stream.txt');
    expect(text(parts, 'text-delta')).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 121, outputTokens: 14 } });
  });

  it('openrouter stream: comments skipped, trailing usage chunk read', async () => {
    const parts = await decode('openrouter', 'openrouter-stream.txt');
    expect(text(parts, 'text-delta')).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 121, outputTokens: 17 } });
  });

  it('openrouter mid-stream error (HTTP 200) becomes a retryable GatewayError', async () => {
    await expect(decode('openrouter', 'openrouter-stream-midstream-error.txt')).rejects.toMatchObject({
      name: 'GatewayError',
      code: 'upstream_server_error',
      retryable: true,
      provider: 'openrouter',
    });
  });

  it('reasoning named `reasoning` (Groq gpt-oss, OpenRouter, vLLM) is read like reasoning_content', () => {
    const decoder = chatOf({ preset: 'vllm' }).createStreamDecoder({ status: 200, headers: {} });
    const parts = decoder.decode({ data: JSON.stringify({ id: 'a', model: 'm', created: 1, choices: [{ index: 0, delta: { reasoning: 'think' }, finish_reason: null }] }), event: undefined, id: undefined });
    expect(parts).toContainEqual({ type: 'reasoning-delta', delta: 'think' });
    const response = parse('groq', { id: 'a', model: 'm', created: 1, choices: [{ index: 0, message: { role: 'assistant', content: 'ok', reasoning: 'why' }, finish_reason: 'stop' }] });
    expect(response.content).toEqual([{ type: 'reasoning', text: 'why' }, { type: 'text', text: 'ok' }]);
  });

  it('perplexity response: citations and search results kept as provider metadata', () => {
    const response = parse('perplexity', readFixtureJson(fixtures, 'perplexity-response.json'));
    expect(response.content).toEqual([{ type: 'text', text: 'Paris is currently about 18°C and partly cloudy [1][2].' }]);
    expect(response.providerMetadata?.['perplexity']).toMatchObject({
      citations: ['https://weather.example.com/paris', 'https://meteo.example.fr/paris'],
      search_results: [expect.objectContaining({ title: 'Paris weather now' }), expect.anything()],
    });
    expect(response.usage).toEqual({ inputTokens: 14, outputTokens: 19 });
  });

  it('the core SSE parser ignores `:` comment lines (plain openai decoder too)', async () => {
    const decoder = chatOf({ api_key: 'k' }).createStreamDecoder({ status: 200, headers: {} });
    const events: string[] = [];
    async function* bytes() {
      yield Buffer.from(': keep-alive\n\n: OPENROUTER PROCESSING\n\ndata: [DONE]\n\n', 'utf8');
    }
    for await (const event of decodeSseStream(bytes())) {
      events.push(event.data);
      decoder.decode(event);
    }
    expect(events).toEqual(['[DONE]']);
  });
});

describe('presets: error quirks', () => {
  const cases = readFixtureJson<Record<string, { status: number; body: unknown }>>(fixtures, 'errors-quirks.json');
  const mapError = (preset: OpenAIPresetName, name: string) =>
    openai({ preset, api_key: 'k' }).build().mapError!({ status: cases[name]!.status, headers: {}, bodyText: JSON.stringify(cases[name]!.body) });

  it.each([
    ['xai', 'xai_invalid_key', 'upstream_authentication_failed', 401, false],
    ['deepseek', 'deepseek_insufficient_balance', 'upstream_quota_exceeded', 429, false],
    ['deepseek', 'deepseek_context_length', 'context_length_exceeded', 400, false],
    ['deepseek', 'deepseek_reasoning_content_roundtrip', 'upstream_bad_request', 400, false],
    ['openrouter', 'openrouter_error', 'upstream_quota_exceeded', 429, false],
    ['vllm', 'vllm_error', 'context_length_exceeded', 400, false],
  ] as const)('%s: %s → %s (%i)', (preset, name, code, status, retryable) => {
    expect(mapError(preset, name)).toMatchObject({ code, status, retryable, provider: preset, upstreamStatus: cases[name]!.status });
  });

  it('never repeats the xAI bad-key message (it quotes the key)', () => {
    expect(mapError('xai', 'xai_invalid_key').message).not.toMatch(/xa\*\*\*|Incorrect API key/);
  });

  it('maps OpenRouter numeric codes by status, with retry-after', () => {
    const error = openai({ preset: 'openrouter', api_key: 'k' }).build().mapError!({
      status: 503,
      headers: { 'retry-after': '2' },
      bodyText: JSON.stringify({ error: { code: 503, message: 'No endpoints found', metadata: {} } }),
    });
    expect(error).toMatchObject({ code: 'upstream_overloaded', retryable: true, retryAfterSeconds: 2 });
  });
});

const body = (recorded: RecordedRequest) => recorded.body as Record<string, unknown>;

testProviderAdapter({
  name: 'groq',
  provider: openai,
  startUpstream: () => startMockOpenAI({ apiKey: 'gsk-conformance-0123456789' }),
  options: (upstream) => ({ preset: 'groq', api_key: 'gsk-conformance-0123456789', base_url: upstream.url }),
  model: 'llama-3.3-70b-versatile',
  embeddingModel: 'nomic-embed-text',
  stopSequencesOf: (recorded) => body(recorded)['stop'],
  asksForJson: (recorded) => ['json_object', 'json_schema'].includes((body(recorded)['response_format'] as { type?: string } | undefined)?.type ?? ''),
});
