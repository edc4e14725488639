import {
  AnthropicStreamEncoder,
  errorCatalogue,
  formatAnthropicError,
  formatAnthropicMessage,
  GatewayError,
  parseMessagesRequest,
  type ErrorCode,
  type SseEvent,
  type StreamPart,
} from '@switchyard/core';
import { createAnthropicStreamDecoder, parseAnthropicMessage } from '@switchyard/provider-anthropic';
import { readFixture } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';

const fixture = (file: string): Record<string, unknown> => JSON.parse(readFixture('anthropic', file)) as Record<string, unknown>;

/** `event:` / `data:` pairs of an SSE text. */
/** A block as the SDK's types declare it: a text's `citations` and a tool call's `caller`, which Anthropic's recorded answers leave out. */
function withSdkBlockFields(block: Record<string, unknown>): Record<string, unknown> {
  if (block['type'] === 'text') return { citations: null, ...block };
  if (block['type'] === 'tool_use') return { ...block, caller: { type: 'direct' } };
  return block;
}

function parseSse(text: string): Array<{ event: string; data: Record<string, unknown> }> {
  return text
    .split(/\n\n+/)
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)![1]!;
      const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Record<string, unknown>;
      return { event, data };
    });
}

function named(events: readonly SseEvent[]): Array<{ event: string; data: Record<string, unknown> }> {
  return events.map((event) => {
    if (typeof event === 'string') throw new Error('an Anthropic stream names every event');
    return { event: event.event, data: JSON.parse(event.data) as Record<string, unknown> };
  });
}

function encodeAll(parts: StreamPart[]): Array<{ event: string; data: Record<string, unknown> }> {
  const encoder = new AnthropicStreamEncoder({ requestId: 'req_gateway', model: 'anthropic/claude', modelPrefix: 'anthropic/', includeUsage: true });
  return named([...parts.flatMap((part) => encoder.encode(part)), ...encoder.finish()]);
}

