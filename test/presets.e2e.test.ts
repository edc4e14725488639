import { openAIPresetNames } from '@switchyard/provider-openai';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Every OpenAI-compatible preset configured the way the README shows
 * (`use: openai, preset: <name>`), pointed at a mock OpenAI upstream, and driven
 * by the official openai client through the gateway.
 */
let upstream: MockOpenAI;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startMockOpenAI();
  gateway = await startTestGateway({
    providers: Object.fromEntries(
      openAIPresetNames.map((preset) => [preset, { use: 'openai', preset, api_key: `${preset}-test-key-0123456789`, base_url: upstream.url }]),
    ),
  });
  client = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe.each(openAIPresetNames)('the %s preset through the gateway', (preset) => {
  const model = `${preset}/some-model`;

  it('answers whole and streamed, with the preset key sent upstream', async () => {
    const whole = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello preset' }] });
    expect(whole.choices[0]!.message.content).toContain('Hello preset');
    expect(upstream.requests[0]!.headers['authorization']).toBe(`Bearer ${preset}-test-key-0123456789`);

    const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello stream' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toContain('Hello stream');
    expect(usage).toBeDefined();
    // Perplexity reports usage on its chunks unasked, so the preset does not ask;
    // the mock OpenAI upstream only reports it when asked.
    if (preset !== 'perplexity') expect(usage!.total_tokens).toBeGreaterThan(0);
  });

  it(preset === 'perplexity' ? 'drops tools, which it does not take, and still answers' : 'returns a tool call', async () => {
    upstream.enqueue({ reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] } });
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] });
    if (preset === 'perplexity') {
      expect((upstream.requests[0]!.body as Record<string, unknown>)['tools']).toBeUndefined();
      return;
    }
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris' });
  });
});
