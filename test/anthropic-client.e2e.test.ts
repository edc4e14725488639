import Anthropic from '@anthropic-ai/sdk';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const upstreamKey = 'sk-proj-upstream-test-key-abcdefghijklmnop';
const anthropicKey = 'sk-ant-upstream-test-key-0123456789abcdef';
let upstream: MockOpenAI;
let anthropicUpstream: MockAnthropic;
let gateway: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  upstream = await startMockOpenAI({ apiKey: upstreamKey });
  anthropicUpstream = await startMockAnthropic({ apiKey: anthropicKey });
  gateway = await startTestGateway({
    providers: {
      mock: {},
      openai: { api_key: upstreamKey, base_url: upstream.url },
      anthropic: { api_key: anthropicKey, base_url: anthropicUpstream.url },
    },
    models: {
      smart: 'openai/gpt-4o-mini',
      once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
      'claude-once': { deployments: [{ target: 'anthropic/claude-sonnet-4-5' }], retries: { attempts: 0 } },
    },
  });
  // The SDK appends /v1/messages itself; `apiKey` travels as `x-api-key`.
  client = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await anthropicUpstream.close();
});
beforeEach(() => {
  upstream.reset();
  anthropicUpstream.reset();
});

const weatherTools: Anthropic.Tool[] = ['get_weather', 'get_time'].map((name) => ({
  name,
  description: `The ${name.slice(4)} in a city`,
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}));