describe('parseMessagesRequest (Anthropic Messages → canonical)', () => {
  it('reads request.json: system string, tools, tool_choice, stop sequences, sampling', () => {
    const { request, includeStreamUsage } = parseMessagesRequest(fixture('request.json'));
    expect(includeStreamUsage).toBe(false);
    expect(request).toEqual({
      model: 'claude-sonnet-4-5',
      maxOutputTokens: 1024,
      stream: false,
      temperature: 0.2,
      stopSequences: ['\n\nUser:'],
      messages: [
        { role: 'system', content: 'You are a concise weather assistant. Answer in one sentence.' },
        { role: 'user', content: [{ type: 'text', text: "What's the weather in Paris right now?" }] },
      ],
      tools: [
        {
          name: 'get_weather',
          description: 'Get the current weather for a city.',
          parameters: (fixture('request.json')['tools'] as Array<{ input_schema: unknown }>)[0]!.input_schema,
        },
      ],
      toolChoice: { type: 'auto' },
    });
  });

  it('reads request-tools-result.json: system blocks, tool_use history and the tool_result as a tool message', () => {
    const { request } = parseMessagesRequest(fixture('request-tools-result.json'));
    // The system block's cache mark becomes the hint an Anthropic target turns back into it.
    expect(request.providerOptions).toEqual({ anthropic: { system_cache_control: { type: 'ephemeral' } } });
    expect(request.messages).toEqual([
      { role: 'system', content: 'You are a concise weather assistant. Answer in one sentence.' },
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
    ]);
  });

  it('reads request-vision.json: base64 and URL images', () => {
    const { request } = parseMessagesRequest(fixture('request-vision.json'));
    expect(request.messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: expect.stringMatching(/^iVBOR/) } },
        { type: 'image', source: { kind: 'url', url: 'https://example.com/images/eiffel-tower.jpg' } },
        { type: 'text', text: 'What is in this image? Reply in one sentence.' },
      ],
    });
  });

  it('keeps Anthropic-only fields (thinking, top_k) for an Anthropic target, and maps metadata.user_id and tool_choice', () => {
    const { request } = parseMessagesRequest({
      model: 'claude',
      max_tokens: 2048,
      stream: true,
      top_k: 5,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      metadata: { user_id: 'u-1' },
      tools: [{ name: 'a', input_schema: { type: 'object' } }],
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }, { type: 'redacted_thinking', data: 'xx' }, { type: 'text', text: 'ok' }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] }, { type: 'text', text: 'and?' }] },
      ],
    });
    expect(request.providerOptions).toEqual({ anthropic: { top_k: 5, thinking: { type: 'enabled', budget_tokens: 1024 } } });
    expect(request.user).toBe('u-1');
    expect(request.toolChoice).toEqual({ type: 'required' });
    expect(request.parallelToolCalls).toBe(false);
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: [{ type: 'reasoning', text: 'hmm', signature: 'sig' }, { type: 'reasoning', text: '', redactedData: 'xx' }, { type: 'text', text: 'ok' }] },
      { role: 'tool', toolCallId: 't1', content: 'one\ntwo' },
      { role: 'user', content: [{ type: 'text', text: 'and?' }] },
    ]);
  });

  it('leaves out disable_parallel_tool_use without tools, as the tool_choice it rides on (OpenAI Chat refuses parallel_tool_calls without tools)', () => {
    const base = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
    const choice = { type: 'auto', disable_parallel_tool_use: true };
    expect(parseMessagesRequest({ ...base, tool_choice: choice }).request).not.toHaveProperty('parallelToolCalls');
    expect(parseMessagesRequest({ ...base, tool_choice: choice }).request).not.toHaveProperty('toolChoice');
    expect(parseMessagesRequest({ ...base, tools: [{ name: 'a', input_schema: { type: 'object' } }], tool_choice: choice }).request.parallelToolCalls).toBe(false);
  });

  it('keeps the last cache_control marks of tools and messages as breakpoint hints', () => {
    const { request } = parseMessagesRequest({
      model: 'claude',
      max_tokens: 5,
      tools: [{ name: 'a', input_schema: {}, cache_control: { type: 'ephemeral', ttl: '1h' } }, { name: 'b', input_schema: {} }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'early', cache_control: { type: 'ephemeral' } }] },
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: [{ type: 'text', text: 'late', cache_control: { type: 'ephemeral', ttl: '5m' } }, { type: 'text', text: 'tail' }] },
      ],
    });
    expect(request.providerOptions).toEqual({
      anthropic: { tools_cache_control: { type: 'ephemeral', ttl: '1h' }, messages_cache_control: { type: 'ephemeral', ttl: '5m' } },
    });
  });

  const base = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
  const refused: Array<[string, unknown, string | null]> = [
    ['no max_tokens', { model: 'claude', messages: base.messages }, 'max_tokens'],
    ['max_tokens above the ceiling', { ...base, max_tokens: 1e12 }, 'max_tokens'],
    ['a fractional max_tokens', { ...base, max_tokens: 1.5 }, 'max_tokens'],
    ['temperature above 1', { ...base, temperature: 1.5 }, 'temperature'],
    ['a negative top_k', { ...base, top_k: -1 }, 'top_k'],
    ['a system role inside messages', { ...base, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    ['no messages', { ...base, messages: [] }, 'messages'],
    ['a model name with spaces', { ...base, model: 'a b' }, 'model'],
    ['a model name too long', { ...base, model: 'm'.repeat(300) }, 'model'],
    ['a tool_choice naming no tool', { ...base, tools: [{ name: 'a', input_schema: {} }], tool_choice: { type: 'tool', name: 'b' } }, 'tool_choice.name'],
    ['an image URL that is not http(s)', { ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'file:///etc/passwd' } }] }] }, 'messages[0].content[0].source.url'],
    ['a document block without a source type', { ...base, messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }] }, 'messages[0].content[0].source.type'],
    ['a search_result block without its title', { ...base, messages: [{ role: 'user', content: [{ type: 'search_result', source: 'https://x.y', content: [{ type: 'text', text: 'r' }] }] }] }, 'messages[0].content[0].title'],
    ['too many tools', { ...base, tools: Array.from({ length: 129 }, (_, index) => ({ name: `t${index}`, input_schema: {} })) }, 'tools'],
    ['too many stop sequences', { ...base, stop_sequences: Array.from({ length: 65 }, (_, index) => `s${index}`) }, 'stop_sequences'],
    ['a user_id too long', { ...base, metadata: { user_id: 'u'.repeat(257) } }, 'metadata.user_id'],
    ['a body that is not an object', [1, 2], null],
  ];
  it.each([
    ['a server tool', { ...base, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type'],
    [
      'a server tool call sent back',
      { ...base, messages: [...base.messages, { role: 'assistant', content: [{ type: 'server_tool_use', id: 's1', name: 'web_search', input: { query: 'q' } }] }, { role: 'user', content: 'more' }] },
      'messages[1].content[0].type',
    ],
    ['an image inside a tool_result', { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'url', url: 'https://x.y/z.png' } }] }] }] }, 'messages[0].content[0].content[0].type'],
    ['a PDF document', { ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }, { type: 'text', text: 'x' }] }] }, 'messages[0].content[0].type'],
    [
      'a search result inside a tool_result',
      { ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'found' }, { type: 'search_result', source: 'https://x.y', title: 't', content: [{ type: 'text', text: 'r' }] }] }] }] },
      'messages[0].content[0].content[1].type',
    ],
  ])('accepts %s for the same-dialect fast path only: every translated attempt is refused with invalid_request and the param at fault', (_name, body, param) => {
    const parsed = parseMessagesRequest(body);
    expect(parsed.translationRefusal).toBeInstanceOf(GatewayError);
    expect(parsed.translationRefusal).toMatchObject({ code: 'invalid_request', param });
    // Nothing of the server tool reaches the canonical request another provider would get.
    expect(parsed.request.tools).toBeUndefined();
  });

  it.each(refused)('refuses %s with invalid_request and the param at fault', (_name, body, param) => {
    const error = (() => {
      try {
        parseMessagesRequest(body);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400, param });
  });

  it('counts the messages before walking them (limits.max_messages)', () => {
    const messages = Array.from({ length: 11 }, () => ({ role: 'user', content: 'x' }));
    expect(() => parseMessagesRequest({ ...base, messages }, { maxMessages: 10, maxModelNameLength: 256 })).toThrow(/more than 10 messages/);
  });
});

