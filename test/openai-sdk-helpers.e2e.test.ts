import OpenAI from 'openai';
import type { RunnableToolFunctionWithParse } from 'openai/lib/RunnableFunction';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMocks, type ProviderMockName } from './support/provider-mocks.js';
import { answer, forecast, pathNames, providerNames, startCachingGateway, twoCalls, useSdkHelperMatrix, weather, type PathName } from './support/sdk-helper-matrix.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * The official openai SDK's higher-level helpers — the ones that accumulate stream
 * events and check them as they go (`chat.completions.stream`, `runTools`, `parse`,
 * `responses.stream`, `responses.parse`, the embeddings' base64 decoding) — through
 * the gateway to every provider's mock upstream, on the translated path and on the
 * fast path (where the provider speaks the client's dialect): each must end in the
 * final object it would give against the real API, never throw.
 */

const names = providerNames;
const { upstreams, gateways } = useSdkHelperMatrix();
const clients = {} as Record<PathName, OpenAI>;

/** An embeddings model each provider's mock serves. */
const embeddingModels: Partial<Record<ProviderMockName, string>> = {
  openai: 'text-embedding-3-small',
  azure: 'text-embedding-3-small',
  gemini: 'gemini-embedding-001',
  cohere: 'embed-v4.0',
  mistral: 'mistral-embed',
  bedrock: 'amazon.titan-embed-text-v2:0',
};
/** Titan embeds one text a request (the gateway refuses more, 400); the others take a list. */
const embeddingInputs = (provider: ProviderMockName) => (provider === 'bedrock' ? ['Paris is the capital of France.'] : ['Paris is the capital of France.', 'The food was delicious.']);

beforeAll(() => {
  for (const path of pathNames) clients[path] = new OpenAI({ apiKey: masterKey, baseURL: gateways[path].baseURL, maxRetries: 0 });
});

const weatherSchema = {
  type: 'object',
  properties: { city: { type: 'string' }, unit: { type: 'string' } },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const chatTools: OpenAI.Chat.Completions.ChatCompletionFunctionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: weatherSchema, strict: true } },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true } },
];
const forecastFormat = {
  name: 'forecast',
  strict: true,
  schema: {
    type: 'object',
    properties: { city: { type: 'string' }, temperature: { type: 'number' }, sky: { type: 'string' } },
    required: ['city', 'temperature', 'sky'],
    additionalProperties: false,
  },
};
const usage = { prompt_tokens: 30, completion_tokens: 12 };

const matrix = names.flatMap((provider) => pathNames.map((path) => [provider, path] as const));

