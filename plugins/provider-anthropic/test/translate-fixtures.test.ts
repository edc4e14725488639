import type { ChatRequest, HttpChatAdapter, ProviderCall, StreamPart, UpstreamErrorResponse } from '@switchyard/core';
import { createLogger, GatewayError, PluginOptionsError } from '@switchyard/core';
import { decodeSseText, readFixture, readFixtureJson, streamedText } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import anthropic, {
  buildMessagesBody,
  createAnthropicAdapters,
  createAnthropicStreamDecoder,
  jsonResponseToolName,
  listUnsupportedSettings,
  mapAnthropicError,
  mapAnthropicStopReason,
  parseAnthropicMessage,
  structuredOutputsBeta,
  type AnthropicOptions,
  type MessagesBodySettings,
} from '../src/index.js';

const settings: MessagesBodySettings = { default_max_tokens: 4096, structured_outputs: 'output_config' };
const system = 'You are a concise weather assistant. Answer in one sentence.';
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
  return { model: 'anthropic/claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }], stream: false, ...fields };
}

function body(fields: Partial<ChatRequest>, overrides: Partial<MessagesBodySettings> = {}) {
  return buildMessagesBody(request(fields), 'claude-sonnet-4-5', { ...settings, ...overrides }).body;
}

async function decodeFixture(file: string): Promise<StreamPart[]> {
  return decodeText(readFixture('anthropic', file));
}

async function decodeText(text: string): Promise<StreamPart[]> {
  const decoder = createAnthropicStreamDecoder('anthropic');
  return decodeSseText(decoder, text);
}

function sse(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}