describe('formatAnthropicMessage (canonical → Anthropic message)', () => {
  it.each(['response.json', 'response-tool-call.json'])('gives back %s after a trip through the canonical form', (file) => {
    const wire = fixture(file);
    const canonical = parseAnthropicMessage(wire, 'anthropic');
    // The gateway bills an answer without usage by its estimate first (withBillableUsage); these fixtures carry theirs.
    if (canonical.usage === undefined) throw new Error(`${file} has no usage`);
    const formatted = formatAnthropicMessage({ ...canonical, usage: canonical.usage }, `anthropic/${String(wire['model'])}`);
    const usage = wire['usage'] as Record<string, number>;
    expect(formatted).toEqual({
      id: wire['id'],
      type: 'message',
      role: 'assistant',
      model: `anthropic/${String(wire['model'])}`,
      content: (wire['content'] as Array<Record<string, unknown>>).map(withSdkBlockFields),
      stop_reason: wire['stop_reason'],
      stop_sequence: null,
      stop_details: null,
      container: null,
      diagnostics: null,
      usage: {
        input_tokens: usage['input_tokens'],
        output_tokens: usage['output_tokens'],
        cache_creation_input_tokens: usage['cache_creation_input_tokens'],
        cache_read_input_tokens: usage['cache_read_input_tokens'],
        cache_creation: (wire['usage'] as Record<string, unknown>)['cache_creation'],
        output_tokens_details: null,
        server_tool_use: null,
        // Anthropic's tier, region and speed are its own to say; a translated answer says null.
        service_tier: null,
        inference_geo: null,
        speed: null,
      },
    });
  });

  it('maps OpenAI finish reasons and keeps reasoning as a thinking block', () => {
    const message = formatAnthropicMessage(
      {
        id: 'chatcmpl-1',
        model: 'gpt',
        created: 0,
        content: [{ type: 'reasoning', text: 'think' }, { type: 'text', text: 'a' }, { type: 'text', text: 'b' }, { type: 'tool-call', id: 'c', name: 'f', arguments: 'not json' }],
        finishReason: { unified: 'length', raw: 'length' },
        usage: { inputTokens: 10, outputTokens: 3, cachedInputTokens: 4 },
      },
      'openai/gpt',
    );
    expect(message.content).toEqual([
      { type: 'thinking', thinking: 'think', signature: '' },
      { type: 'text', text: 'ab', citations: null },
      { type: 'tool_use', id: 'c', name: 'f', input: {}, caller: { type: 'direct' } },
    ]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage).toMatchObject({ input_tokens: 6, output_tokens: 3, cache_read_input_tokens: 4, cache_creation_input_tokens: 0 });
  });
});