describe.each(matrix)('the openai SDK helpers through the gateway to %s (%s path)', (provider, path) => {
  const model = `${provider}-once`;
  const client = () => clients[path];
  const upstream = () => upstreams[provider];

  it('chat.completions.stream: content.delta events, content.done and finalChatCompletion() say the streamed text', async () => {
    upstream().enqueue({ reply: { content: answer, usage } });
    const stream = client().chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }], stream_options: { include_usage: true } });
    let deltas = '';
    let snapshot = '';
    const done: string[] = [];
    stream.on('content.delta', (event) => {
      deltas += event.delta;
      snapshot = event.snapshot;
    });
    stream.on('content.done', (event) => done.push(event.content));
    const final = await stream.finalChatCompletion();
    expect(deltas).toBe(answer);
    expect(snapshot).toBe(answer);
    expect(done).toEqual([answer]);
    expect(await stream.finalContent()).toBe(answer);
    expect(final.object).toBe('chat.completion');
    expect(final.id).toEqual(expect.any(String));
    expect(final.choices).toHaveLength(1);
    expect(final.choices[0]).toMatchObject({ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer } });
    expect(final.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 });
  });

  it('chat.completions.stream: two tool calls, each with its arguments.done event parsed (strict tools) and whole in finalChatCompletion()', async () => {
    upstream().enqueue({ reply: { toolCalls: twoCalls } });
    const stream = client().chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather and time in Paris?' }], tools: chatTools });
    const done: Array<{ name: string; index: number; parsed: unknown }> = [];
    let argumentDeltas = '';
    stream.on('tool_calls.function.arguments.delta', (event) => (argumentDeltas += event.arguments_delta));
    stream.on('tool_calls.function.arguments.done', (event) => done.push({ name: event.name, index: event.index, parsed: event.parsed_arguments }));
    const final = await stream.finalChatCompletion();
    expect(done).toEqual([
      { name: 'get_weather', index: 0, parsed: weather },
      { name: 'get_time', index: 1, parsed: { city: 'Paris' } },
    ]);
    expect(argumentDeltas).toBe(JSON.stringify(weather) + JSON.stringify({ city: 'Paris' }));
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls!.map((call) => [call.type, call.id.length > 0, call.function.name, call.function.parsed_arguments])).toEqual([
      ['function', true, 'get_weather', weather],
      ['function', true, 'get_time', { city: 'Paris' }],
    ]);
    expect(new Set(choice.message.tool_calls!.map((call) => call.id)).size).toBe(2);
  });

  it('chat.completions.parse and a streamed json_schema response_format: message.parsed is the JSON answer', async () => {
    upstream().enqueue({ reply: { content: JSON.stringify(forecast) } }, { reply: { content: JSON.stringify(forecast) } });
    const request = { model, messages: [{ role: 'user' as const, content: 'Forecast for Paris as JSON' }], response_format: { type: 'json_schema' as const, json_schema: forecastFormat } };
    const parsed = await client().chat.completions.parse(request);
    expect(parsed.choices[0]!.message.parsed).toEqual(forecast);
    const streamed = await client().chat.completions.stream(request).finalChatCompletion();
    expect(JSON.parse(streamed.choices[0]!.message.content!)).toEqual(forecast);
  });

  it('chat.completions.parse with a strict tool: parsed_arguments', async () => {
    upstream().enqueue({ reply: { toolCalls: [twoCalls[0]!] } });
    const parsed = await client().chat.completions.parse({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [chatTools[0]!] });
    expect(parsed.choices[0]!.message.tool_calls![0]!.function.parsed_arguments).toEqual(weather);
  });

  it.each([false, true])('runTools (stream: %s): calls the function with the parsed arguments and ends on the answer to its result', async (stream) => {
    upstream().enqueue({ reply: { toolCalls: [twoCalls[0]!] } }, { reply: { content: answer } });
    const calls: unknown[] = [];
    const tool: RunnableToolFunctionWithParse<typeof weather> = {
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'The weather in a city',
        parameters: weatherSchema,
        parse: (text: string) => JSON.parse(text) as typeof weather,
        function: (args: typeof weather) => {
          calls.push(args);
          return { temperature: 18 };
        },
      },
    };
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const runner = stream
      ? client().chat.completions.runTools({ model, messages, tools: [tool], stream: true })
      : client().chat.completions.runTools({ model, messages, tools: [tool] });
    expect(await runner.finalContent()).toBe(answer);
    expect(calls).toEqual([weather]);
    expect(runner.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(await runner.finalFunctionToolCallResult()).toBe('{"temperature":18}');
  });

  it.each([false, true])('runTools (stream: %s) with two calls at once: both answered, in one turn, before the final answer', async (stream) => {
    upstream().enqueue({ reply: { toolCalls: twoCalls } }, { reply: { content: answer } });
    const calls: string[] = [];
    const runnable = (name: string, result: unknown): RunnableToolFunctionWithParse<Record<string, string>> => ({
      type: 'function',
      function: {
        name,
        description: `${name} in a city`,
        parameters: chatTools.find((tool) => tool.function.name === name)!.function.parameters!,
        parse: (text: string) => JSON.parse(text) as Record<string, string>,
        function: (args: Record<string, string>) => {
          calls.push(`${name}:${args['city']}`);
          return result;
        },
      },
    });
    const tools = [runnable('get_weather', { temperature: 18 }), runnable('get_time', { time: '14:00' })];
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Paris?' }];
    const runner = stream ? client().chat.completions.runTools({ model, messages, tools, stream: true }) : client().chat.completions.runTools({ model, messages, tools });
    expect(await runner.finalContent()).toBe(answer);
    expect(calls).toEqual(['get_weather:Paris', 'get_time:Paris']);
    expect(runner.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant']);
  });

  it('responses.stream: text events in order, finalResponse() with the streamed text', async () => {
    upstream().enqueue({ reply: { content: answer, usage } });
    const stream = client().responses.stream({ model, input: 'Weather in Paris?' });
    let deltas = '';
    const done: string[] = [];
    const types: string[] = [];
    stream.on('event', (event) => types.push(event.type));
    stream.on('response.output_text.delta', (event) => (deltas += event.delta));
    stream.on('response.output_text.done', (event) => done.push(event.text));
    const final = await stream.finalResponse();
    expect(deltas).toBe(answer);
    expect(done).toEqual([answer]);
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe(answer);
    expect(final.usage).toMatchObject({ input_tokens: 30, output_tokens: 12, total_tokens: 42 });
  });

  it('responses.stream: two function calls, their arguments.done events and the items in finalResponse()', async () => {
    upstream().enqueue({ reply: { toolCalls: twoCalls } });
    const tools = chatTools.map(({ function: fn }) => ({ type: 'function' as const, name: fn.name, parameters: fn.parameters!, strict: true }));
    const stream = client().responses.stream({ model, input: 'Weather and time in Paris?', tools });
    const done: unknown[] = [];
    stream.on('response.function_call_arguments.done', (event) => done.push(JSON.parse(event.arguments)));
    const final = await stream.finalResponse();
    expect(done).toEqual([weather, { city: 'Paris' }]);
    const calls = final.output.filter((item) => item.type === 'function_call');
    expect(calls.map((call) => [call.name, JSON.parse(call.arguments), call.call_id.length > 0])).toEqual([
      ['get_weather', weather, true],
      ['get_time', { city: 'Paris' }, true],
    ]);
  });

  it('responses.stream: reasoning shown before the answer keeps the stream in order', async () => {
    upstream().enqueue({ reply: { content: answer, reasoning: 'The user wants the weather; Paris is mild today.' } });
    const final = await client().responses.stream({ model, input: 'Weather in Paris?', reasoning: { effort: 'low' } }).finalResponse();
    expect(final.output_text).toBe(answer);
    expect(final.status).toBe('completed');
  });

  it('chat.completions.stream: text, then a tool call: content.done before the call, both in finalChatCompletion()', async () => {
    upstream().enqueue({ reply: { content: 'Let me look that up.', toolCalls: [twoCalls[0]!] } });
    const stream = client().chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: chatTools });
    const order: string[] = [];
    stream.on('content.done', (event) => order.push(`content:${event.content}`));
    stream.on('tool_calls.function.arguments.done', (event) => order.push(`call:${event.name}`));
    const final = await stream.finalChatCompletion();
    expect(order).toEqual(['content:Let me look that up.', 'call:get_weather']);
    expect(final.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Let me look that up.' });
    expect(final.choices[0]!.message.tool_calls![0]!.function.parsed_arguments).toEqual(weather);
  });

  it('chat.completions.stream: an answer cut at max_tokens ends with finish_reason length, no throw', async () => {
    upstream().enqueue({ reply: { content: answer, finishReason: 'length' } });
    const final = await client().chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }], max_tokens: 200 }).finalChatCompletion();
    expect(final.choices[0]).toMatchObject({ finish_reason: 'length', message: { role: 'assistant', content: answer } });
  });

  it('responses.stream: reasoning, text and a function call in one answer, each item whole and in order in finalResponse()', async () => {
    upstream().enqueue({ reply: { content: 'Let me look that up.', reasoning: 'The user wants the weather.', toolCalls: [twoCalls[0]!] } });
    const tools = [{ type: 'function' as const, name: 'get_weather', parameters: weatherSchema, strict: true }];
    const stream = client().responses.stream({ model, input: 'Weather in Paris?', tools, reasoning: { effort: 'low' } });
    const added: Array<[number, string]> = [];
    stream.on('response.output_item.added', (event) => added.push([event.output_index, event.item.type]));
    const final = await stream.finalResponse();
    const types = final.output.map((item) => item.type);
    expect(types.filter((type) => type !== 'reasoning')).toEqual(['message', 'function_call']);
    expect(added.map(([index]) => index)).toEqual(final.output.map((_, index) => index));
    expect(added.map(([, type]) => type)).toEqual(types);
    expect(final.output_text).toBe('Let me look that up.');
    const call = final.output.find((item) => item.type === 'function_call')!;
    expect(call.type === 'function_call' && JSON.parse(call.arguments)).toEqual(weather);
  });

  it('responses.stream: an answer cut at max_output_tokens ends incomplete, the text kept', async () => {
    upstream().enqueue({ reply: { content: answer, finishReason: 'length' } });
    const final = await client().responses.stream({ model, input: 'Weather in Paris?', max_output_tokens: 200 }).finalResponse();
    expect(final.status).toBe('incomplete');
    expect(final.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(final.output_text).toBe(answer);
  });

  it('responses.parse with a json_schema text format: output_parsed', async () => {
    upstream().enqueue({ reply: { content: JSON.stringify(forecast) } });
    const parsed = await client().responses.parse({ model, input: 'Forecast for Paris as JSON', text: { format: { type: 'json_schema', ...forecastFormat } } });
    expect(parsed.output_parsed).toEqual(forecast);
  });

  it("a stream that breaks after it began: chat.completions.stream rejects with the SDK's APIError, responses.stream ends in a failed Response", async () => {
    const broken = { reply: { content: answer }, stream: { midStreamError: true, errorAfterEvents: 3 } };
    upstream().enqueue(broken, broken);
    const chat = client().chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    await expect(chat.finalChatCompletion()).rejects.toBeInstanceOf(OpenAI.APIError);
    const failed = await client().responses.stream({ model, input: 'Weather in Paris?' }).finalResponse();
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual({ code: expect.any(String), message: expect.any(String) });
  });

  it.runIf(embeddingModels[provider])('embeddings.create, base64 by default, decoded to the same floats as asked for in floats', async () => {
    const embeddingModel = `${provider}/${embeddingModels[provider]}`;
    const input = embeddingInputs(provider);
    const decoded = await client().embeddings.create({ model: embeddingModel, input });
    const floats = await client().embeddings.create({ model: embeddingModel, input, encoding_format: 'float' });
    expect(decoded.data.map((item) => item.index)).toEqual(input.map((_, index) => index));
    expect(decoded.data.every((item) => Array.isArray(item.embedding) && item.embedding.length > 0)).toBe(true);
    expect(decoded.data.map((item) => item.embedding)).toEqual(floats.data.map((item) => item.embedding.map((value) => Math.fround(value))));
  });
});