describe('Anthropic request translation', () => {
  it('builds request.json from the equivalent canonical request', () => {
    const built = body({
      maxOutputTokens: 1024,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: [{ type: 'text', text: "What's the weather in Paris right now?" }] },
      ],
      tools: [weatherTool],
      toolChoice: { type: 'auto' },
      parallelToolCalls: true,
      temperature: 0.2,
      stopSequences: ['\n\nUser:'],
    });
    expect(JSON.parse(JSON.stringify(built))).toEqual(readFixtureJson('anthropic', 'request.json'));
  });

  it('builds request-tools-result.json: assistant text + tool_use, a tool_result turn, a cached system prompt', () => {
    const built = body({
      maxOutputTokens: 1024,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: [{ type: 'text', text: "What's the weather in Paris right now?" }] },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: "I'll check the current weather in Paris." },
            { type: 'tool-call', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
          ],
        },
        {
          role: 'tool',
          toolCallId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
          content: '{"city":"Paris","temperature":18,"unit":"celsius","condition":"partly cloudy"}',
        },
      ],
      tools: [weatherTool],
      temperature: 0.2,
      providerOptions: { anthropic: { system_cache_control: { type: 'ephemeral' } } },
    });
    const expected = readFixtureJson<{ messages: Array<{ content: unknown }> }>('anthropic', 'request-tools-result.json');
    // Documented defaults: `stream` is always sent; `is_error: false` is the API's default and is left out.
    const toolResult = (expected.messages[2]!.content as Array<Record<string, unknown>>)[0]!;
    delete toolResult['is_error'];
    expect(JSON.parse(JSON.stringify(built))).toEqual({ ...expected, stream: false });
  });

  it('builds request-vision.json: base64 and https images', () => {
    const built = body({
      maxOutputTokens: 256,
      messages: [
        { role: 'system', content: system },
        {
          role: 'user',
          content: [
            {
              type: 'image',
              source: {
                kind: 'base64',
                mediaType: 'image/png',
                data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
              },
            },
            { type: 'image', source: { kind: 'url', url: 'https://example.com/images/eiffel-tower.jpg' }, detail: 'high' },
            { type: 'text', text: 'What is in this image? Reply in one sentence.' },
          ],
        },
      ],
    });
    expect(JSON.parse(JSON.stringify(built))).toEqual({ ...readFixtureJson<object>('anthropic', 'request-vision.json'), stream: false });
  });

  it('supplies max_tokens: the client limit, else the default, grown by a thinking budget', () => {
    expect(body({}).max_tokens).toBe(4096);
    expect(body({}, { default_max_tokens: 1000 }).max_tokens).toBe(1000);
    expect(body({ maxOutputTokens: 50 }).max_tokens).toBe(50);
    const thinking = { type: 'enabled', budget_tokens: 2048 };
    const withThinking = body({ providerOptions: { anthropic: { thinking } } });
    expect(withThinking).toMatchObject({ max_tokens: 4096 + 2048, thinking });
  });

  it('lifts every system message, in order, to the top-level system', () => {
    const built = body({
      messages: [
        { role: 'system', content: 'First.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'system', content: 'Second.', developer: true },
        { role: 'user', content: [{ type: 'text', text: 'Again' }] },
      ],
    });
    expect(built.system).toEqual([
      { type: 'text', text: 'First.' },
      { type: 'text', text: 'Second.' },
    ]);
    // The two user messages are now neighbours and become one turn.
    expect(built.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'Again' }] }]);
  });

  it('merges parallel tool results into one user turn, results before any text', () => {
    const built = body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Both?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', id: 'call_1', name: 'a', arguments: '{}' },
            { type: 'tool-call', id: 'call_2', name: 'b', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 'call_1', content: 'one' },
        { role: 'tool', toolCallId: 'call_2', content: 'two' },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      ],
    });
    expect(built.messages).toEqual([
      { role: 'user', content: 'Both?' },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'call_1', name: 'a', input: {} },
          { type: 'tool_use', id: 'call_2', name: 'b', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: 'one' },
          { type: 'tool_result', tool_use_id: 'call_2', content: 'two' },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
  });

  it("sends call ids from other providers or clients in Anthropic's id pattern, each call still paired with its result", () => {
    // Anthropic refuses any other id with a 400 (errors.json bad_request); Kimi-style and client-made ids have dots and colons.
    const ids = ['functions.get_weather:0', 'functions.get_weather:1', 'call.1', 'call:1', 'toolu_01A-b_c'];
    const built = body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'All?' }] },
        { role: 'assistant', content: ids.map((id) => ({ type: 'tool-call' as const, id, name: 'a', arguments: '{}' })) },
        ...ids.map((id) => ({ role: 'tool' as const, toolCallId: id, content: id })),
      ],
    });
    const uses = (built.messages[1]!.content as Array<{ id: string }>).map((block) => block.id);
    const results = (built.messages[2]!.content as Array<{ tool_use_id: string; content: string }>).map((block) => [block.tool_use_id, block.content]);
    for (const id of uses) expect(id).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(new Set(uses).size).toBe(ids.length);
    expect(results).toEqual(uses.map((id, at) => [id, ids[at]]));
    // An id Anthropic accepts goes as it came.
    expect(uses.at(-1)).toBe('toolu_01A-b_c');
  });

  it('sends signed reasoning back as thinking and drops what the API would refuse', () => {
    const built = body({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        {
          role: 'assistant',
          content: [
            { type: 'reasoning', text: 'Let me think.', signature: 'sig' },
            { type: 'reasoning', text: 'Unsigned.' },
            { type: 'text', text: '' },
            { type: 'text', text: 'Hello' },
          ],
        },
        { role: 'assistant', content: [] },
        { role: 'user', content: [{ type: 'text', text: 'More' }] },
      ],
    });
    expect(built.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Let me think.', signature: 'sig' },
        { type: 'text', text: 'Hello' },
      ],
    });
    expect(built.messages).toHaveLength(3);
  });

  it('refuses tool-call arguments that are not a JSON object, naming the message', () => {
    const attempt = () =>
      body({
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
          { role: 'assistant', content: [{ type: 'tool-call', id: 'call_bad', name: 'a', arguments: '{"city": "Par' }] },
          { role: 'tool', toolCallId: 'call_bad', content: 'x' },
        ],
      });
    expect(attempt).toThrow(GatewayError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'invalid_request', status: 400, param: 'messages[1].tool_calls[0].function.arguments' }));
    // The call by its place: its id is not repeated (a history's ids may be 64 KB).
    expect(attempt).toThrow(/messages\[1\]: the arguments of tool call 0 /);
  });

  it.each([
    [{ type: 'auto' }, undefined, { type: 'auto' }],
    [{ type: 'none' }, false, { type: 'none' }],
    [{ type: 'required' }, undefined, { type: 'any' }],
    [{ type: 'required' }, false, { type: 'any', disable_parallel_tool_use: true }],
    [{ type: 'tool', name: 'get_weather' }, true, { type: 'tool', name: 'get_weather', disable_parallel_tool_use: false }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, undefined, undefined],
  ] as const)('maps tool choice %j with parallel %s to %j', (toolChoice, parallelToolCalls, expected) => {
    const built = body({
      tools: [weatherTool],
      ...(toolChoice && { toolChoice: { ...toolChoice } as ChatRequest['toolChoice'] }),
      ...(parallelToolCalls !== undefined && { parallelToolCalls }),
    });
    expect(built.tool_choice).toEqual(expected);
    expect(built.tools).toEqual([{ name: 'get_weather', description: 'Get the current weather for a city.', input_schema: weatherParameters }]);
  });

  it('sends no tool fields without tools, and strict only when asked', () => {
    expect(body({ toolChoice: { type: 'auto' }, parallelToolCalls: false })).not.toHaveProperty('tool_choice');
    expect(body({ tools: [{ ...weatherTool, strict: true }] }).tools?.[0]).toMatchObject({ strict: true });
    expect(body({ tools: [{ ...weatherTool, strict: false }] }).tools?.[0]).not.toHaveProperty('strict');
  });

  it('puts a JSON schema in output_config.format, or in the beta output_format with its flag', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const responseFormat = { type: 'json-schema' as const, name: 'city', schema, strict: true };
    expect(body({ responseFormat })).toMatchObject({ output_config: { format: { type: 'json_schema', schema } } });
    const beta = buildMessagesBody(request({ responseFormat }), 'm', { ...settings, structured_outputs: 'output_format' });
    expect(beta.body.output_format).toEqual({ type: 'json_schema', schema });
    expect(beta.body).not.toHaveProperty('output_config');
    expect(beta.betas).toEqual([structuredOutputsBeta]);
  });

  it('emulates JSON mode with a forced answer tool, never a silent system hint', () => {
    const built = body({ responseFormat: { type: 'json' } });
    expect(built.system).toBeUndefined();
    expect(built.tools?.map((tool) => tool.name)).toEqual([jsonResponseToolName]);
    expect(built.tool_choice).toEqual({ type: 'tool', name: jsonResponseToolName });
    // With client tools the model may call one of them or answer through the JSON tool.
    const withTools = body({ responseFormat: { type: 'json' }, tools: [weatherTool] });
    expect(withTools.tools?.map((tool) => tool.name)).toEqual(['get_weather', jsonResponseToolName]);
    expect(withTools.tool_choice).toEqual({ type: 'any' });
  });

  it('passes providerOptions.anthropic through and acts on its cache and beta hints', () => {
    const built = buildMessagesBody(
      request({
        user: 'user-42',
        tools: [weatherTool],
        providerOptions: {
          anthropic: {
            top_k: 5,
            metadata: { other: 'x' },
            cache_control: { type: 'ephemeral' },
            service_tier: 'auto',
            betas: ['interleaved-thinking-2025-05-14'],
            tools_cache_control: true,
            messages_cache_control: { type: 'ephemeral', ttl: '1h' },
            model: 'not-this-one',
          },
          openai: { logit_bias: {} },
        },
      }),
      'claude-sonnet-4-5',
      settings,
    );
    expect(built.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      top_k: 5,
      metadata: { other: 'x', user_id: 'user-42' },
      cache_control: { type: 'ephemeral' },
      service_tier: 'auto',
    });
    expect(built.body).not.toHaveProperty('betas');
    expect(built.body).not.toHaveProperty('logit_bias');
    expect(built.body).not.toHaveProperty('tools_cache_control');
    expect(built.body.tools?.[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(built.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }]);
    expect(built.betas).toEqual(['interleaved-thinking-2025-05-14']);
  });

  it('passes temperature through unchanged, and names the settings it cannot send', () => {
    expect(body({ temperature: 1.5 }).temperature).toBe(1.5);
    const unsupported = request({ frequencyPenalty: 0.5, presencePenalty: 0.1, seed: 7, reasoningEffort: 'high' });
    const built = buildMessagesBody(unsupported, 'm', settings).body;
    expect(built).not.toHaveProperty('frequency_penalty');
    expect(built).not.toHaveProperty('seed');
    expect(listUnsupportedSettings(unsupported)).toEqual(['frequencyPenalty', 'presencePenalty', 'seed', 'reasoningEffort']);
  });
});