describe('the fields a translated message adds for the SDK', () => {
  const answer = (finishReason: { unified: 'content-filter' | 'stop'; raw?: string }, usage: Record<string, number>) => ({
    id: 'chatcmpl-2', model: 'gpt', created: 0, content: [{ type: 'text' as const, text: 'No.' }], finishReason, usage: { inputTokens: 100, outputTokens: 9, ...usage },
  });

  it('says a refusal is one in stop_details, whole and streamed; any other stop has none', () => {
    const refused = formatAnthropicMessage(answer({ unified: 'content-filter', raw: 'content_filter' }, {}), 'openai/gpt');
    expect(refused).toMatchObject({ stop_reason: 'refusal', stop_details: { type: 'refusal', category: null, explanation: null } });
    expect(formatAnthropicMessage(answer({ unified: 'stop', raw: 'stop' }, {}), 'openai/gpt').stop_details).toBeNull();
    const events = encodeAll([
      { type: 'stream-start', id: 'chatcmpl-2', model: 'gpt', created: 0 },
      { type: 'refusal-delta', delta: 'No.' },
      { type: 'finish', finishReason: { unified: 'content-filter', raw: 'content_filter' } },
    ]);
    expect(events.find((event) => event.event === 'message_delta')!.data['delta']).toMatchObject({ stop_reason: 'refusal', stop_details: { type: 'refusal' } });
  });

  it('names the stop sequence only for a stop_sequence stop: the one the upstream said, else the only one asked for', () => {
    const request = (stopSequences: string[]) => ({ model: 'm', messages: [], stream: false, stopSequences });
    const bySequence = { ...answer({ unified: 'stop', raw: 'stop_sequence' }, {}), providerMetadata: { anthropic: { stop_sequence: 'B' } } };
    expect(formatAnthropicMessage(bySequence, 'anthropic/claude', request(['A', 'B']))).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'B' });
    const unsaid = answer({ unified: 'stop', raw: 'stop_sequence' }, {});
    expect(formatAnthropicMessage(unsaid, 'bedrock/claude', request(['A'])).stop_sequence).toBe('A');
    expect(formatAnthropicMessage(unsaid, 'bedrock/claude', request(['A', 'B'])).stop_sequence).toBeNull();
    expect(formatAnthropicMessage(unsaid, 'bedrock/claude').stop_sequence).toBeNull();
    // OpenAI's plain stop may or may not have been a stop sequence: end_turn, none named.
    expect(formatAnthropicMessage(answer({ unified: 'stop', raw: 'stop' }, {}), 'openai/gpt', request(['A']))).toMatchObject({ stop_reason: 'end_turn', stop_sequence: null });
  });

  it('splits the cache writes by TTL in cache_creation and counts reasoning as thinking_tokens', () => {
    const { usage } = formatAnthropicMessage(answer({ unified: 'stop' }, { cacheWriteInputTokens: 30, cacheWrite1hInputTokens: 12, cachedInputTokens: 20, reasoningTokens: 4 }), 'anthropic/claude');
    expect(usage).toMatchObject({
      input_tokens: 50,
      cache_creation_input_tokens: 30,
      cache_read_input_tokens: 20,
      cache_creation: { ephemeral_5m_input_tokens: 18, ephemeral_1h_input_tokens: 12 },
      output_tokens_details: { thinking_tokens: 4 },
    });
  });
});

