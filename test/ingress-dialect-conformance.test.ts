import { anthropicMessagesDialect, openAIChatDialect, openAIResponsesDialect, type SseEvent } from '@switchyard/core';
import { testIngressDialect, type ClientView } from '@switchyard/testing';

// The one ingress conformance suite, over all three dialects. Each target says how that
// dialect's clients write requests and read answers, as their SDKs do.

const weatherSchema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };

const unifiedByOpenAIFinish: Record<string, string> = { stop: 'stop', length: 'length', tool_calls: 'tool-calls', content_filter: 'content-filter' };

testIngressDialect({
  dialect: openAIChatDialect,
  textRequest: (model, text, stream) => ({ model, stream, messages: [{ role: 'user', content: text }] }),
  toolRequest: (model, text) => ({
    model,
    messages: [{ role: 'user', content: text }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherSchema } }],
    tool_choice: 'required',
  }),
  toolResultRequest: (model) => ({
    model,
    messages: [
      { role: 'user', content: 'Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":18}' },
    ],
  }),
  readResponse(body) {
    const completion = body as {
      choices: Array<{ message: { content: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> }; finish_reason: string }>;
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    const choice = completion.choices[0]!;
    return {
      text: choice.message.content ?? '',
      toolCalls: (choice.message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, input: JSON.parse(call.function.arguments) as unknown })),
      finish: unifiedByOpenAIFinish[choice.finish_reason]!,
      usage: { inputTokens: completion.usage.prompt_tokens, outputTokens: completion.usage.completion_tokens },
    };
  },
  readStream(events) {
    const view: ClientView = { text: '', toolCalls: [], finish: '', usage: { inputTokens: 0, outputTokens: 0 } };
    const argumentsText: string[] = [];
    for (const event of events) {
      if (typeof event !== 'string') throw new Error('OpenAI streams have no named events');
      if (event === '[DONE]') break;
      const chunk = JSON.parse(event) as Record<string, any>;
      if (chunk['error']) {
        view.error = chunk['error'].message as string;
        break;
      }
      if (chunk['usage']) view.usage = { inputTokens: chunk['usage'].prompt_tokens, outputTokens: chunk['usage'].completion_tokens };
      const choice = chunk['choices']?.[0];
      if (!choice) continue;
      view.text += choice.delta.content ?? '';
      for (const call of choice.delta.tool_calls ?? []) {
        if (call.id) view.toolCalls[call.index] = { id: call.id, name: call.function.name, input: undefined };
        argumentsText[call.index] = (argumentsText[call.index] ?? '') + (call.function?.arguments ?? '');
      }
      if (choice.finish_reason) view.finish = unifiedByOpenAIFinish[choice.finish_reason]!;
    }
    view.toolCalls.forEach((call, index) => (call.input = JSON.parse(argumentsText[index]!) as unknown));
    return view;
  },
  readError: (body) => ({ message: (body as { error: { message: string } }).error.message }),
});