describe('Anthropic endpoint and options', () => {
  const options = (extra: Record<string, unknown> = {}) => anthropic({ api_key: 'sk-ant-test', ...extra }).build();
  const call = (chatRequest: ChatRequest, model: string): ProviderCall<ChatRequest> => ({ request: chatRequest, model, signal: new AbortController().signal, logger: createLogger({ level: 'silent' }) });

  it('posts to {base_url}/v1/messages with the key, version and content type', () => {
    const chat = options().chat as HttpChatAdapter;
    const upstream = chat.buildRequest(request({}), 'claude-sonnet-4-5', call(request({}), 'claude-sonnet-4-5'));
    expect(upstream.origin).toBe('https://api.anthropic.com');
    expect(upstream.path).toBe('/v1/messages');
    expect(upstream.headers).toEqual({ 'x-api-key': 'sk-ant-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(JSON.parse(upstream.body!)).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 4096 });
  });

  it('takes a base_url with a path or a trailing /v1, betas, extra headers and a bearer key', () => {
    const adapters = createAnthropicAdapters({
      api_key: 'k',
      base_url: 'https://proxy.example.com/anthropic/v1/',
      anthropic_version: '2025-01-01',
      beta: ['a-1', 'b-2'],
      auth_header: 'authorization',
      headers: { 'x-team': 'blue' },
      default_max_tokens: 10,
      structured_outputs: 'output_format',
      timeouts: { connect_ms: 5 },
      models_ttl_ms: 1,
    } satisfies AnthropicOptions);
    const chat = adapters.chat as HttpChatAdapter;
    const jsonRequest = request({ responseFormat: { type: 'json-schema', name: 'x', schema: { type: 'object' } } });
    const upstream = chat.buildRequest(jsonRequest, 'm', call(jsonRequest, 'm'));
    expect(upstream.origin).toBe('https://proxy.example.com');
    expect(upstream.path).toBe('/anthropic/v1/messages');
    expect(upstream.headers).toMatchObject({
      authorization: 'Bearer k',
      'anthropic-version': '2025-01-01',
      'anthropic-beta': `a-1,b-2,${structuredOutputsBeta}`,
      'x-team': 'blue',
    });
    expect(upstream.headers).not.toHaveProperty('x-api-key');
    expect(adapters).toMatchObject({ secrets: ['k'], timeouts: { connectMs: 5 }, modelsTtlMs: 1 });
    expect(adapters).not.toHaveProperty('embeddings');
  });

  it('requires an api_key and fills in the defaults', () => {
    expect(() => anthropic({})).toThrow(PluginOptionsError);
    expect(anthropic.pluginName).toBe('anthropic');
    expect(options().modelsTtlMs).toBe(300000);
  });

  it('lists models from GET /v1/models, tolerating missing fields', () => {
    const models = options().models as { buildRequest: () => { path: string }; parseResponse: (body: unknown) => unknown };
    expect(models.buildRequest().path).toBe('/v1/models?limit=1000');
    expect(
      models.parseResponse({
        data: [
          { type: 'model', id: 'claude-sonnet-4-5-20250929', display_name: 'Claude Sonnet 4.5', created_at: '2025-09-29T00:00:00Z' },
          { id: 'claude-x' },
          { display_name: 'no id' },
        ],
        has_more: false,
      }),
    ).toEqual([
      { id: 'claude-sonnet-4-5-20250929', ownedBy: 'anthropic', created: 1759104000 },
      { id: 'claude-x', ownedBy: 'anthropic' },
    ]);
    expect(() => models.parseResponse({})).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });
});

describe('Anthropic response translation', () => {
  it('reads response.json: text, end_turn, usage with cache reads counted in', () => {
    const response = parseAnthropicMessage(readFixtureJson('anthropic', 'response.json'), 'anthropic');
    expect(response).toMatchObject({ id: 'msg_01Qd7nX2kR9vT3mW8pL5sYzB', model: 'claude-sonnet-4-5-20250929' });
    expect(response.content).toEqual([{ type: 'text', text: "It's currently 18°C and partly cloudy in Paris." }]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'end_turn' });
    expect(response.usage).toEqual({ inputTokens: 74 + 512, outputTokens: 17, cachedInputTokens: 512 });
  });

  it('reads response-tool-call.json: text then a tool call with its id kept and input as JSON text', () => {
    const response = parseAnthropicMessage(readFixtureJson('anthropic', 'response-tool-call.json'), 'anthropic');
    expect(response.content).toEqual([
      { type: 'text', text: "I'll check the current weather in Paris." },
      { type: 'tool-call', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    ]);
    expect(response.finishReason).toEqual({ unified: 'tool-calls', raw: 'tool_use' });
    expect(response.usage).toEqual({ inputTokens: 612, outputTokens: 71 });
  });

  it('reads thinking as signed reasoning, cache writes, the stop sequence and the request id', () => {
    const response = parseAnthropicMessage(
      {
        id: 'msg_1',
        type: 'message',
        role: 'assistant',
        model: 'claude',
        content: [
          { type: 'thinking', thinking: 'Hmm.', signature: 'sig' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: 'Done' },
        ],
        stop_reason: 'stop_sequence',
        stop_sequence: 'END',
        usage: { input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 0, output_tokens: 3 },
      },
      'anthropic',
      { status: 200, headers: { 'request-id': 'req_1' } },
    );
    expect(response.content).toEqual([
      { type: 'reasoning', text: 'Hmm.', signature: 'sig' },
      { type: 'reasoning', text: '', redactedData: 'opaque' },
      { type: 'text', text: 'Done' },
    ]);
    expect(response.usage).toEqual({ inputTokens: 110, outputTokens: 3, cacheWriteInputTokens: 100 });
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'stop_sequence' });
    expect(response.providerMetadata).toEqual({ anthropic: { stop_sequence: 'END', request_id: 'req_1' } });
  });

  it('turns the JSON-mode tool call back into the text answer', () => {
    const response = parseAnthropicMessage(
      {
        id: 'msg_2',
        model: 'claude',
        content: [{ type: 'tool_use', id: 'toolu_1', name: jsonResponseToolName, input: { city: 'Paris' } }],
        stop_reason: 'tool_use',
        usage: { input_tokens: 1, output_tokens: 1 },
      },
      'anthropic',
    );
    expect(response.content).toEqual([{ type: 'text', text: '{"city":"Paris"}' }]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'tool_use' });
  });

  it('fails a body without content', () => {
    expect(() => parseAnthropicMessage({ type: 'message' }, 'anthropic')).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool-calls'],
    ['refusal', 'content-filter'],
    ['something_new', 'other'],
  ])('maps stop_reason %s to %s, keeping the raw value', (raw, unified) => {
    expect(mapAnthropicStopReason(raw)).toEqual({ unified, raw });
  });
  it('says stop, not tool_calls, for a tool_use stop whose every call was left out (nameless), whole and streamed', async () => {
    // A client reading finish_reason tool_calls reads message.tool_calls, which is then absent.
    const nameless = { type: 'tool_use', id: 'toolu_1', input: {} };
    const whole = parseAnthropicMessage({ id: 'm', model: 'c', content: [{ type: 'text', text: 'Hm.' }, nameless], stop_reason: 'tool_use', usage: { input_tokens: 1, output_tokens: 1 } }, 'anthropic');
    expect(whole.finishReason).toEqual({ unified: 'stop', raw: 'tool_use' });
    const parts = await decodeText(
      [
        sse('message_start', { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 1, output_tokens: 1 } } }),
        sse('content_block_start', { type: 'content_block_start', index: 0, content_block: nameless }),
        sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
        sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 2 } }),
        sse('message_stop', { type: 'message_stop' }),
      ].join(''),
    );
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'tool_use' } });
  });
});