describe('AnthropicStreamEncoder (canonical stream parts → Anthropic events)', () => {
  it.each(['stream.txt', 'stream-text-only.txt'])('re-encodes %s after a trip through the canonical parts, event for event', (file) => {
    // The empty first `input_json_delta` Anthropic sends carries nothing, and the canonical parts drop it.
    const upstream = parseSse(readFixture('anthropic', file)).filter(
      (event) => (event.data['delta'] as Record<string, unknown> | undefined)?.['partial_json'] !== '',
    );
    const decoder = createAnthropicStreamDecoder('anthropic');
    const parts = [...upstream.flatMap((event) => decoder.decode({ event: event.event, data: JSON.stringify(event.data), id: undefined })), ...decoder.end()];
    const ours = encodeAll(parts);
    // Our one ping follows message_start; Anthropic's may come anywhere.
    const withoutPings = (events: typeof ours) => events.filter((event) => event.event !== 'ping');
    expect(ours[1]!.event).toBe('ping');
    expect(withoutPings(ours).map((event) => event.event)).toEqual(withoutPings(upstream).map((event) => event.event));
    const blockEvents = (events: typeof ours) =>
      events.filter((event) => event.event.startsWith('content_block')).map((event) => event.data);
    // Each block's start with the fields the SDK's types require and Anthropic's stream leaves out (citations, caller).
    const upstreamBlocks = blockEvents(upstream).map((data) => (data['content_block'] ? { ...data, content_block: withSdkBlockFields(data['content_block'] as Record<string, unknown>) } : data));
    expect(blockEvents(ours)).toEqual(upstreamBlocks);
    const upstreamDelta = upstream.find((event) => event.event === 'message_delta')!.data;
    const ourDelta = ours.find((event) => event.event === 'message_delta')!.data;
    expect(ourDelta['delta']).toEqual({ ...(upstreamDelta['delta'] as object), stop_details: null, container: null });
    expect(ourDelta['usage']).toMatchObject(upstreamDelta['usage'] as Record<string, number>);
    const start = ours[0]!.data['message'] as Record<string, unknown>;
    const upstreamStart = upstream[0]!.data['message'] as Record<string, unknown>;
    expect(start).toMatchObject({ id: upstreamStart['id'], model: `anthropic/${String(upstreamStart['model'])}`, content: [], stop_reason: null });
    expect(start['usage']).toMatchObject({ input_tokens: (upstreamStart['usage'] as Record<string, number>)['input_tokens'] });
  });

  it('closes each block before the next kind opens: thinking, text, then tool calls', () => {
    const events = encodeAll([
      { type: 'stream-start', id: 'chatcmpl-9', model: 'gpt', created: 0 },
      { type: 'reasoning-delta', delta: 'hm' },
      { type: 'text-delta', delta: 'Hi' },
      { type: 'tool-call-start', index: 0, id: 'call_1', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '1}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
      { type: 'usage', usage: { inputTokens: 5, outputTokens: 7 } },
    ]);
    expect(events.map((event) => `${event.event}${event.data['index'] === undefined ? '' : `#${String(event.data['index'])}`}`)).toEqual([
      'message_start', 'ping',
      'content_block_start#0', 'content_block_delta#0', 'content_block_stop#0',
      'content_block_start#1', 'content_block_delta#1', 'content_block_stop#1',
      'content_block_start#2', 'content_block_delta#2', 'content_block_delta#2', 'content_block_stop#2',
      'message_delta', 'message_stop',
    ]);
    expect(events[2]!.data['content_block']).toEqual({ type: 'thinking', thinking: '', signature: '' });
    expect(events[3]!.data['delta']).toEqual({ type: 'thinking_delta', thinking: 'hm' });
    expect(events[8]!.data['content_block']).toEqual({ type: 'tool_use', id: 'call_1', name: 'f', input: {}, caller: { type: 'direct' } });
    expect(events[9]!.data['delta']).toEqual({ type: 'input_json_delta', partial_json: '{"a":' });
    expect(events[12]!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null, stop_details: null, container: null },
      usage: { input_tokens: 5, output_tokens: 7, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens_details: null, server_tool_use: null },
    });
    expect((events[0]!.data['message'] as Record<string, unknown>)['id']).toBe('msg_chatcmpl9');
  });

  it('never sends a fragment of a tool call after its block closed: calls whose fragments interleave go out one after another, each whole', () => {
    const events = encodeAll([
      { type: 'stream-start', id: 'chatcmpl-9', model: 'gpt', created: 0 },
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'g' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '{"b":' },
      { type: 'tool-call-start', index: 2, id: 'call_c', name: 'h' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '1}' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '2}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
    ]);
    const blocks = events.filter((event) => event.event.startsWith('content_block'));
    expect(blocks.map((event) => `${event.event}#${String(event.data['index'])}`)).toEqual([
      'content_block_start#0', 'content_block_delta#0', 'content_block_delta#0', 'content_block_stop#0',
      'content_block_start#1', 'content_block_delta#1', 'content_block_stop#1',
      'content_block_start#2', 'content_block_stop#2',
    ]);
    // Read as a strict client does: a block's fragments only between its start and its stop.
    const calls = new Map<number, { id: unknown; name: unknown; input: string; closed: boolean }>();
    for (const { event: name, data } of blocks) {
      const index = data['index'] as number;
      if (name === 'content_block_start') {
        const block = data['content_block'] as Record<string, unknown>;
        calls.set(index, { id: block['id'], name: block['name'], input: '', closed: false });
      } else if (name === 'content_block_delta') {
        expect(calls.get(index)?.closed).toBe(false);
        calls.get(index)!.input += (data['delta'] as { partial_json: string }).partial_json;
      } else {
        calls.get(index)!.closed = true;
      }
    }
    expect([...calls.values()].map(({ id, name, input }) => ({ id, name, input }))).toEqual([
      { id: 'call_a', name: 'f', input: '{"a":1}' },
      { id: 'call_b', name: 'g', input: '{"b":2}' },
      { id: 'call_c', name: 'h', input: '' },
    ]);
  });

  it("never sends a tool call's fragment after its block closed when text comes between its fragments: the text waits for the call's block to close", () => {
    const events = encodeAll([
      { type: 'stream-start', id: 'chatcmpl-9', model: 'gpt', created: 0 },
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '{"a":' },
      { type: 'text-delta', delta: 'Let me' },
      { type: 'reasoning-delta', delta: 'hm' },
      { type: 'text-delta', delta: ' check.' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '1}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
    ]);
    const blocks = events.filter((event) => event.event.startsWith('content_block'));
    const open = new Set<number>();
    for (const { event: name, data } of blocks) {
      const index = data['index'] as number;
      if (name === 'content_block_start') open.add(index);
      if (name === 'content_block_delta') expect(open.has(index), `a delta of block ${index} outside its start and stop`).toBe(true);
      if (name === 'content_block_stop') open.delete(index);
    }
    const deltas = blocks.filter((event) => event.event === 'content_block_delta').map((event) => event.data['delta']);
    expect(deltas).toEqual([
      { type: 'input_json_delta', partial_json: '{"a":' },
      { type: 'input_json_delta', partial_json: '1}' },
      { type: 'text_delta', text: 'Let me' },
      { type: 'thinking_delta', thinking: 'hm' },
      { type: 'text_delta', text: ' check.' },
    ]);
  });

  it("sends no input_json_delta for a call whose arguments are not a JSON object, so its input reads {} as in a whole answer", () => {
    const events = encodeAll([
      { type: 'stream-start', id: 'chatcmpl-9', model: 'gpt', created: 0 },
      { type: 'tool-call-start', index: 0, id: 'call_a', name: 'f' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: ' ' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '[1,' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: '2]' },
      { type: 'tool-call-start', index: 1, id: 'call_b', name: 'g' },
      { type: 'tool-call-delta', index: 1, argumentsDelta: '"abc"' },
      { type: 'tool-call-start', index: 2, id: 'call_c', name: 'h' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: ' {"c":' },
      { type: 'tool-call-delta', index: 2, argumentsDelta: '3}' },
      { type: 'finish', finishReason: { unified: 'tool-calls', raw: 'tool_calls' } },
    ]);
    const deltas = events.filter((event) => event.event === 'content_block_delta').map((event) => [event.data['index'], event.data['delta']]);
    expect(deltas).toEqual([[2, { type: 'input_json_delta', partial_json: ' {"c":3}' }]]);
  });

  it('sends message_start, ping, message_delta and message_stop for an answer with no content', () => {
    expect(encodeAll([]).map((event) => event.event)).toEqual(['message_start', 'ping', 'message_delta', 'message_stop']);
    // Without an upstream id, the message id is made from the gateway's request id.
    expect((encodeAll([])[0]!.data['message'] as Record<string, unknown>)['id']).toBe('msg_gateway');
  });

  it('ends a failed stream with an `event: error` in Anthropic shape, with the request id', () => {
    const encoder = new AnthropicStreamEncoder({ requestId: 'req_m', model: 'x/y', modelPrefix: 'x/', includeUsage: true });
    const [event] = named([encoder.fail(new GatewayError('upstream_overloaded', 'The upstream is overloaded.'))]);
    expect(event).toEqual({ event: 'error', data: { type: 'error', error: { type: 'overloaded_error', message: 'The upstream is overloaded.', code: 'upstream_overloaded' }, request_id: 'req_m' } });
  });
});

