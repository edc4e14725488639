import Anthropic from '@anthropic-ai/sdk';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { jsonSchemaOutputFormat } from '@anthropic-ai/sdk/helpers/json-schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { answer, forecast, pathNames, providerNames, startCachingGateway, twoCalls, useSdkHelperMatrix, weather, type PathName } from './support/sdk-helper-matrix.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * The official @anthropic-ai/sdk's stream helper (`messages.stream`: its `text`,
 * `inputJson`, `thinking`, `signature` and `contentBlock` events, `finalMessage()`),
 * `messages.parse` and `messages.countTokens` through the gateway's `/v1/messages` to
 * every provider's mock upstream, on the translated path and (to Anthropic) the fast
 * path: each must end in the message it would give against Anthropic itself.
 */

const names = providerNames;
const { upstreams, gateways } = useSdkHelperMatrix();
const clients = {} as Record<PathName, Anthropic>;

beforeAll(() => {
  for (const path of pathNames) clients[path] = new Anthropic({ apiKey: masterKey, baseURL: gateways[path].origin, maxRetries: 0 });
});

const weatherSchema = { type: 'object' as const, properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city', 'unit'] };
const tools: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'The weather in a city', input_schema: weatherSchema },
  { name: 'get_time', description: 'The time in a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
];
const question: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];

const matrix = names.flatMap((provider) => pathNames.map((path) => [provider, path] as const));

describe.each(matrix)('the @anthropic-ai/sdk helpers through the gateway to %s (%s path)', (provider, path) => {
  const model = `${provider}-once`;
  const client = () => clients[path];
  const upstream = () => upstreams[provider];

  it("messages.stream: text events, finalText() and finalMessage() say the streamed text, with the upstream's usage", async () => {
    upstream().enqueue({ reply: { content: answer, usage: { prompt_tokens: 30, completion_tokens: 12 } } });
    const stream = client().messages.stream({ model, max_tokens: 256, messages: question });
    let deltas = '';
    let snapshot = '';
    const blocks: string[] = [];
    stream.on('text', (delta, textSnapshot) => {
      deltas += delta;
      snapshot = textSnapshot;
    });
    stream.on('contentBlock', (block) => blocks.push(block.type));
    const final = await stream.finalMessage();
    expect(deltas).toBe(answer);
    expect(snapshot).toBe(answer);
    expect(await stream.finalText()).toBe(answer);
    expect(blocks).toEqual(['text']);
    expect(final).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', stop_sequence: null, content: [{ type: 'text', text: answer }] });
    expect(final.id).toMatch(/^msg_/);
    expect(final.usage).toMatchObject({ input_tokens: 30, output_tokens: 12 });
  });

  it('messages.stream: two tool_use blocks, inputJson snapshots growing to each input, finalMessage() with both inputs', async () => {
    upstream().enqueue({ reply: { toolCalls: twoCalls } });
    const stream = client().messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Weather and time in Paris?' }], tools });
    let partial = '';
    const lastSnapshots: unknown[] = [];
    stream.on('inputJson', (delta, snapshot) => {
      partial += delta;
      lastSnapshots.push(snapshot);
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const uses = final.content.filter((block) => block.type === 'tool_use');
    expect(uses.map((block) => [block.name, block.input, block.id.length > 0])).toEqual([
      ['get_weather', weather, true],
      ['get_time', { city: 'Paris' }, true],
    ]);
    expect(partial).toBe(JSON.stringify(weather) + JSON.stringify({ city: 'Paris' }));
    expect(lastSnapshots.at(-1)).toEqual({ city: 'Paris' });
  });

  it('messages.stream: text before a tool_use block, both in finalMessage() in order', async () => {
    upstream().enqueue({ reply: { content: 'Let me look that up.', toolCalls: [twoCalls[0]!] } });
    const final = await client().messages.stream({ model, max_tokens: 256, messages: question, tools }).finalMessage();
    // Cohere's mock says a tool_plan before its calls, read as thinking.
    const said = final.content.filter((block) => block.type !== 'thinking');
    expect(said.map((block) => block.type)).toEqual(['text', 'tool_use']);
    expect(said[0]).toMatchObject({ type: 'text', text: 'Let me look that up.' });
    expect(said[1]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: weather });
  });

  it('messages.stream: thinking before the answer, its thinking and signature events, and a finalMessage() that can be sent back', async () => {
    const reasoning = 'The user wants the weather; Paris is mild today.';
    upstream().enqueue({ reply: { content: answer, reasoning } }, { reply: { content: 'You are welcome.' } });
    const stream = client().messages.stream({ model, max_tokens: 2048, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: question });
    let thinking = '';
    stream.on('thinking', (delta) => (thinking += delta));
    const final = await stream.finalMessage();
    expect(final.content.at(-1)).toMatchObject({ type: 'text', text: answer });
    const thought = final.content.find((block) => block.type === 'thinking');
    if (thought) {
      expect(thought.thinking).toBe(thinking);
      expect(thought.signature).toEqual(expect.any(String));
    }
    // The answer, thinking block and all, goes back as the next turn's history.
    const next = await client().messages.stream({
      model,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [...question, { role: 'assistant', content: final.content }, { role: 'user', content: 'Thanks!' }],
    }).finalMessage();
    expect(next.content.at(-1)).toMatchObject({ type: 'text', text: 'You are welcome.' });
  });

  it("messages.stream: a finalMessage() with thinking and a tool call goes back as history to Anthropic (a route switch), whose answer to the tool's result ends the loop", async () => {
    upstream().enqueue({ reply: { reasoning: 'I need the weather tool.', toolCalls: [twoCalls[0]!] } });
    const first = await client().messages.stream({ model, max_tokens: 2048, messages: question, tools }).finalMessage();
    const call = first.content.find((block) => block.type === 'tool_use')!;
    upstreams.anthropic.enqueue({ reply: { content: answer } });
    const next = await client()
      .messages.stream({
        model: 'anthropic-once',
        max_tokens: 2048,
        tools,
        messages: [...question, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '18°C' }] }],
      })
      .finalMessage();
    expect(next.content.at(-1)).toMatchObject({ type: 'text', text: answer });
  });

  it('messages.stream: an answer cut at max_tokens ends with stop_reason max_tokens, the text kept', async () => {
    upstream().enqueue({ reply: { content: answer, finishReason: 'length' } });
    const final = await client().messages.stream({ model, max_tokens: 200, messages: question }).finalMessage();
    expect(final).toMatchObject({ stop_reason: 'max_tokens', content: [{ type: 'text', text: answer }] });
  });

  it('messages.parse and a streamed output_config.format: parsed_output is the JSON answer', async () => {
    upstream().enqueue({ reply: { content: JSON.stringify(forecast) } }, { reply: { content: JSON.stringify(forecast) } });
    const format = jsonSchemaOutputFormat({
      type: 'object',
      properties: { city: { type: 'string' }, temperature: { type: 'number' }, sky: { type: 'string' } },
      required: ['city', 'temperature', 'sky'],
      additionalProperties: false,
    });
    const request = { model, max_tokens: 256, messages: [{ role: 'user' as const, content: 'Forecast for Paris as JSON' }], output_config: { format } };
    const parsed = await client().messages.parse(request);
    expect(parsed.parsed_output).toEqual(forecast);
    const streamed = await client().messages.stream(request).finalMessage();
    expect(streamed.parsed_output).toEqual(forecast);
  });

  it.each([false, true])('beta.messages.toolRunner (stream: %s): runs two tools called at once and ends on the answer to their results', async (stream) => {
    upstream().enqueue({ reply: { toolCalls: twoCalls } }, { reply: { content: answer } });
    const calls: string[] = [];
    const runnable = (tool: Anthropic.Tool, result: string) =>
      betaTool({
        name: tool.name,
        description: tool.description!,
        inputSchema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
        run: (input) => {
          calls.push(`${tool.name}:${input.city}`);
          return result;
        },
      });
    const runner = client().beta.messages.toolRunner({
      model,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Weather and time in Paris?' }],
      tools: [runnable(tools[0]!, '18°C'), runnable(tools[1]!, '14:00')],
      ...(stream ? { stream: true as const } : {}),
    });
    const final = await runner.runUntilDone();
    expect(calls).toEqual(['get_weather:Paris', 'get_time:Paris']);
    expect(final.content.at(-1)).toMatchObject({ type: 'text', text: answer });
    const history = runner.params.messages;
    expect(history.map((message) => message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it("messages.stream: a stream that breaks after it began rejects with the SDK's APIError", async () => {
    upstream().enqueue({ reply: { content: answer }, stream: { midStreamError: true, errorAfterEvents: 3 } });
    const stream = client().messages.stream({ model, max_tokens: 256, messages: question });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });

  it('messages.countTokens: a count, no provider called', async () => {
    const counted = await client().messages.countTokens({ model, messages: question, tools });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(upstream().requests).toHaveLength(0);
  });
});

/** Strips what differs between two answers to one question (ids), leaving what was said. */
function said(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, field: unknown) => (['id', '_request_id'].includes(key) ? undefined : field));
}