/** The event names of a raw `/v1/messages` stream, in order. */
async function streamEventNames(body: Record<string, unknown>): Promise<{ names: string[]; text: string }> {
  const response = await fetch(`${gateway.origin}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': masterKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const text = await response.text();
  const names = [...text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]!);
  return { names, text };
}

describe('the official @anthropic-ai/sdk client against the gateway', () => {
  it('sends a message to the built-in mock provider, answered in Anthropic shape', async () => {
    const message = await client.messages.create({ model: 'mock/echo', max_tokens: 64, messages: [{ role: 'user', content: 'Hello, Switchyard' }] });
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.model).toBe('mock/echo');
    expect(message.content).toEqual([{ type: 'text', text: 'Hello, Switchyard', citations: null }]);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('accepts the Switchyard key as a Bearer token too (ANTHROPIC_AUTH_TOKEN)', async () => {
    const bearer = new Anthropic({ authToken: masterKey, apiKey: null, baseURL: gateway.origin, maxRetries: 0 });
    const message = await bearer.messages.create({ model: 'mock/echo', max_tokens: 16, messages: [{ role: 'user', content: 'by bearer' }] });
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'by bearer' });
  });

  it('translates system prompts, stop sequences, sampling and metadata.user_id for an OpenAI target, sending the provider key', async () => {
    upstream.enqueue({ reply: { content: 'Bonjour.', usage: { prompt_tokens: 42, completion_tokens: 9, cached_tokens: 8 } } });
    const message = await client.messages.create({
      model: 'smart',
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Answer in French.' }],
      stop_sequences: ['END'],
      temperature: 0.5,
      top_p: 0.9,
      metadata: { user_id: 'user-1234' },
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(message.model).toBe('openai/gpt-4o-mini');
    expect(message.content).toEqual([{ type: 'text', text: 'Bonjour.', citations: null }]);
    // Anthropic's input_tokens leaves the cached prompt tokens out.
    expect(message.usage).toMatchObject({ input_tokens: 34, cache_read_input_tokens: 8, output_tokens: 9 });
    const seen = upstream.requests[0]!;
    expect(seen.headers['authorization']).toBe(`Bearer ${upstreamKey}`);
    expect(JSON.stringify(seen.headers)).not.toContain(masterKey);
    expect(seen.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.\n\nAnswer in French.' },
        { role: 'user', content: 'Hello' },
      ],
      stop: ['END'],
      temperature: 0.5,
      top_p: 0.9,
      user: 'user-1234',
    });
  });

  it('streams text through the SDK helper, finalMessage() carrying the upstream usage', async () => {
    upstream.enqueue({ reply: { content: "It's 18°C in Paris.", usage: { prompt_tokens: 42, completion_tokens: 9, cached_tokens: 8 } } });
    const stream = client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'Weather?' }] });
    let deltas = 0;
    stream.on('text', () => deltas++);
    const final = await stream.finalMessage();
    expect(deltas).toBeGreaterThan(1);
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text: "It's 18°C in Paris." });
    expect(final.stop_reason).toBe('end_turn');
    expect(final.model).toBe('openai/gpt-4o-mini');
    expect(final.usage).toMatchObject({ input_tokens: 34, cache_read_input_tokens: 8, output_tokens: 9 });
  });

  it('names a message translated from another provider msg_…, whole and streamed, as Anthropic does', async () => {
    // OpenAI's chatcmpl-… ids are not Anthropic's; the SDK's types and clients expect msg_….
    upstream.enqueue({ reply: { content: 'Hi.' } });
    const whole = await client.messages.create({ model: 'smart', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    expect(whole.id).toMatch(/^msg_[A-Za-z0-9_]+$/);
    upstream.enqueue({ reply: { content: 'Hi.' } });
    const stream = client.messages.stream({ model: 'smart', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    let started: string | undefined;
    stream.on('streamEvent', (event) => {
      if (event.type === 'message_start') started = event.message.id;
    });
    const final = await stream.finalMessage();
    expect(started).toMatch(/^msg_[A-Za-z0-9_]+$/);
    expect(final.id).toBe(started);
    const echoed = await client.messages.create({ model: 'mock/echo', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    expect(echoed.id).toMatch(/^msg_[A-Za-z0-9_]+$/);
  });

  it("gives the SDK the gateway's request id where it reads one (request-id): answers, streams and errors", async () => {
    const { data, request_id } = await client.messages.create({ model: 'mock/echo', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(data.type).toBe('message');
    expect(request_id).toMatch(/^req_[0-9a-f]+$/);
    const stream = client.messages.stream({ model: 'mock/echo', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] });
    await stream.finalMessage();
    expect(stream.request_id).toMatch(/^req_[0-9a-f]+$/);
    const failure = await client.messages.create({ model: 'nosuch/model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.NotFoundError);
    const notFound = failure as InstanceType<typeof Anthropic.NotFoundError>;
    expect(notFound.requestID).toMatch(/^req_[0-9a-f]+$/);
    expect(notFound.requestID).toBe((notFound.error as { request_id?: string }).request_id);
  });

  it("streams Anthropic's exact event sequence: message_start, ping, blocks, message_delta, message_stop", async () => {
    const { names, text } = await streamEventNames({ model: 'mock/echo', max_tokens: 50, messages: [{ role: 'user', content: 'one two three' }] });
    expect(names[0]).toBe('message_start');
    expect(names[1]).toBe('ping');
    expect(names[2]).toBe('content_block_start');
    expect(names.slice(3, -3).every((name) => name === 'content_block_delta')).toBe(true);
    expect(names.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
    expect(text).not.toContain('[DONE]');
    expect(text).toMatch(/"stop_reason":"end_turn"/);
  });

  it('streams tool calls as tool_use blocks with input_json_delta, one block after the other', async () => {
    const { names, text } = await streamEventNames({
      model: 'mock/echo',
      max_tokens: 50,
      tools: weatherTools,
      tool_choice: { type: 'any' },
      messages: [{ role: 'user', content: 'Lyon' }],
    });
    const starts = [...text.matchAll(/"content_block_start","index":(\d+),"content_block":\{"type":"(\w+)"/g)].map((match) => [Number(match[1]), match[2]]);
    expect(starts).toEqual([[0, 'tool_use'], [1, 'tool_use']]);
    expect(text).toContain('"type":"input_json_delta"');
    // Blocks never overlap: each start is closed before the next one opens.
    const blockEvents = names.filter((name) => name === 'content_block_start' || name === 'content_block_stop');
    expect(blockEvents).toEqual(['content_block_start', 'content_block_stop', 'content_block_start', 'content_block_stop']);
    expect(text).toMatch(/"stop_reason":"tool_use"/);

    const final = await client.messages
      .stream({ model: 'mock/echo', max_tokens: 50, tools: weatherTools, tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'Lyon' }] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.map((block) => (block.type === 'tool_use' ? [block.name, block.input] : block.type))).toEqual([
      ['get_weather', { city: 'Lyon' }],
      ['get_time', { city: 'Lyon' }],
    ]);
  });

  it('makes a tool call and completes its tool_result round trip through an OpenAI target', async () => {
    const call = await client.messages.create({
      model: 'openai/gpt-4o-mini',
      max_tokens: 100,
      tools: weatherTools,
      tool_choice: { type: 'tool', name: 'get_weather' },
      messages: [{ role: 'user', content: 'Paris' }],
    });
    expect(call.stop_reason).toBe('tool_use');
    const toolUse = call.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
    expect(toolUse).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    expect(upstream.requests[0]!.body).toMatchObject({ tool_choice: { type: 'function', function: { name: 'get_weather' } } });

    const answer = await client.messages.create({
      model: 'openai/gpt-4o-mini',
      max_tokens: 100,
      tools: weatherTools,
      messages: [
        { role: 'user', content: 'Paris' },
        { role: 'assistant', content: call.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: '{"temperature":18}' }] },
      ],
    });
    expect(answer.content[0]).toMatchObject({ type: 'text', text: 'Tool result received: {"temperature":18}' });
    const sent = upstream.requests[1]!.body as { messages: Array<Record<string, unknown>> };
    expect(sent.messages.at(-2)).toMatchObject({
      role: 'assistant',
      tool_calls: [{ id: toolUse.id, type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
    });
    expect(sent.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: toolUse.id, content: '{"temperature":18}' });
  });

  it('passes a PDF document, a search result and an image inside a tool result to Anthropic as written; a translated target refuses them 400', async () => {
    const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    // What Claude Code sends after reading a screenshot and a PDF: the files inside the tool results.
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'Report' }, { type: 'text', text: 'Summarize the report.' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_read_1', name: 'read', input: { path: 'shot.png' } }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_read_1', content: [{ type: 'text', text: 'shot.png:' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } }] },
          { type: 'search_result', source: 'https://example.com/paris', title: 'Paris weather', content: [{ type: 'text', text: '18°C' }], citations: { enabled: true } },
        ],
      },
    ];
    const tools: Anthropic.Tool[] = [{ name: 'read', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }];
    const message = await client.messages.create({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 50, tools, messages });
    expect(message.type).toBe('message');
    expect(anthropicUpstream.requests).toHaveLength(1);
    expect((anthropicUpstream.requests[0]!.body as { messages: unknown }).messages).toEqual(messages);

    const counted = await client.messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', tools, messages });
    const withoutFiles = await client.messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', tools, messages: [{ role: 'user', content: 'Summarize the report.' }] });
    expect(counted.input_tokens).toBeGreaterThan(withoutFiles.input_tokens + 1000);

    const refused = await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 50, tools, messages }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    expect((refused as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining("'document' blocks are read by Anthropic alone") },
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('sends images, base64 and by URL, to an OpenAI target as image_url parts', async () => {
    const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    await client.messages.create({
      model: 'openai/gpt-4o-mini',
      max_tokens: 20,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
          ],
        },
      ],
    });
    expect((upstream.requests[0]!.body as { messages: unknown[] }).messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What is in these?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${pixel}` } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ],
    });
  });

  it("refuses a base64 image whose media_type is not one of Anthropic's four image types, as Anthropic does, before any provider is called", async () => {
    for (const mediaType of ['text/html', 'application/pdf', 'image/bmp', 'image/svg+xml']) {
      const image = { type: 'image', source: { type: 'base64', media_type: mediaType, data: 'aGk=' } } as unknown as Anthropic.ImageBlockParam;
      for (const content of [[image], [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [image] }] as Anthropic.ToolResultBlockParam[]]) {
        const refused = await client.messages
          .create({ model: 'openai/gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content }] })
          .catch((error: unknown) => error);
        expect(refused, mediaType).toBeInstanceOf(Anthropic.BadRequestError);
        expect((refused as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
          type: 'error',
          error: { type: 'invalid_request_error', message: expect.stringContaining('media_type') },
        });
      }
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('raises the SDK error classes with Anthropic error bodies: 401, 400, 404', async () => {
    const wrongKey = new Anthropic({ apiKey: 'sy-wrong-key-0000000000000000', baseURL: gateway.origin, maxRetries: 0 });
    const unauthorized = await wrongKey.messages.create({ model: 'mock/echo', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((unauthorized as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });

    const invalid = await client.messages
      .create({ model: 'mock/echo', max_tokens: 5, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(invalid).toBeInstanceOf(Anthropic.BadRequestError);
    expect((invalid as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringContaining('temperature') },
    });

    const notFound = await client.messages.create({ model: 'nosuch/model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(Anthropic.NotFoundError);
    expect((notFound as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ error: { type: 'not_found_error', code: 'model_not_found' } });
  });

  it("lists and retrieves models in Anthropic's shape, paging by its cursors, errors in its envelope", async () => {
    const openAIShape = (await (await fetch(`${gateway.baseURL}/models`, { headers: { authorization: `Bearer ${masterKey}` } })).json()) as { data: { id: string }[] };
    const everyId = openAIShape.data.map((model) => model.id);
    expect(everyId.length).toBeGreaterThan(3);

    const first = await client.models.list({ limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    expect(first.data[0]).toMatchObject({ type: 'model', id: everyId[0], display_name: everyId[0], lifecycle: 'active' });
    expect(first.data[0]!.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Number.isNaN(Date.parse(first.data[0]!.created_at))).toBe(false);
    expect(first).toMatchObject({ first_id: everyId[0], last_id: everyId[1] });

    // The SDK follows after_id from page to page, and stops.
    const paged: string[] = [];
    for await (const model of client.models.list({ limit: 3 })) paged.push(model.id);
    expect(paged).toEqual(everyId);
    const backwards = await client.models.list({ limit: 2, before_id: everyId[3]! });
    expect(backwards.data.map((model) => model.id)).toEqual(everyId.slice(1, 3));
    expect(backwards.has_more).toBe(true);

    const retrieved = await client.models.retrieve('openai/gpt-4o-mini');
    expect(retrieved).toMatchObject({ type: 'model', id: 'openai/gpt-4o-mini', display_name: 'openai/gpt-4o-mini' });
    expect(retrieved._request_id).toMatch(/^req_/);

    const missing = await client.models.retrieve('nosuch/model').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect((missing as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    expect((missing as InstanceType<typeof Anthropic.NotFoundError>).requestID).toMatch(/^req_/);
    const badLimit = await client.models.list({ limit: 5000 }).catch((error: unknown) => error);
    expect(badLimit).toBeInstanceOf(Anthropic.BadRequestError);
    expect((badLimit as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ error: { type: 'invalid_request_error', message: expect.stringContaining('limit') } });
    const wrongKey = new Anthropic({ apiKey: 'sy-wrong-key-0000000000000000', baseURL: gateway.origin, maxRetries: 0 });
    const unauthorized = await wrongKey.models.list().catch((error: unknown) => error);
    expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((unauthorized as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('raises RateLimitError for an upstream 429 (with retry-after) and InternalServerError for an upstream 5xx', async () => {
    upstream.enqueue({ error: 'rate_limit', headers: { 'retry-after': '3' } });
    const limited = await client.messages.create({ model: 'once', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after')).toBe('3');
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });

    upstream.enqueue({ error: 'overloaded' });
    const overloaded = await client.messages.create({ model: 'once', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded).toMatchObject({ status: 529, error: { error: { type: 'overloaded_error', code: 'upstream_overloaded' } } });
  });

  it('answers an overloaded upstream with Anthropic’s 529 overloaded_error, which the SDK raises as an InternalServerError and retries', async () => {
    for (const model of ['claude-once', 'once']) {
      const mock = model === 'once' ? upstream : anthropicUpstream;
      mock.enqueue({ error: 'overloaded' });
      const raw = await fetch(`${gateway.origin}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': masterKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(raw.status).toBe(529);
      // Overload is retryable: nothing tells the SDK not to try again.
      expect(raw.headers.get('x-should-retry')).toBeNull();
      expect(await raw.json()).toMatchObject({ type: 'error', error: { type: 'overloaded_error', code: 'upstream_overloaded' } });

      mock.enqueue({ error: 'overloaded' });
      const failed = await client.messages.create({ model, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(Anthropic.InternalServerError);
      expect(failed).toBeInstanceOf(Anthropic.APIError);
      expect(failed).toMatchObject({ status: 529, error: { type: 'error', error: { type: 'overloaded_error' } } });

      // The SDK's own retry: the first call is refused with 529, the second answered.
      mock.reset();
      mock.enqueue({ error: 'overloaded' });
      const retrying = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 1 });
      const message = await retrying.messages.create({ model, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
      expect(message.type).toBe('message');
      expect(mock.requests).toHaveLength(2);
    }
  });

  it('answers a stream whose upstream refuses before the first byte with a plain error response', async () => {
    upstream.enqueue({ error: 'rate_limit', headers: { 'retry-after': '2' } });
    const failure = await client.messages.stream({ model: 'once', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }).finalMessage().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.RateLimitError);
    expect((failure as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('ends a stream that breaks after it began with an `event: error` the SDK raises', async () => {
    upstream.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3 } });
    const stream = client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'a b c d e f' }] });
    let text = '';
    stream.on('text', (delta) => (text += delta));
    const failure = await stream.finalMessage().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.APIError);
    expect(text.length).toBeGreaterThan(0);
  });

  it('cancels the upstream call when the SDK aborts a stream', async () => {
    upstream.enqueue({ stream: { chunkDelayMs: 100 } });
    const words = Array.from({ length: 40 }, (_, index) => `w${index}`).join(' ');
    const stream = client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: words }] });
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    stream.abort();
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await upstream.waitForAborts(1, 3000);
    expect(upstream.abortedCount).toBe(1);
  });

  it.each([
    ['translated from OpenAI', 'openai/gpt-4o-mini'],
    ['from Anthropic on the fast path', 'anthropic/claude-sonnet-4-5'],
  ])('bills what was generated when the SDK aborts a stream %s', async (_name, model) => {
    const records: RequestRecord[] = [];
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    const words = Array.from({ length: 60 }, (_, index) => `w${index}`).join(' ');
    if (model.startsWith('openai/')) upstream.enqueue({ reply: { content: words }, stream: { chunkDelayMs: 30 } });
    else anthropicUpstream.enqueue({ reply: { content: words }, stream: { chunkDelayMs: 30 } });
    const stream = client.messages.stream({ model, max_tokens: 500, messages: [{ role: 'user', content: words }] });
    let deltas = 0;
    await new Promise<void>((resolve) => stream.on('text', () => ++deltas === 3 && resolve()));
    stream.abort();
    await stream.finalMessage().catch(() => undefined);
    await expect.poll(() => records.find((record) => record.endpoint === 'messages'), { timeout: 10_000 }).toBeDefined();
    const record = records.find((record) => record.endpoint === 'messages')!;
    expect(record.status).toBe(499);
    expect(record.usage?.inputTokens).toBeGreaterThan(0);
    expect(record.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('counts tokens without calling a provider', async () => {
    const short = await client.messages.countTokens({ model: 'smart', messages: [{ role: 'user', content: 'Hi' }] });
    const long = await client.messages.countTokens({ model: 'smart', system: 'x'.repeat(4000), messages: [{ role: 'user', content: 'Hi' }] });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens - short.input_tokens).toBeGreaterThanOrEqual(1000);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('the official @anthropic-ai/sdk client to an Anthropic target, through the canonical form', () => {
  it('keeps cache marks, thinking, top_k and metadata.user_id, and sends the provider key', async () => {
    const message = await client.messages.create({
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 2048,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      top_k: 5,
      metadata: { user_id: 'user-1234' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello', cache_control: { type: 'ephemeral' } }] }],
    });
    expect(message.model).toMatch(/^anthropic\/claude-sonnet-4-5/);
    expect(message.content.some((block) => block.type === 'text')).toBe(true);
    const seen = anthropicUpstream.requests[0]!;
    expect(seen.headers['x-api-key']).toBe(anthropicKey);
    expect(JSON.stringify(seen.headers)).not.toContain(masterKey);
    expect(seen.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      top_k: 5,
      metadata: { user_id: 'user-1234' },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello', cache_control: { type: 'ephemeral' } }] }],
    });
  });

  it('streams a tool call from the Anthropic mock back through the SDK helper', async () => {
    const final = await client.messages
      .stream({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 200, tools: weatherTools, tool_choice: { type: 'tool', name: 'get_weather' }, messages: [{ role: 'user', content: 'Paris' }] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const toolUse = final.content.find((block) => block.type === 'tool_use');
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'get_weather' });
    expect(final.usage.input_tokens).toBeGreaterThan(0);
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });
});
