import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError, parseChatCompletionsRequest, type ServerSentEvent, type StreamPart } from '@switchyard/core';
import { providerFixturesDir, readFixture, readFixtureJson } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import {
  buildConverseBody,
  convertToBedrockMessages,
  createConverseStreamDecoder,
  createEventStreamFramer,
  jsonResponseToolName,
  mapBedrockStopReason,
  parseConverseResponse,
} from '../src/index.js';

const system = { role: 'system', content: 'You are a concise weather assistant. Answer in one sentence.' };
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
const toolCallId = 'tooluse_Xk9pQ2mT7vR4nW1sL8cZ3d';
const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

const canonical = (body: Record<string, unknown>) => parseChatCompletionsRequest({ model: 'bedrock/x', ...body }).request;
const info = (requestId = 'req-1') => ({ status: 200, headers: { 'x-amzn-requestid': requestId } });

describe('canonical → Converse body, rebuilding the fixture requests', () => {
  it('request.json: system, tools with auto choice, inference config with stop sequences', () => {
    const body = buildConverseBody(
      canonical({
        messages: [system, { role: 'user', content: "What's the weather in Paris right now?" }],
        tools: [weatherTool],
        tool_choice: 'auto',
        max_tokens: 1024,
        temperature: 0.2,
        stop: ['\n\nUser:'],
      }),
    );
    expect(body).toEqual(readFixtureJson('bedrock', 'request.json'));
  });

  it('request-tools-result.json: assistant text + toolUse, then the tool result as a user toolResult (json)', () => {
    const body = buildConverseBody(
      canonical({
        messages: [
          system,
          { role: 'user', content: "What's the weather in Paris right now?" },
          {
            role: 'assistant',
            content: "I'll check the current weather in Paris.",
            tool_calls: [{ id: toolCallId, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' } }],
          },
          { role: 'tool', tool_call_id: toolCallId, content: '{"city":"Paris","temperature":18,"unit":"celsius","condition":"partly cloudy"}' },
        ],
        tools: [weatherTool],
        max_tokens: 1024,
        temperature: 0.2,
      }),
    );
    expect(body).toEqual(readFixtureJson('bedrock', 'request-tools-result.json'));
  });

  it("sends call ids from other providers or clients in Bedrock's toolUseId pattern (1 to 64 of [a-zA-Z0-9_-]), each call still paired with its result", () => {
    // Kimi-style and client-made ids have dots and colons; some clients make ids past 64 characters.
    const ids = ['functions.get_weather:0', 'functions.get_weather:1', 'call.1', 'call:1', `call_${'x'.repeat(70)}`, `call_${'x'.repeat(70)}.`, toolCallId];
    const body = buildConverseBody(
      canonical({
        messages: [
          { role: 'user', content: 'All?' },
          { role: 'assistant', content: null, tool_calls: ids.map((id) => ({ id, type: 'function', function: { name: 'get_weather', arguments: '{}' } })) },
          ...ids.map((id) => ({ role: 'tool', tool_call_id: id, content: id })),
        ],
      }),
    ) as { messages: Array<{ content: Array<{ toolUse?: { toolUseId: string }; toolResult?: { toolUseId: string; content: Array<{ text?: string }> } }> }> };
    const uses = body.messages[1]!.content.map((block) => block.toolUse!.toolUseId);
    const results = body.messages[2]!.content.map((block) => [block.toolResult!.toolUseId, block.toolResult!.content[0]!.text]);
    for (const id of uses) expect(id).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    expect(new Set(uses).size).toBe(ids.length);
    expect(results).toEqual(uses.map((id, at) => [id, ids[at]]));
    // An id Bedrock accepts goes as it came.
    expect(uses.at(-1)).toBe(toolCallId);
  });

  it('request-vision.json: a data-URL image becomes base64 bytes with its format', () => {
    const body = buildConverseBody(
      canonical({
        messages: [
          system,
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this image? Reply in one sentence.' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } },
            ],
          },
        ],
        max_tokens: 256,
      }),
    );
    expect(body).toEqual(readFixtureJson('bedrock', 'request-vision.json'));
  });

  it('refuses https image URLs with invalid_request (400), naming the part', () => {
    const request = canonical({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] });
    expect(() => buildConverseBody(request)).toThrow(GatewayError);
    expect(() => buildConverseBody(request)).toThrow(expect.objectContaining({ code: 'invalid_request', status: 400, param: 'messages[0].content[0].image_url' }));
  });

  it('merges consecutive turns of one role, puts tool results first, and refuses non-object tool arguments', () => {
    const body = buildConverseBody(
      canonical({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
          { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '' } }] },
          { role: 'tool', tool_call_id: 't1', content: 'plain text result' },
          { role: 'user', content: 'and?' },
        ],
        tools: [weatherTool],
      }),
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'a' }, { text: 'b' }] },
      { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'f', input: {} } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'plain text result' }], status: 'success' } }, { text: 'and?' }] },
    ]);
    const bad = canonical({
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '[1]' } }] }],
    });
    expect(() => buildConverseBody(bad)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
  });

  it('an empty or blank tool result goes as a placeholder text: Converse refuses blank text blocks', () => {
    for (const content of ['', '  \n']) {
      const body = buildConverseBody(
        canonical({
          messages: [
            { role: 'user', content: 'run it' },
            { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
            { role: 'tool', tool_call_id: 't1', content },
          ],
          tools: [weatherTool],
        }),
      );
      expect(body.messages[2]).toEqual({ role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: '(empty)' }], status: 'success' } }] });
    }
  });

  it("a user message's blank text parts are left out, and a user message of nothing but blank text says '.': Converse refuses blank text blocks", () => {
    const body = buildConverseBody(
      canonical({
        messages: [
          { role: 'user', content: [{ type: 'text', text: '' }, { type: 'text', text: 'hi' }, { type: 'text', text: ' \n' }] },
          { role: 'assistant', content: 'Hello.' },
          { role: 'user', content: '' },
        ],
      }),
    );
    expect(body.messages).toEqual([
      { role: 'user', content: [{ text: 'hi' }] },
      { role: 'assistant', content: [{ text: 'Hello.' }] },
      { role: 'user', content: [{ text: '.' }] },
    ]);
  });

  it('tool_choice: required → any, named → tool, none → no toolConfig (kept without a choice when history has tool use)', () => {
    const user = { role: 'user', content: 'hi' };
    expect(buildConverseBody(canonical({ messages: [user], tools: [weatherTool], tool_choice: 'required' })).toolConfig?.toolChoice).toEqual({ any: {} });
    expect(
      buildConverseBody(canonical({ messages: [user], tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } }))
        .toolConfig?.toolChoice,
    ).toEqual({ tool: { name: 'get_weather' } });
    expect(buildConverseBody(canonical({ messages: [user], tools: [weatherTool], tool_choice: 'none' })).toolConfig).toBeUndefined();
    const withHistory = buildConverseBody(
      canonical({
        messages: [
          user,
          { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 't1', content: '{}' },
        ],
        tools: [weatherTool],
        tool_choice: 'none',
      }),
    );
    expect(withHistory.toolConfig?.tools).toHaveLength(1);
    expect(withHistory.toolConfig?.toolChoice).toBeUndefined();
  });

  it('declares the tools a history called when the request offers none: Converse refuses toolUse blocks without a toolConfig', () => {
    const history = [
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
          { id: 't2', type: 'function', function: { name: 'get_time', arguments: '{}' } },
          { id: 't3', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 't1', content: '18' },
      { role: 'tool', tool_call_id: 't2', content: 'noon' },
      { role: 'tool', tool_call_id: 't3', content: '4' },
      { role: 'user', content: 'Sum it up.' },
    ];
    const declared = (tool_choice?: string) => buildConverseBody(canonical({ messages: history, ...(tool_choice && { tool_choice }) })).toolConfig;
    for (const config of [declared(), declared('none')]) {
      expect(config?.tools.map((tool) => tool.toolSpec.name)).toEqual(['get_weather', 'get_time']);
      expect(config?.tools[0]?.toolSpec.inputSchema.json).toEqual({ type: 'object' });
      expect(config?.toolChoice).toBeUndefined();
    }
    expect(buildConverseBody(canonical({ messages: [{ role: 'user', content: 'hi' }] })).toolConfig).toBeUndefined();
  });

  it('JSON mode and JSON schema force the answer tool; provider options are merged under the canonical fields', () => {
    const json = buildConverseBody(canonical({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }));
    expect(json.toolConfig?.toolChoice).toEqual({ tool: { name: jsonResponseToolName } });
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const structured = buildConverseBody(
      canonical({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'city', schema } } }),
    );
    expect(structured.toolConfig?.tools[0]?.toolSpec.inputSchema.json).toEqual(schema);
    const request = canonical({
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 10,
      provider_options: {
        bedrock: {
          additionalModelRequestFields: { top_k: 250 },
          guardrailConfig: { guardrailIdentifier: 'g1', guardrailVersion: '1' },
          inferenceConfig: { topP: 0.5 },
          messages: 'ignored',
        },
      },
    });
    // The OpenAI ingress refuses an output limit in the options (checkProviderOptions); a plugin dialect's
    // request may still carry one, and the canonical limit wins over it here.
    (request.providerOptions!['bedrock']!['inferenceConfig'] as Record<string, unknown>)['maxTokens'] = 99;
    const passed = buildConverseBody(request);
    expect(passed.additionalModelRequestFields).toEqual({ top_k: 250 });
    expect(passed.guardrailConfig).toEqual({ guardrailIdentifier: 'g1', guardrailVersion: '1' });
    expect(passed.inferenceConfig).toEqual({ maxTokens: 10, topP: 0.5 });
    expect(passed.messages).toEqual([{ role: 'user', content: [{ text: 'x' }] }]);
  });
});