const cacheCases = [
  { helper: 'text then two tool_use blocks', reply: { content: 'Let me look that up.', toolCalls: twoCalls }, request: { max_tokens: 256, messages: question, tools } },
  { helper: 'thinking then text', reply: { content: answer, reasoning: 'The user wants the weather.' }, request: { max_tokens: 2048, thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: question } },
];

describe.each(names)('a cache hit replayed to messages.stream from %s', (provider) => {
  let cached: TestGateway;
  let client: Anthropic;
  beforeAll(async () => {
    cached = await startCachingGateway(provider, upstreams[provider]);
    client = new Anthropic({ apiKey: masterKey, baseURL: cached.origin, maxRetries: 0 });
  });
  afterAll(async () => cached?.close());

  it.each(cacheCases)('$helper: the hit ends in the finalMessage() the miss did, events and all', async ({ reply, request }) => {
    upstreams[provider].enqueue({ reply });
    const model = `${provider}/${providerMocks[provider].model}`;
    const run = async () => {
      const stream = client.messages.stream({ model, ...request });
      const events: string[] = [];
      stream.on('streamEvent', (event) => events.push(event.type === 'content_block_delta' ? event.delta.type : event.type));
      return { final: await stream.finalMessage(), events: events.filter((type, index) => type !== events[index - 1]) };
    };
    const miss = await run();
    const hit = await run();
    expect(upstreams[provider].requests).toHaveLength(1);
    expect(said(hit)).toEqual(said(miss));
  });
});
