import type { MockUpstream } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { providerMocks } from './support/provider-mocks.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const providers = providerMocks;

type ProviderName = keyof typeof providers;
const names = Object.keys(providers) as ProviderName[];
const upstreams = {} as Record<ProviderName, MockUpstream<string>>;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  for (const name of names) upstreams[name] = await providers[name].start();
  gateway = await startTestGateway({
    providers: Object.fromEntries(names.map((name) => [name, providers[name].options(upstreams[name].url)])),
    models: { claude: `anthropic/${providers.anthropic.model}` },
  });
  client = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  for (const name of names) await upstreams[name].close();
});
beforeEach(() => {
  for (const name of names) upstreams[name].reset();
});

const answer = "It's currently 18°C and partly cloudy in Paris.";
const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe.each(names)('the openai client through the gateway to %s', (name) => {
  const model = `${name}/${providers[name].model}`;

  it('gets text, finish_reason and usage in OpenAI shape', async () => {
    upstreams[name].enqueue({ reply: { content: answer, usage: { prompt_tokens: 30, completion_tokens: 12 } } });
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    expect(completion.object).toBe('chat.completion');
    expect(completion.model.startsWith(`${name}/`)).toBe(true);
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: answer });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 });
  });

  it('streams text with the usage chunk', async () => {
    upstreams[name].enqueue({ reply: { content: answer, usage: { prompt_tokens: 30, completion_tokens: 12 } } });
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(answer);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 });
  });

  it('gets tool_calls whole and streamed, with arguments as JSON text', async () => {
    const toolCalls = [{ name: 'get_weather', arguments: { city: 'Paris' } }];
    upstreams[name].enqueue({ reply: { toolCalls } }, { reply: { toolCalls } });
    const whole = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] });
    expect(whole.choices[0]!.finish_reason).toBe('tool_calls');
    const call = whole.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && call.function.name).toBe('get_weather');
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });

    const streamed = await client.chat.completions
      .stream({ model, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] })
      .finalChatCompletion();
    expect(streamed.choices[0]!.finish_reason).toBe('tool_calls');
    const streamedCall = streamed.choices[0]!.message.tool_calls![0]!;
    expect(streamedCall.type === 'function' && JSON.parse(streamedCall.function.arguments)).toEqual({ city: 'Paris' });
  });

  it('completes the tool-result round trip', async () => {
    const completion = await client.chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'You are a concise weather assistant.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_round_trip_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_round_trip_1', content: '{"temperature":18}' },
      ],
      tools: [weatherTool],
    });
    expect(completion.choices[0]!.message.content).toContain('18');
  });
});

it('reaches a provider through an alias', async () => {
  const completion = await client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hello Claude' }] });
  expect(completion.model.startsWith('anthropic/')).toBe(true);
  expect(completion.choices[0]!.message.content).toContain('Hello Claude');
});