describe('Converse response → canonical', () => {
  it('response.json: text, end_turn → stop, usage, id from x-amzn-RequestId', () => {
    const response = parseConverseResponse(readFixtureJson('bedrock', 'response.json'), 'bedrock', info('3f9b2c1d'));
    expect(response.id).toBe('3f9b2c1d');
    expect(response.content).toEqual([{ type: 'text', text: "It's currently 18°C and partly cloudy in Paris." }]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'end_turn' });
    expect(response.usage).toEqual({ inputTokens: 686, outputTokens: 17 });
    expect(response.providerMetadata?.['bedrock']).toMatchObject({ request_id: '3f9b2c1d', latency_ms: 912 });
  });

  it('response-tool-call.json: text + toolUse → tool call with JSON arguments, tool_use → tool-calls', () => {
    const response = parseConverseResponse(readFixtureJson('bedrock', 'response-tool-call.json'), 'bedrock', info());
    expect(response.content).toEqual([
      { type: 'text', text: "I'll check the current weather in Paris." },
      { type: 'tool-call', id: toolCallId, name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
    ]);
    expect(response.finishReason.unified).toBe('tool-calls');
    expect(response.usage).toEqual({ inputTokens: 612, outputTokens: 71 });
  });

  it('adds cache reads and writes to the input count, keeps reasoning, and turns the JSON answer tool into text', () => {
    const response = parseConverseResponse(
      {
        output: {
          message: {
            role: 'assistant',
            content: [
              { reasoningContent: { reasoningText: { text: 'thinking', signature: 'sig' } } },
              { toolUse: { toolUseId: 't', name: jsonResponseToolName, input: { city: 'Paris' } } },
            ],
          },
        },
        stopReason: 'tool_use',
        usage: { inputTokens: 20, outputTokens: 5, cacheReadInputTokens: 100, cacheWriteInputTokens: 30 },
      },
      'bedrock',
      info(),
    );
    expect(response.content).toEqual([
      { type: 'reasoning', text: 'thinking', signature: 'sig' },
      { type: 'text', text: '{"city":"Paris"}' },
    ]);
    expect(response.finishReason).toEqual({ unified: 'stop', raw: 'tool_use' });
    expect(response.usage).toEqual({ inputTokens: 150, outputTokens: 5, cachedInputTokens: 100, cacheWriteInputTokens: 30 });
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool-calls'],
    ['guardrail_intervened', 'content-filter'],
    ['content_filtered', 'content-filter'],
    ['malformed_tool_use', 'error'],
    ['something_new', 'other'],
  ])('stopReason %s → %s', (raw, unified) => {
    expect(mapBedrockStopReason(raw)).toEqual({ unified, raw });
  });
});