describe('Anthropic stream decoding', () => {
  it('decodes stream.txt: start, text, one tool call reassembled to valid JSON, finish and usage', async () => {
    const parts = await decodeFixture('stream.txt');
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'msg_01Vb6sN2qT9wK4xR7mP3LcZ8', model: 'claude-sonnet-4-5-20250929' });
    expect(streamedText(parts)).toBe("I'll check the current weather in Paris.");
    // The tool_use block is Anthropic block 1, but the first tool call: index 0.
    expect(parts.filter((part) => part.type === 'tool-call-start')).toEqual([
      { type: 'tool-call-start', index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' },
    ]);
    const deltas = parts.filter((part) => part.type === 'tool-call-delta');
    expect(deltas.every((part) => part.type === 'tool-call-delta' && part.index === 0 && part.argumentsDelta !== '')).toBe(true);
    const args = deltas.map((part) => (part.type === 'tool-call-delta' ? part.argumentsDelta : '')).join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris', unit: 'celsius' });
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } },
      { type: 'usage', usage: { inputTokens: 612, outputTokens: 71 } },
    ]);
  });

  it('decodes stream-text-only.txt with its cached input tokens', async () => {
    const parts = await decodeFixture('stream-text-only.txt');
    expect(streamedText(parts)).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 } });
  });

  it('numbers tool calls from 0 across tool_use blocks only, and streams thinking as reasoning', async () => {
    const start = { type: 'message_start', message: { id: 'msg_t', model: 'claude', content: [], usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 } } };
    const text = [
      sse('message_start', start),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Two tools.' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig' } }),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('content_block_start', { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'a', input: {} } }),
      sse('content_block_start', { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_b', name: 'b', input: {} } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"y":2}' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"x":1}' } }),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 40 } }),
      sse('message_stop', { type: 'message_stop' }),
    ].join('');
    const parts = await decodeText(text);
    expect(parts.filter((part) => part.type !== 'stream-start')).toEqual([
      // message_start's real input tokens go out at once, marked partial, for a stream cut before the end.
      { type: 'usage', usage: { inputTokens: 15, outputTokens: 1, cachedInputTokens: 5 }, partial: true },
      { type: 'reasoning-delta', delta: 'Two tools.' },
      { type: 'reasoning-signature', signature: 'sig' },
      { type: 'tool-call-start', index: 0, id: 'toolu_a', name: 'a' },
      { type: 'tool-call-start', index: 1, id: 'toolu_b', name: 'b' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"y":2}' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"x":1}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } },
      // Input numbers from message_start, output from message_delta.
      { type: 'usage', usage: { inputTokens: 15, outputTokens: 40, cachedInputTokens: 5 } },
    ]);
  });

  it('gives a call that streamed no input the arguments {}, as the whole answer and OpenAI do, stopped or not', async () => {
    const start = (index: number, id: string) =>
      sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id, name: 'now', input: {} } });
    const text = [
      sse('message_start', { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 1, output_tokens: 1 } } }),
      // Anthropic's own shape for a call without parameters: one empty piece.
      start(0, 'toolu_a'),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } }),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      // No piece at all, and a block never stopped.
      start(1, 'toolu_b'),
      sse('content_block_stop', { type: 'content_block_stop', index: 1 }),
      start(2, 'toolu_c'),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } }),
      sse('message_stop', { type: 'message_stop' }),
    ].join('');
    const parts = await decodeText(text);
    const args = [0, 1, 2].map((index) =>
      parts.flatMap((part) => (part.type === 'tool-call-delta' && part.index === index ? [part.argumentsDelta] : [])).join(''),
    );
    expect(args).toEqual(['{}', '{}', '{}']);
    expect(parts.findIndex((part) => part.type === 'finish')).toBeGreaterThan(parts.findLastIndex((part) => part.type === 'tool-call-delta'));
  });

  it('streams the JSON-mode tool input as text', async () => {
    const text = [
      sse('message_start', { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 1, output_tokens: 1 } } }),
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: jsonResponseToolName, input: {} } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
      sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '1}' } }),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 4 } }),
      sse('message_stop', { type: 'message_stop' }),
    ].join('');
    const parts = await decodeText(text);
    expect(streamedText(parts)).toBe('{"a":1}');
    expect(parts.some((part) => part.type === 'tool-call-start')).toBe(false);
    expect(parts).toContainEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'tool_use' } });
  });

  describe('a tool_use block whose start carries its whole input (some Anthropic-compatible servers)', () => {
    const fixture = readFixture('anthropic', 'stream.txt');
    const emptyStart = '"name":"get_weather","input":{}}';
    const isPiece = (event: string) => event.includes('"input_json_delta"');
    /** stream.txt with the tool_use start's input given whole, keeping its pieces or not, and its stop or not. */
    function variant(input: object, options: { pieces: boolean; stop?: boolean }): string {
      expect(fixture).toContain(emptyStart);
      return fixture
        .replace(emptyStart, `"name":"get_weather","input":${JSON.stringify(input)}}`)
        .split('\n\n')
        .filter((event) => (options.pieces || !isPiece(event)) && (options.stop !== false || !event.includes('"content_block_stop","index":1')))
        .join('\n\n');
    }
    const args = (parts: StreamPart[]) => parts.flatMap((part) => (part.type === 'tool-call-delta' ? [part.argumentsDelta] : []));

    it('takes that input as the arguments when no piece follows, before the finish', async () => {
      const parts = await decodeText(variant({ city: 'Paris', unit: 'celsius' }, { pieces: false }));
      expect(args(parts)).toEqual(['{"city":"Paris","unit":"celsius"}']);
      const at = parts.findIndex((part) => part.type === 'tool-call-delta');
      expect(parts[at - 1]).toEqual({ type: 'tool-call-start', index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather' });
      expect(parts.findIndex((part) => part.type === 'finish')).toBeGreaterThan(at);
    });

    it('takes it too for a block never stopped, at the message_delta', async () => {
      const parts = await decodeText(variant({ city: 'Paris' }, { pieces: false, stop: false }));
      expect(args(parts)).toEqual(['{"city":"Paris"}']);
      expect(parts.findIndex((part) => part.type === 'finish')).toBeGreaterThan(parts.findIndex((part) => part.type === 'tool-call-delta'));
    });

    it('makes the arguments of the pieces alone when pieces follow (as the SDK reads it), not of both', async () => {
      const parts = await decodeText(variant({ city: 'Lyon' }, { pieces: true }));
      expect(JSON.parse(args(parts).join(''))).toEqual({ city: 'Paris', unit: 'celsius' });
    });

    it('counts an empty piece as a piece: the SDK reads {} from it, the call has the arguments {}', async () => {
      const text = variant({ city: 'Lyon' }, { pieces: false }).replace(
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}',
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}\n\n$&',
      );
      const parts = await decodeText(text);
      expect(parts.some((part) => part.type === 'tool-call-start')).toBe(true);
      expect(args(parts)).toEqual(['{}']);
    });

    it('takes neither {} nor an input that is not an object as the arguments: without pieces they are {}', async () => {
      for (const input of [[1, 2], 'x']) {
        const text = fixture.replace(emptyStart, `"name":"get_weather","input":${JSON.stringify(input)}}`).split('\n\n').filter((event) => !isPiece(event)).join('\n\n');
        expect(args(await decodeText(text))).toEqual(['{}']);
      }
      expect(args(await decodeText(variant({}, { pieces: false })))).toEqual(['{}']);
    });

    it('streams a JSON-mode answer given whole in the start as its text', async () => {
      const text = [
        sse('message_start', { type: 'message_start', message: { id: 'm', model: 'c', usage: { input_tokens: 1, output_tokens: 1 } } }),
        sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: jsonResponseToolName, input: { a: 1 } } }),
        sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
        sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 4 } }),
        sse('message_stop', { type: 'message_stop' }),
      ].join('');
      expect(streamedText(await decodeText(text))).toBe('{"a":1}');
    });
  });

  it('fails a stream that ends before the message was complete', () => {
    const decoder = createAnthropicStreamDecoder('anthropic');
    const events = readFixture('anthropic', 'stream-text-only.txt').split('\n\n').slice(0, 4);
    for (const event of events) {
      const [name, data] = event.split('\n').map((line) => line.replace(/^(event|data): /, ''));
      decoder.decode({ event: name, data: data!, id: undefined });
    }
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: 'upstream_invalid_response', retryable: true }));
  });

  it('turns the in-stream error event of errors.json into a retryable overloaded error', async () => {
    const wire = readFixtureJson<{ stream_error_event: { wire: string } }>('anthropic', 'errors.json').stream_error_event.wire;
    const prefix = readFixture('anthropic', 'stream-text-only.txt').split('\n\n').slice(0, 2).join('\n\n') + '\n\n';
    await expect(decodeText(prefix + wire)).rejects.toMatchObject({ code: 'upstream_overloaded', status: 503, retryable: true });
  });
});