describe('formatAnthropicError', () => {
  const anthropicTypes = new Set(['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'request_too_large', 'rate_limit_error', 'api_error', 'overloaded_error', 'timeout_error']);
  it.each(Object.keys(errorCatalogue) as ErrorCode[])('gives %s one of Anthropic error types, with the catalogue status (529 for overload)', (code) => {
    const { status, body } = formatAnthropicError(new GatewayError(code, 'message'), 'req_1');
    expect(status).toBe(code === 'upstream_overloaded' ? 529 : errorCatalogue[code].status);
    expect(anthropicTypes.has(body.error.type)).toBe(true);
    expect(body).toMatchObject({ type: 'error', error: { message: 'message', code }, request_id: 'req_1' });
  });

  it('answers overload as Anthropic does, 529 overloaded_error; the gateway’s own 503s (draining, store down) are not overload', () => {
    expect(formatAnthropicError(new GatewayError('upstream_overloaded', 'busy'))).toMatchObject({ status: 529, body: { error: { type: 'overloaded_error', code: 'upstream_overloaded' } } });
    for (const code of ['shutting_down', 'store_unavailable'] as const) {
      expect(formatAnthropicError(new GatewayError(code, 'x'))).toMatchObject({ status: 503, body: { error: { type: 'api_error', code } } });
    }
  });

  it('blanks key-shaped strings in the message, like the OpenAI envelope', () => {
    const { body } = formatAnthropicError(new GatewayError('upstream_authentication_failed', 'bad key sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789'));
    expect(body.error.message).not.toContain('abcdefghijklmnopqrstuvwxyz0123456789');
  });
});