/** Decodes a binary stream fed in `pieceSize`-byte chunks (the whole body at once when undefined). */
function decodeBinary(bytes: Buffer, pieceSize?: number): { events: ServerSentEvent[]; parts: StreamPart[] } {
  const framer = createEventStreamFramer();
  const decoder = createConverseStreamDecoder('bedrock', info('stream-req'));
  const events: ServerSentEvent[] = [];
  const size = pieceSize ?? bytes.length;
  for (let start = 0; start < bytes.length; start += size) events.push(...framer.feed(bytes.subarray(start, start + size)));
  events.push(...framer.end());
  const parts = events.flatMap((event) => decoder.decode(event));
  parts.push(...decoder.end());
  return { events, parts };
}

const bin = (file: string) => readFileSync(join(providerFixturesDir(), 'bedrock', file));
const decodedLines = (file: string) =>
  readFixture('bedrock', file)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { headers: Record<string, string>; payload: unknown });

describe('ConverseStream binary fixtures → events → canonical parts', () => {
  it.each([
    ['stream.eventstream.bin', 'stream-decoded.jsonl'],
    ['stream-text-only.eventstream.bin', 'stream-text-only-decoded.jsonl'],
  ])('%s frames decode to exactly the messages of %s, whatever the chunking', (binFile, jsonlFile) => {
    const expected = decodedLines(jsonlFile);
    for (const pieceSize of [undefined, 1, 7, 146]) {
      const { events } = decodeBinary(bin(binFile), pieceSize);
      expect(events.map((event) => ({ event: event.event, payload: JSON.parse(event.data) as unknown }))).toEqual(
        expected.map((line) => ({ event: line.headers[':event-type'], payload: line.payload })),
      );
    }
  });

  it('stream.eventstream.bin: text deltas, one tool call from index 0 with its arguments, tool-calls, usage', () => {
    const { parts } = decodeBinary(bin('stream.eventstream.bin'), 13);
    expect(parts[0]).toMatchObject({ type: 'stream-start', id: 'stream-req' });
    expect(parts.slice(1)).toEqual([
      { type: 'text-delta', delta: "I'll check" },
      { type: 'text-delta', delta: ' the current weather' },
      { type: 'text-delta', delta: ' in Paris.' },
      { type: 'tool-call-start', index: 0, id: toolCallId, name: 'get_weather' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city": "Par' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: 'is", "unit": "celsius"}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_use' } },
      { type: 'usage', usage: { inputTokens: 612, outputTokens: 71 } },
    ]);
  });

  it('settles a streamed call that had no input (a tool without parameters) with arguments {}, at its stop or the message stop', () => {
    const decoder = createConverseStreamDecoder('bedrock', info());
    const event = (type: string, payload: unknown): ServerSentEvent => ({ event: type, data: JSON.stringify(payload), id: undefined });
    const parts = [
      event('messageStart', { role: 'assistant' }),
      event('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_a', name: 'now' } } }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '' } } }),
      event('contentBlockStop', { contentBlockIndex: 0 }),
      event('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_b', name: 'get_weather' } } }),
      event('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":"Paris"}' } } }),
      event('contentBlockStop', { contentBlockIndex: 1 }),
      // Never stopped, no input at all: settled at the message's stop.
      event('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_c', name: 'now' } } }),
      event('messageStop', { stopReason: 'tool_use' }),
      event('metadata', { usage: { inputTokens: 1, outputTokens: 2 } }),
    ].flatMap((one) => decoder.decode(one));
    parts.push(...decoder.end());
    const args = new Map<number, string>();
    for (const part of parts) if (part.type === 'tool-call-delta') args.set(part.index, (args.get(part.index) ?? '') + part.argumentsDelta);
    expect([...args]).toEqual([
      [0, '{}'],
      [1, '{"city":"Paris"}'],
      [2, '{}'],
    ]);
    expect(parts.findIndex((part) => part.type === 'finish')).toBeGreaterThan(parts.findIndex((part) => part.type === 'tool-call-delta' && part.index === 2));
  });

  it('stream-text-only.eventstream.bin: a multi-byte character survives any split', () => {
    const { parts } = decodeBinary(bin('stream-text-only.eventstream.bin'), 1);
    const text = parts.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('');
    expect(text).toBe("It's currently 18°C and partly cloudy in Paris.");
    expect(parts.at(-2)).toEqual({ type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } });
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { inputTokens: 686, outputTokens: 17 } });
  });

  it('fails a stream cut inside a frame, a corrupt frame, and one that ends before messageStop/metadata', () => {
    const bytes = bin('stream-text-only.eventstream.bin');
    const framer = createEventStreamFramer();
    framer.feed(bytes.subarray(0, 100));
    expect(() => framer.end()).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));

    const corrupt = Buffer.from(bytes);
    corrupt[60] = corrupt[60]! ^ 0xff;
    expect(() => createEventStreamFramer().feed(corrupt)).toThrow(expect.objectContaining({ code: 'upstream_invalid_response' }));

    const decoder = createConverseStreamDecoder();
    const events = createEventStreamFramer().feed(bytes);
    // Everything but the final metadata event: the usage never arrived.
    for (const event of events.slice(0, 5)) decoder.decode(event);
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: 'upstream_invalid_response', retryable: true }));
  });
});