const unifiedByStopReason: Record<string, string> = { end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', tool_use: 'tool-calls', refusal: 'content-filter' };

function anthropicUsage(usage: Record<string, number>) {
  return {
    inputTokens: (usage['input_tokens'] ?? 0) + (usage['cache_read_input_tokens'] ?? 0) + (usage['cache_creation_input_tokens'] ?? 0),
    outputTokens: usage['output_tokens'] ?? 0,
  };
}

testIngressDialect({
  dialect: anthropicMessagesDialect,
  // Anthropic's API answers overload with its own 529 (docs/anthropic-messages.md#errors).
  errorStatuses: { upstream_overloaded: 529 },
  textRequest: (model, text, stream) => ({ model, max_tokens: 100, stream, messages: [{ role: 'user', content: text }] }),
  toolRequest: (model, text) => ({
    model,
    max_tokens: 100,
    messages: [{ role: 'user', content: text }],
    tools: [{ name: 'get_weather', input_schema: weatherSchema }],
    tool_choice: { type: 'any' },
  }),
  toolResultRequest: (model) => ({
    model,
    max_tokens: 100,
    messages: [
      { role: 'user', content: 'Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: '{"temperature":18}' }] },
    ],
  }),
  readResponse(body) {
    const message = body as { content: Array<Record<string, any>>; stop_reason: string; usage: Record<string, number> };
    return {
      text: message.content.filter((block) => block['type'] === 'text').map((block) => block['text'] as string).join(''),
      toolCalls: message.content.filter((block) => block['type'] === 'tool_use').map((block) => ({ id: block['id'], name: block['name'], input: block['input'] })),
      finish: unifiedByStopReason[message.stop_reason]!,
      usage: anthropicUsage(message.usage),
    };
  },
  readStream(events: readonly SseEvent[]) {
    const view: ClientView = { text: '', toolCalls: [], finish: '', usage: { inputTokens: 0, outputTokens: 0 } };
    const blocks: Array<{ type: string; id?: string; name?: string; json: string }> = [];
    let usage: Record<string, number> = {};
    for (const event of events) {
      if (typeof event === 'string') throw new Error('Anthropic streams name every event');
      const data = JSON.parse(event.data) as Record<string, any>;
      if (data['type'] !== event.event) throw new Error(`event ${event.event} carries type ${String(data['type'])}`);
      if (event.event === 'message_start') usage = { ...data['message'].usage };
      if (event.event === 'content_block_start') blocks[data['index']] = { ...data['content_block'], json: '' };
      if (event.event === 'content_block_delta') {
        if (data['delta'].type === 'text_delta') view.text += data['delta'].text;
        if (data['delta'].type === 'input_json_delta') blocks[data['index']]!.json += data['delta'].partial_json;
      }
      if (event.event === 'message_delta') {
        view.finish = unifiedByStopReason[data['delta'].stop_reason]!;
        usage = { ...usage, ...data['usage'] };
      }
      if (event.event === 'error') view.error = data['error'].message;
    }
    view.toolCalls = blocks.filter((block) => block.type === 'tool_use').map((block) => ({ id: block.id!, name: block.name!, input: JSON.parse(block.json) as unknown }));
    view.usage = anthropicUsage(usage);
    return view;
  },
  readError: (body) => ({ message: (body as { type: 'error'; error: { message: string } }).error.message }),
});

const unifiedByResponsesStatus = (response: { status: string; incomplete_details: { reason: string } | null; output: Array<Record<string, any>> }): string => {
  if (response.status === 'incomplete') return response.incomplete_details?.reason === 'content_filter' ? 'content-filter' : 'length';
  return response.output.some((item) => item['type'] === 'function_call') ? 'tool-calls' : 'stop';
};

function readResponsesObject(response: Record<string, any>): ClientView {
  const output = response['output'] as Array<Record<string, any>>;
  return {
    text: output.filter((item) => item['type'] === 'message').flatMap((item) => item['content'] as Array<Record<string, any>>).filter((part) => part['type'] === 'output_text').map((part) => part['text'] as string).join(''),
    toolCalls: output.filter((item) => item['type'] === 'function_call').map((item) => ({ id: item['call_id'], name: item['name'], input: JSON.parse(item['arguments']) as unknown })),
    finish: unifiedByResponsesStatus(response as never),
    usage: { inputTokens: response['usage'].input_tokens, outputTokens: response['usage'].output_tokens },
  };
}

testIngressDialect({
  dialect: openAIResponsesDialect,
  messagesField: 'input',
  textRequest: (model, text, stream) => ({ model, stream, input: [{ role: 'user', content: text }] }),
  toolRequest: (model, text) => ({
    model,
    input: text,
    tools: [{ type: 'function', name: 'get_weather', parameters: weatherSchema, strict: true }],
    tool_choice: 'required',
  }),
  toolResultRequest: (model) => ({
    model,
    input: [
      { role: 'user', content: 'Paris?' },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: '{"temperature":18}' },
    ],
  }),
  readResponse: (body) => readResponsesObject(body as Record<string, any>),
  readStream(events: readonly SseEvent[]) {
    // As the SDK's stream helper reads it: the final response of `response.completed`,
    // checked against what the deltas built up, every event in sequence.
    let text = '';
    let final: Record<string, any> | undefined;
    let expected = 0;
    for (const event of events) {
      if (typeof event === 'string') throw new Error('Responses streams name every event');
      const data = JSON.parse(event.data) as Record<string, any>;
      if (data['type'] !== event.event) throw new Error(`event ${event.event} carries type ${String(data['type'])}`);
      if (data['sequence_number'] !== expected++) throw new Error(`event ${event.event} has sequence_number ${String(data['sequence_number'])}`);
      if (event.event === 'response.output_text.delta') text += data['delta'];
      if (event.event === 'response.completed' || event.event === 'response.incomplete') final = data['response'];
      if (event.event === 'response.failed') return { text, toolCalls: [], finish: 'error', usage: { inputTokens: 0, outputTokens: 0 }, error: data['response'].error.message };
    }
    const view = readResponsesObject(final!);
    if (view.text !== text) throw new Error(`deltas say '${text}', the final response '${view.text}'`);
    return view;
  },
  readError: (body) => ({ message: (body as { error: { message: string } }).error.message }),
});
