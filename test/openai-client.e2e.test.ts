import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import type { RequestRecord } from '@switchyard/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const upstreamKey = 'sk-proj-upstream-test-key-abcdefghijklmnop';
let upstream: MockOpenAI;
let gateway: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: upstreamKey });
  gateway = await startTestGateway({
    providers: { mock: {}, openai: { api_key: upstreamKey, base_url: upstream.url } },
    // `once` tries its deployment once: these tests look at the error itself, not at a retry.
    models: { smart: 'openai/gpt-4o-mini', once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } } },
  });
  client = new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const weatherTools: OpenAI.Chat.Completions.ChatCompletionTool[] = ['get_weather', 'get_time'].map((name) => ({
  type: 'function',
  function: { name, parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}));

describe('the official openai client against the gateway', () => {
  it('chats with the built-in mock provider', async () => {
    const completion = await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'Hello, Switchyard' }] });
    expect(completion.choices[0]!.message.content).toBe('Hello, Switchyard');
    expect(completion.model).toBe('mock/echo');
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  });

  it('chats through an OpenAI upstream, by alias, sending the provider key and not the client key', async () => {
    const completion = await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'Bonjour' }] });
    expect(completion.choices[0]!.message.content).toContain('Bonjour');
    expect(completion.model).toBe('openai/gpt-4o-mini');
    const seen = upstream.requests[0]!;
    expect(seen.headers['authorization']).toBe(`Bearer ${upstreamKey}`);
    expect(seen.body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Bonjour' }] });
  });

  it('streams with usage equal to the upstream numbers', async () => {
    upstream.enqueue({ reply: { content: "It's 18°C in Paris.", usage: { prompt_tokens: 42, completion_tokens: 9, cached_tokens: 8 } } });
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Weather?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toBe("It's 18°C in Paris.");
    expect(usage).toMatchObject({ prompt_tokens: 42, completion_tokens: 9, total_tokens: 51, prompt_tokens_details: { cached_tokens: 8 } });
  });

  it('streams without a usage chunk when the client did not ask, though the upstream is always asked', async () => {
    const stream = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(upstream.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('returns parallel tool calls, whole and streamed', async () => {
    const whole = await client.chat.completions.create({
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Paris' }],
      tools: weatherTools,
      tool_choice: 'required',
    });
    expect(whole.choices[0]!.finish_reason).toBe('tool_calls');
    const calls = whole.choices[0]!.message.tool_calls!;
    expect(calls.map((call) => (call.type === 'function' ? call.function.name : ''))).toEqual(['get_weather', 'get_time']);

    const runner = client.chat.completions.stream({
      model: 'mock/echo',
      messages: [{ role: 'user', content: 'Lyon' }],
      tools: weatherTools,
      tool_choice: 'required',
    });
    const final = await runner.finalChatCompletion();
    const streamed = final.choices[0]!.message.tool_calls!;
    expect(streamed).toHaveLength(2);
    for (const call of streamed) if (call.type === 'function') expect(JSON.parse(call.function.arguments)).toEqual({ city: 'Lyon' });
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it.each([false, true])('runs tools with the runTools helper (stream: %s): the call, its result sent back, the final answer', async (stream) => {
    upstream.enqueue({ reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' }, id: 'call_weather_1' }] } }, { reply: { content: 'It is 18°C in Paris.' } });
    const params = {
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
      tools: [
        {
          type: 'function' as const,
          function: {
            name: 'get_weather',
            description: 'The weather in a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
            parse: (text: string) => JSON.parse(text) as { city: string },
            function: ({ city }: { city: string }) => ({ city, celsius: 18 }),
          },
        },
      ],
    };
    const runner = stream ? client.chat.completions.runTools({ ...params, stream: true }) : client.chat.completions.runTools(params);
    expect(await runner.finalContent()).toBe('It is 18°C in Paris.');
    expect(runner.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(upstream.requests).toHaveLength(2);
    expect(upstream.requests[1]!.body).toMatchObject({
      messages: [
        { role: 'user' },
        { role: 'assistant', tool_calls: [{ id: 'call_weather_1', function: { name: 'get_weather' } }] },
        { role: 'tool', tool_call_id: 'call_weather_1', content: JSON.stringify({ city: 'Paris', celsius: 18 }) },
      ],
    });
  });

  it('sends a file (a PDF) and input audio to OpenAI as written, and refuses them 400 for a target that cannot read them', async () => {
    const content: OpenAI.Chat.Completions.ChatCompletionContentPart[] = [
      { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' } },
      { type: 'input_audio', input_audio: { data: 'UklGRiQAAABXQVZF', format: 'wav' } },
      { type: 'text', text: 'Sum up the report and the recording.' },
    ];
    const completion = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content }] });
    expect(completion.choices[0]!.message.content).toContain('Sum up');
    expect(upstream.requests[0]!.body).toMatchObject({ messages: [{ role: 'user', content }] });

    const refused = await client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content }] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ param: 'messages[0].content[0].type', message: expect.stringContaining("'file' content is read by OpenAI alone") });
  });

  it('completes a tool-result round trip', async () => {
    const completion = await client.chat.completions.create({
      model: 'mock/echo',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temperature":18}' },
      ],
      tools: weatherTools,
    });
    expect(completion.choices[0]!.message.content).toBe('Tool result received: {"temperature":18}');
  });

  it('embeds, in the base64 encoding the SDK asks for by default and in floats', async () => {
    const viaUpstream = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['one', 'two'] });
    expect(viaUpstream.data).toHaveLength(2);
    // Asked upstream in base64 too and passed on undecoded (test/embeddings-base64.e2e.test.ts).
    expect(upstream.requests[0]!.body).toMatchObject({ encoding_format: 'base64' });
    const floats = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['one', 'two'], encoding_format: 'float' });
    expect(viaUpstream.data[0]!.embedding).toEqual(floats.data[0]!.embedding);
    const mock = await client.embeddings.create({ model: 'mock/echo', input: 'one' });
    expect(mock.data[0]!.embedding).toHaveLength(8);
  });

  it('lists models live from the upstream, with aliases and the mock', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain('smart');
    expect(ids).toContain('mock/echo');
    expect(ids.filter((id) => id.startsWith('openai/')).length).toBeGreaterThan(1);
    const retrieved = await client.models.retrieve('mock/echo');
    expect(retrieved.id).toBe('mock/echo');
  });

  it('raises the SDK error classes: 401, 400, 404', async () => {
    const wrongKey = new OpenAI({ apiKey: 'sy-wrong-key-0000000000000000', baseURL: gateway.baseURL, maxRetries: 0 });
    await expect(wrongKey.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect(
      client.chat.completions.create({ model: 'mock/echo', messages: [{ role: 'user', content: 'x' }], temperature: 7 }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const notFound = await client.chat.completions
      .create({ model: 'nosuch/model', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(OpenAI.NotFoundError);
    expect((notFound as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
  });

  it('raises RateLimitError for an upstream 429 and InternalServerError for an upstream 5xx', async () => {
    upstream.enqueue({ error: 'rate_limit', headers: { 'retry-after': '3' } });
    const limited = await client.chat.completions
      .create({ model: 'once', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('3');

    upstream.enqueue({ error: 'server_error' });
    await expect(client.chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'x' }] })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    upstream.enqueue({ error: 'overloaded' });
    const overloaded = await client.chat.completions
      .create({ model: 'once', messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(overloaded).toMatchObject({ status: 503, code: 'upstream_overloaded' });
  });

  it('raises APIUserAbortError for a call aborted before its answer; the upstream call is cancelled and the gateway serves on', async () => {
    upstream.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'x' }] }, { signal: controller.signal });
    await expect.poll(() => upstream.requests.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await upstream.waitForAborts(1, 3000);
    const after = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'still here' }] });
    expect(after.choices[0]!.message.content).toContain('still here');
  });

  it('stops a stream the chat.completions.stream helper aborts: APIUserAbortError, the upstream cancelled, what was sent billed, the gateway healthy', async () => {
    const records: RequestRecord[] = [];
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    const words = Array.from({ length: 60 }, (_, index) => `w${index}`).join(' ');
    upstream.enqueue({ reply: { content: words }, stream: { chunkDelayMs: 30 } });
    const runner = client.chat.completions.stream({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: words }], stream_options: { include_usage: true } });
    let deltas = 0;
    await new Promise<void>((resolve) => runner.on('content', () => ++deltas === 3 && resolve()));
    runner.abort();
    await expect(runner.finalChatCompletion()).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await upstream.waitForAborts(1, 3000);
    await expect.poll(() => records.find((record) => record.endpoint === 'chat'), { timeout: 10_000 }).toBeDefined();
    const record = records.find((record) => record.endpoint === 'chat')!;
    expect(record.status).toBe(499);
    expect(record.usage?.outputTokens).toBeGreaterThan(0);

    const again = await client.chat.completions.stream({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'again' }] }).finalChatCompletion();
    expect(again.choices[0]!.message.content).toContain('again');
    expect(again.choices[0]!.finish_reason).toBe('stop');
  });

  it('ends a stream that breaks after it began with an error event the SDK raises', async () => {
    upstream.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3 } });
    const stream = await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'a b c d e f' }], stream: true });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(text.length).toBeGreaterThan(0);
  });
});