describe('Converse reasoning signatures and redacted reasoning', () => {
  it('streams a signature and redacted reasoning as their parts, reads them whole, and sends them back', () => {
    const decoder = createConverseStreamDecoder('bedrock', info('stream-req'));
    const event = (name: string, payload: unknown): ServerSentEvent => ({ event: name, data: JSON.stringify(payload), id: undefined });
    const parts = [
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Think.' } } }),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig-b' } } }),
      event('contentBlockStop', { contentBlockIndex: 0 }),
      event('contentBlockDelta', { contentBlockIndex: 1, delta: { reasoningContent: { redactedContent: 'RW5jcnlwdGVk' } } }),
      event('contentBlockStop', { contentBlockIndex: 1 }),
    ].flatMap((each) => decoder.decode(each));
    expect(parts.filter((part) => part.type !== 'stream-start')).toEqual([
      { type: 'reasoning-delta', delta: 'Think.' },
      { type: 'reasoning-signature', signature: 'sig-b' },
      { type: 'reasoning-redacted', data: 'RW5jcnlwdGVk' },
    ]);

    const response = parseConverseResponse(
      {
        output: { message: { role: 'assistant', content: [{ reasoningContent: { reasoningText: { text: 'Think.', signature: 'sig-b' } } }, { reasoningContent: { redactedContent: 'RW5jcnlwdGVk' } }, { text: 'Hi' }] } },
        stopReason: 'end_turn',
        usage: { inputTokens: 5, outputTokens: 3 },
      },
      'bedrock',
      info(),
    );
    expect(response.content).toEqual([
      { type: 'reasoning', text: 'Think.', signature: 'sig-b' },
      { type: 'reasoning', text: '', redactedData: 'RW5jcnlwdGVk' },
      { type: 'text', text: 'Hi' },
    ]);
    const prompt = convertToBedrockMessages([
      { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      { role: 'assistant', content: response.content },
      { role: 'user', content: [{ type: 'text', text: 'And?' }] },
    ]);
    expect(prompt.messages[1]!.content).toEqual([
      { reasoningContent: { reasoningText: { text: 'Think.', signature: 'sig-b' } } },
      { reasoningContent: { redactedContent: 'RW5jcnlwdGVk' } },
      { text: 'Hi' },
    ]);
  });
});
