import {
  defaultIngressLimits,
  formatResponsesResponse,
  GatewayError,
  openAIResponsesDialect,
  parseResponsesRequest,
  prefixConversation,
  ResponsesStreamEncoder,
  type ChatResponse,
  type ResponsesInputItem,
  type ResponsesResponse,
  type SseEvent,
  type StreamPart,
} from '@switchyard/core';
import { accumulateResponse } from 'openai/lib/responses/ResponseAccumulator';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';

// The Responses translators on their own: what a body becomes, and what an answer
// becomes, checked against the shapes of the official SDK (its own accumulator
// reads our streams).

const weather = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

function refusal(body: unknown): GatewayError {
  try {
    parseResponsesRequest(body);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('parseResponsesRequest', () => {
  it('reads a string input, instructions and the sampling fields', () => {
    const parsed = parseResponsesRequest({
      model: 'fast',
      input: 'Hello',
      instructions: 'Be brief.',
      max_output_tokens: 300,
      temperature: 0.3,
      top_p: 0.9,
      parallel_tool_calls: false,
      user: 'user-1',
      metadata: { run: 'x' },
      reasoning: { effort: 'xhigh' },
      include: ['reasoning.encrypted_content'],
    });
    expect(parsed.request).toEqual({
      model: 'fast',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello' }] },
      ],
      stream: false,
      maxOutputTokens: 300,
      temperature: 0.3,
      topP: 0.9,
      // Without tools, parallel_tool_calls is left out (see below); the Response echoes it.
      user: 'user-1',
      metadata: { run: 'x' },
      reasoningEffort: 'high',
    });
    expect(parsed.store).toBe(true);
    expect(parsed.includeStreamUsage).toBe(true);
    expect(parsed.inputItems).toEqual([{ type: 'message', role: 'user', id: expect.stringMatching(/^msg_[a-f0-9]{48}$/), content: [{ type: 'input_text', text: 'Hello' }] }]);
    expect(parsed.echo).toMatchObject({ instructions: 'Be brief.', max_output_tokens: 300, temperature: 0.3, parallel_tool_calls: false, reasoning: { effort: 'xhigh' } });
  });

  it('reads items: roles, images, an assistant turn with its calls, and call outputs', () => {
    const { request } = parseResponsesRequest({
      model: 'fast',
      input: [
        { role: 'developer', content: 'Use tools.' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look:' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' }, { type: 'input_image', image_url: 'https://example.com/a.png' }] },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thinking' }] },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Checking.' }] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
        { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Lyon"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '18' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: '21' }] },
      ],
    });
    expect(request.messages).toEqual([
      { role: 'system', content: 'Use tools.', developer: true },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' }, detail: 'low' },
          { type: 'image', source: { kind: 'url', url: 'https://example.com/a.png' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { type: 'tool-call', id: 'call_2', name: 'get_weather', arguments: '{"city":"Lyon"}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_1', content: '18' },
      { role: 'tool', toolCallId: 'call_2', content: '21' },
    ]);
  });

  it('reads function tools, tool_choice and text.format', () => {
    const tools = [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: weather, strict: true }];
    const forced = parseResponsesRequest({ model: 'fast', input: 'x', tools, tool_choice: { type: 'function', name: 'get_weather' }, text: { format: { type: 'json_schema', name: 'w', schema: weather, strict: true } } });
    expect(forced.request.tools).toEqual([{ name: 'get_weather', description: 'Weather', parameters: weather, strict: true }]);
    expect(forced.request.toolChoice).toEqual({ type: 'tool', name: 'get_weather' });
    expect(forced.request.responseFormat).toEqual({ type: 'json-schema', name: 'w', schema: weather, strict: true });
    expect(parseResponsesRequest({ model: 'fast', input: 'x', tools, tool_choice: 'required' }).request.toolChoice).toEqual({ type: 'required' });
    expect(parseResponsesRequest({ model: 'fast', input: 'x', text: { format: { type: 'json_object' } } }).request.responseFormat).toEqual({ type: 'json' });
    expect(parseResponsesRequest({ model: 'fast', input: 'x', text: { format: { type: 'text' } } }).request.responseFormat).toBeUndefined();
    expect(parseResponsesRequest({ model: 'fast', input: 'x', store: false }).store).toBe(false);
  });

  it('leaves out parallel_tool_calls without function tools, as a tool_choice without them (OpenAI Chat refuses either without tools)', () => {
    const tools = [{ type: 'function', name: 'get_weather', parameters: weather }];
    expect(parseResponsesRequest({ model: 'fast', input: 'x', tools, parallel_tool_calls: false }).request.parallelToolCalls).toBe(false);
    for (const body of [{ parallel_tool_calls: false }, { parallel_tool_calls: true, tool_choice: 'none' }, { parallel_tool_calls: false, tools: [] }]) {
      const parsed = parseResponsesRequest({ model: 'fast', input: 'x', ...body });
      expect(parsed.request.parallelToolCalls).toBeUndefined();
      expect(parsed.request.toolChoice).toBeUndefined();
      // The Response still echoes what the client asked.
      expect(parsed.echo).toMatchObject({ parallel_tool_calls: body.parallel_tool_calls });
    }
  });

  const refusals: Array<[string, unknown, string]> = [
    ['an item_reference', { model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input[0].type'],
    ['an input_audio part', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_audio', data: 'AAAA' }] }] }, 'input[0].content[0].type'],
    ['an image by file_id', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input[0].content[0].image_url'],
    ['an image URL of another scheme', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'file:///etc/passwd' }] }] }, 'input[0].content[0].image_url'],
    ['an unknown include', { model: 'm', input: 'x', include: ['everything'] }, 'include[0]'],
    ['a conversation object', { model: 'm', input: 'x', conversation: 'conv_1' }, 'conversation'],
    ['no input at all', { model: 'm' }, ''],
    ['a temperature above 2', { model: 'm', input: 'x', temperature: 2.5 }, 'temperature'],
    ['max_output_tokens of 0', { model: 'm', input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
    ['an image in a system message', { model: 'm', input: [{ role: 'system', content: [{ type: 'input_image', image_url: 'https://e.com/a.png' }] }] }, 'input[0].content[0].type'],
  ];
  // What only OpenAI can run is parsed (the Responses pass-through sends it) and refused for every translated attempt.
  const openAIOnly: Array<[string, unknown, string]> = [
    ['a built-in tool', { model: 'm', input: 'x', tools: [{ type: 'file_search', vector_store_ids: [] }] }, 'tools[0].type'],
    ['a built-in tool choice', { model: 'm', input: 'x', tools: [{ type: 'function', name: 'f' }], tool_choice: { type: 'web_search' } }, 'tool_choice.type'],
    ['a web_search_call item', { model: 'm', input: [{ role: 'user', content: 'hi' }, { type: 'web_search_call', id: 'ws_1', status: 'completed' }] }, 'input[1].type'],
    ['an input_file part (a PDF)', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' }, { type: 'input_text', text: 'Sum up.' }] }] }, 'input[0].content[0].type'],
  ];
  it.each(openAIOnly)('parses %s for the pass-through and refuses it to translation, naming the param', (_name, body, param) => {
    const parsed = parseResponsesRequest(body);
    expect(parsed.translationRefusal).toMatchObject({ code: 'invalid_request', status: 400 });
    expect(parsed.translationRefusal!.param).toBe(param);
    expect(parsed.request.tools?.every((tool) => tool.name === 'f') ?? true).toBe(true);
  });

  it.each(refusals)('refuses %s with invalid_request naming the param', (_name, body, param) => {
    const error = refusal(body);
    expect(error).toMatchObject({ code: 'invalid_request', status: 400 });
    expect(error.param ?? '').toBe(param);
  });

  it('bounds the input items by limits.max_messages, before the schema walks them', () => {
    const error = refusal({ model: 'm', input: Array.from({ length: defaultIngressLimits.maxMessages + 1 }, () => 'not even an item') });
    expect(error).toMatchObject({ code: 'invalid_request', param: 'input' });
  });
});

describe('prefixConversation', () => {
  const previous: ResponsesInputItem[] = [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Weather?' }] },
    { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{}' },
  ];

  it("puts the stored conversation after this turn's instructions and before its input", () => {
    const parsed = parseResponsesRequest({ model: 'm', instructions: 'Now.', input: [{ type: 'function_call_output', call_id: 'call_1', output: '18' }] });
    prefixConversation(parsed, previous, defaultIngressLimits);
    expect(parsed.request.messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(parsed.request.messages[0]).toEqual({ role: 'system', content: 'Now.' });
  });

  it('refuses a conversation that grows past limits.max_messages', () => {
    const parsed = parseResponsesRequest({ model: 'm', input: 'x' });
    expect(() => prefixConversation(parsed, previous, { ...defaultIngressLimits, maxMessages: 2 })).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'previous_response_id' }));
  });
});