describe('Anthropic error mapping', () => {
  const cases = readFixtureJson<Record<string, { status: number; headers: Record<string, string>; body: unknown }>>('anthropic', 'errors.json');
  const response = (name: string): UpstreamErrorResponse => ({
    status: cases[name]!.status,
    headers: cases[name]!.headers,
    bodyText: JSON.stringify(cases[name]!.body),
  });

  it.each([
    ['invalid_key', 'upstream_authentication_failed', 401, false],
    ['permission_denied', 'upstream_permission_denied', 403, false],
    ['not_found', 'upstream_not_found', 404, false],
    ['request_too_large', 'upstream_request_too_large', 413, false],
    ['rate_limit', 'rate_limit_exceeded', 429, true],
    ['server_error', 'upstream_server_error', 502, true],
    ['overloaded', 'upstream_overloaded', 503, true],
    ['bad_request', 'upstream_bad_request', 400, false],
    ['context_length_exceeded', 'context_length_exceeded', 400, false],
  ])('maps %s to %s (%i, retryable %s)', (name, code, status, retryable) => {
    const error = mapAnthropicError('anthropic', response(name));
    expect(error).toMatchObject({ code, status, retryable, upstreamStatus: cases[name]!.status, provider: 'anthropic' });
  });

  it('covers every case of errors.json', () => {
    const mapped = Object.keys(cases).filter((name) => !name.startsWith('_') && name !== 'stream_error_event');
    expect(mapped).toHaveLength(9);
  });

  it('passes retry-after (seconds) on with the 429', () => {
    expect(mapAnthropicError('anthropic', response('rate_limit')).retryAfterSeconds).toBe(27);
  });

  it('never repeats the upstream message of an authentication failure or a rate limit', () => {
    expect(mapAnthropicError('anthropic', response('invalid_key')).message).not.toMatch(/x-api-key/);
    expect(mapAnthropicError('anthropic', response('rate_limit')).message).not.toMatch(/organization/);
  });

  it('keeps the upstream message of a refused request', () => {
    expect(mapAnthropicError('anthropic', response('bad_request')).message).toMatch(/tool_use\.id/);
    expect(mapAnthropicError('anthropic', response('context_length_exceeded')).message).toMatch(/prompt is too long/);
  });

  it('reads the other context-length wording too', () => {
    const error = mapAnthropicError('anthropic', {
      status: 400,
      headers: {},
      bodyText: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message: 'input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000' } }),
    });
    expect(error.code).toBe('context_length_exceeded');
  });

  it('treats a 429 spend cap as quota, not to be retried', () => {
    const error = mapAnthropicError('anthropic', {
      status: 429,
      headers: { 'retry-after': '60' },
      bodyText: JSON.stringify({ type: 'error', error: { type: 'rate_limit_error', message: 'spend limit', details: { error_code: 'enforced_spend_limit_reached' } } }),
    });
    expect(error).toMatchObject({ code: 'upstream_quota_exceeded', retryable: false, retryAfterSeconds: undefined });
  });

  it('maps timeout_error (504), as a response or an in-stream event, to upstream_timeout', async () => {
    const body = JSON.stringify({ type: 'error', error: { type: 'timeout_error', message: 'Request timed out' } });
    expect(mapAnthropicError('anthropic', { status: 504, headers: {}, bodyText: body })).toMatchObject({
      code: 'upstream_timeout',
      status: 504,
      retryable: true,
    });
    const prefix = readFixture('anthropic', 'stream-text-only.txt').split('\n\n').slice(0, 2).join('\n\n') + '\n\n';
    await expect(decodeText(`${prefix}event: error\ndata: ${body}\n\n`)).rejects.toMatchObject({ code: 'upstream_timeout', status: 504, retryable: true });
  });

  it("maps the 400 Anthropic sends for an account out of credit to quota, without its billing advice", () => {
    const message = 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.';
    const error = mapAnthropicError('anthropic', {
      status: 400,
      headers: {},
      bodyText: JSON.stringify({ type: 'error', error: { type: 'invalid_request_error', message }, request_id: 'req_1' }),
    });
    expect(error).toMatchObject({ code: 'upstream_quota_exceeded', status: 429, upstreamStatus: 400 });
    expect(error.message).not.toMatch(/Plans & Billing/);
  });

  it('maps a non-JSON 502 and a bare 529 by status', () => {
    expect(mapAnthropicError('anthropic', { status: 502, headers: {}, bodyText: '<html>Bad Gateway</html>' })).toMatchObject({
      code: 'upstream_server_error',
      retryable: true,
    });
    expect(mapAnthropicError('anthropic', { status: 529, headers: { 'retry-after': '2' }, bodyText: '' })).toMatchObject({
      code: 'upstream_overloaded',
      retryable: true,
      retryAfterSeconds: 2,
    });
  });
});