/** Strips what differs between two answers to one question (ids, timestamps), leaving what was said. */
function said(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, field: unknown) => (['id', 'call_id', 'created', 'created_at', 'completed_at', 'system_fingerprint', 'sequence_number', '_request_id'].includes(key) ? undefined : field));
}

const cacheCases = [
  {
    helper: 'chat.completions.stream, text then two tool calls',
    reply: { content: 'Let me look that up.', toolCalls: twoCalls },
    run: (client: OpenAI, model: string) =>
      client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather and time in Paris?' }], tools: chatTools, stream_options: { include_usage: true } }).finalChatCompletion(),
  },
  {
    helper: 'chat.completions.stream, reasoning then text',
    reply: { content: answer, reasoning: 'The user wants the weather.' },
    run: (client: OpenAI, model: string) => client.chat.completions.stream({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }], reasoning_effort: 'low' }).finalChatCompletion(),
  },
  {
    helper: 'responses.stream, reasoning, text and two function calls',
    reply: { content: 'Let me look that up.', reasoning: 'The user wants the weather.', toolCalls: twoCalls },
    run: (client: OpenAI, model: string) =>
      client.responses
        .stream({ model, input: 'Weather and time in Paris?', reasoning: { effort: 'low' }, tools: chatTools.map(({ function: fn }) => ({ type: 'function' as const, name: fn.name, parameters: fn.parameters!, strict: true })) })
        .finalResponse(),
  },
];

describe.each(names)('a cache hit replayed to the openai SDK helpers from %s', (provider) => {
  let cached: TestGateway;
  let client: OpenAI;
  beforeAll(async () => {
    cached = await startCachingGateway(provider, upstreams[provider]);
    client = new OpenAI({ apiKey: masterKey, baseURL: cached.baseURL, maxRetries: 0 });
  });
  afterAll(async () => cached?.close());

  it.each(cacheCases)('$helper: the hit ends in the final object the miss did', async ({ reply, run }) => {
    upstreams[provider].enqueue({ reply });
    const model = `${provider}/${providerMocks[provider].model}`;
    const miss = await run(client, model);
    const hit = await run(client, model);
    expect(upstreams[provider].requests).toHaveLength(1);
    expect(said(hit)).toEqual(said(miss));
  });
});