const usage = { inputTokens: 40, outputTokens: 25, cachedInputTokens: 8, reasoningTokens: 10 };

function answer(content: ChatResponse['content'], unified: ChatResponse['finishReason']['unified'] = 'stop'): ChatResponse {
  return { id: 'chatcmpl-1', model: 'gpt-4o', created: 1_700_000_000, content, finishReason: { unified }, usage };
}

describe('formatResponsesResponse', () => {
  it('writes reasoning first, then the message, then one function_call item per call, with usage details', () => {
    const response = formatResponsesResponse(
      answer([
        { type: 'reasoning', text: 'Think.' },
        { type: 'text', text: 'Let me ' },
        { type: 'text', text: 'check.' },
        { type: 'tool-call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      ], 'tool-calls'),
      'openai/gpt-4o',
      { id: 'resp_abc' },
    );
    expect(response).toMatchObject({ id: 'resp_abc', object: 'response', status: 'completed', incomplete_details: null, error: null, model: 'openai/gpt-4o', created_at: 1_700_000_000 });
    expect(response.output).toEqual([
      { type: 'reasoning', id: 'rs_abc', summary: [], content: [{ type: 'reasoning_text', text: 'Think.' }] },
      { type: 'message', id: 'msg_abc', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Let me check.', annotations: [] }] },
      { type: 'function_call', id: expect.stringMatching(/^fc_abc_\d+$/), call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
    ]);
    expect(response.usage).toEqual({ input_tokens: 40, input_tokens_details: { cached_tokens: 8 }, output_tokens: 25, output_tokens_details: { reasoning_tokens: 10 }, total_tokens: 65 });
  });

  it('says incomplete with the reason for a cut or filtered answer', () => {
    expect(formatResponsesResponse(answer([{ type: 'text', text: 'Bon' }], 'length'), 'm')).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ status: 'incomplete' }] });
    expect(formatResponsesResponse(answer([{ type: 'refusal', text: 'No.' }], 'content-filter'), 'm')).toMatchObject({
      status: 'incomplete',
      incomplete_details: { reason: 'content_filter' },
      output: [{ type: 'message', content: [{ type: 'refusal', refusal: 'No.' }] }],
    });
  });
});

/** Runs parts through the encoder; returns the events as the SDK parses them. */
function encode(parts: StreamPart[], options: { onFinished?: (response: ResponsesResponse) => void } = {}): OpenAI.Responses.ResponseStreamEvent[] {
  const encoder = new ResponsesStreamEncoder({ requestId: 'req_1', model: 'openai/gpt-4o', modelPrefix: 'openai/', includeUsage: true, responseId: 'resp_s', ...options });
  const events: SseEvent[] = [];
  for (const part of parts) events.push(...encoder.encode(part));
  events.push(...encoder.finish());
  return events.map((event) => {
    if (typeof event === 'string') throw new Error('Responses events are named');
    const data = JSON.parse(event.data) as OpenAI.Responses.ResponseStreamEvent;
    expect(data.type).toBe(event.event);
    return data;
  });
}

/** What the SDK's own accumulator builds from the events. */
function accumulate(events: OpenAI.Responses.ResponseStreamEvent[]): OpenAI.Responses.Response {
  let snapshot: OpenAI.Responses.Response | undefined;
  for (const event of events) snapshot = accumulateResponse(event, snapshot);
  return snapshot!;
}

describe('ResponsesStreamEncoder', () => {
  const start: StreamPart = { type: 'stream-start', id: 'up-1', model: 'gpt-4o-2024', created: 1 };

  it('streams reasoning, text and parallel calls the SDK accumulates into the final response', () => {
    let finished: ResponsesResponse | undefined;
    const events = encode(
      [
        start,
        { type: 'reasoning-delta', delta: 'Hmm ' },
        { type: 'reasoning-delta', delta: 'yes.' },
        { type: 'text-delta', delta: 'Checking ' },
        { type: 'text-delta', delta: 'both.' },
        { type: 'tool-call-start', index: 0, id: 'call_a', name: 'get_weather' },
        { type: 'tool-call-start', index: 1, id: 'call_b', name: 'get_weather' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
        { type: 'tool-call-delta', index: 1, argumentsDelta: '{"city":"Lyon"}' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '"Paris"}' },
        { type: 'finish', finishReason: { unified: 'tool-calls' } },
        { type: 'usage', usage },
      ],
      { onFinished: (response) => (finished = response) },
    );
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_event, index) => index));
    expect(events[0]).toMatchObject({ type: 'response.created', response: { id: 'resp_s', status: 'in_progress', model: 'openai/gpt-4o-2024', output: [] } });
    expect(events[1]!.type).toBe('response.in_progress');
    const final = events.at(-1)!;
    expect(final.type).toBe('response.completed');
    const response = (final as OpenAI.Responses.ResponseCompletedEvent).response;
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call', 'function_call']);
    expect(response.output.slice(2)).toMatchObject([
      { call_id: 'call_a', arguments: '{"city":"Paris"}', status: 'completed' },
      { call_id: 'call_b', arguments: '{"city":"Lyon"}', status: 'completed' },
    ]);
    expect(response.usage).toMatchObject({ input_tokens: 40, output_tokens: 25, total_tokens: 65 });
    // The SDK, reading the events one by one, arrives at the same output.
    const accumulated = accumulate(events);
    expect(accumulated.output).toEqual(response.output);
    expect(accumulated.output_text).toBe('Checking both.');
    expect(finished).toEqual(response);
    // Every delta names the item it belongs to, as added before it.
    const added = new Map(events.filter((event) => event.type === 'response.output_item.added').map((event) => [(event as OpenAI.Responses.ResponseOutputItemAddedEvent).output_index, (event as OpenAI.Responses.ResponseOutputItemAddedEvent).item.id]));
    for (const event of events) {
      if ('item_id' in event && 'output_index' in event) expect(added.get(event.output_index), event.type).toBe(event.item_id);
    }
  });

  it('ends a cut answer with response.incomplete, its items incomplete', () => {
    const events = encode([start, { type: 'text-delta', delta: 'Bon' }, { type: 'finish', finishReason: { unified: 'length' } }]);
    const last = events.at(-1) as OpenAI.Responses.ResponseIncompleteEvent;
    expect(last.type).toBe('response.incomplete');
    expect(last.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ status: 'incomplete' }] });
  });

  it('streams a refusal as a refusal part', () => {
    const events = encode([start, { type: 'refusal-delta', delta: 'I cannot.' }, { type: 'finish', finishReason: { unified: 'content-filter' } }]);
    expect(events.map((event) => event.type)).toContain('response.refusal.delta');
    expect(accumulate(events).output[0]).toMatchObject({ type: 'message', content: [{ type: 'refusal', refusal: 'I cannot.' }] });
  });

  it('keeps nothing of a stream cut before its finish (the client left)', () => {
    let finished = false;
    encode([start, { type: 'text-delta', delta: 'Bon' }], { onFinished: () => (finished = true) });
    expect(finished).toBe(false);
  });

  it('ends a failed stream with response.failed carrying the error, secrets blanked', () => {
    const encoder = new ResponsesStreamEncoder({ requestId: 'req_1', model: 'm', modelPrefix: '', includeUsage: true });
    const events = [...encoder.encode({ type: 'text-delta', delta: 'Bon' }), encoder.fail(new GatewayError('upstream_invalid_response', `broke with sk-proj-${'a'.repeat(40)}`))];
    const failed = JSON.parse((events.at(-1) as { data: string }).data) as OpenAI.Responses.ResponseFailedEvent;
    expect(failed).toMatchObject({ type: 'response.failed', sequence_number: events.length - 1, response: { status: 'failed', error: { code: 'server_error', message: expect.stringMatching(/\(gateway code: upstream_invalid_response\)$/) } } });
    expect(failed.response.error!.message).not.toContain('a'.repeat(40));
  });
});

describe('openAIResponsesDialect.formatError', () => {
  it("writes OpenAI's envelope with the catalogue status", () => {
    const { status, body } = openAIResponsesDialect.formatError(new GatewayError('previous_response_not_found', "Previous response with id 'resp_x' not found.", { param: 'previous_response_id' }), 'req_1');
    expect(status).toBe(400);
    expect(body).toEqual({ error: { message: "Previous response with id 'resp_x' not found.", type: 'invalid_request_error', code: 'previous_response_not_found', param: 'previous_response_id' } });
  });
});
