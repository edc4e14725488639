import Anthropic from '@anthropic-ai/sdk';
import { PriceCatalog, type RequestRecord } from '@switchyard/core';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * `/v1/messages` to an Anthropic deployment takes the same-dialect fast path: the
 * client's body goes upstream as written (model replaced), with what the canonical
 * form cannot hold (cache_control, thinking signatures, redacted_thinking, server
 * tools and their blocks), the client's anthropic-version and anthropic-beta; the
 * upstream's answer comes back as it is, and usage (cache reads and writes
 * included) is tapped for the ledger.
 */

const anthropicKey = 'sk-ant-fastpath-test-key-0123456789abcdef';
const openAIKey = 'sk-proj-fastpath-test-key-abcdefghijklmnop';
const prices = new PriceCatalog();
let anthropicUpstream: MockAnthropic;
let openAIUpstream: MockOpenAI;
let gateway: TestGateway;
let client: Anthropic;
const records: RequestRecord[] = [];

beforeAll(async () => {
  anthropicUpstream = await startMockAnthropic({ apiKey: anthropicKey });
  openAIUpstream = await startMockOpenAI({ apiKey: openAIKey });
  gateway = await startTestGateway({
    providers: {
      anthropic: { api_key: anthropicKey, base_url: anthropicUpstream.url },
      openai: { api_key: openAIKey, base_url: openAIUpstream.url },
    },
  });
  gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  client = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
  await anthropicUpstream.close();
  await openAIUpstream.close();
});
beforeEach(() => {
  anthropicUpstream.reset();
  openAIUpstream.reset();
});

/** A conversation with everything the canonical form cannot hold. */
function richRequest(): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model: 'anthropic/claude-sonnet-4-5',
    max_tokens: 256,
    thinking: { type: 'enabled', budget_tokens: 1024 },
    system: [
      { type: 'text', text: 'You are a careful weather assistant with a long, cacheable system prompt.', cache_control: { type: 'ephemeral' } },
    ],
    tools: [
      {
        name: 'get_weather',
        description: 'The weather in a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        cache_control: { type: 'ephemeral', ttl: '1h' },
      },
      { type: 'web_search_20250305', name: 'web_search', max_uses: 2 },
    ],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'What is the weather in Paris?', cache_control: { type: 'ephemeral' } }] },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'The user wants Paris weather; search first.', signature: 'EqQBCkYIBxgCKkBsig+/==exact-signature' },
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
          { type: 'server_tool_use', id: 'srvtoolu_01WYG3ziw53XMcoyKL4XcZmE', name: 'web_search', input: { query: 'Paris weather now' } },
          {
            type: 'web_search_tool_result',
            tool_use_id: 'srvtoolu_01WYG3ziw53XMcoyKL4XcZmE',
            content: [{ type: 'web_search_result', url: 'https://example.com/paris', title: 'Paris weather', encrypted_content: 'EqgfCioIARgBIiQ3YTAw', page_age: null }],
          },
          {
            type: 'text',
            text: 'It is 18°C in Paris.',
            citations: [
              { type: 'web_search_result_location', url: 'https://example.com/paris', title: 'Paris weather', encrypted_index: 'Eo8BCioIAhgBIiQyYjQ0', cited_text: '18°C' },
            ],
          },
        ],
      },
      { role: 'user', content: 'And tomorrow?' },
    ],
  } as unknown as Anthropic.MessageCreateParamsNonStreaming;
}

describe('Anthropic → Anthropic takes the same-dialect fast path', () => {
  it('sends cache_control, thinking signatures, redacted_thinking, server tool blocks and citations upstream as the client wrote them, with anthropic-version and anthropic-beta', async () => {
    const sent = richRequest();
    const { data: message, response } = await client.messages
      .create(sent, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14, extended-cache-ttl-2025-04-11' } })
      .withResponse();
    expect(response.headers.get('x-switchyard-path')).toBe('fast');
    expect(message.model).toBe('anthropic/claude-sonnet-4-5');
    expect(message.content[0]).toMatchObject({ type: 'text', text: 'Echo: And tomorrow?' });

    const upstream = anthropicUpstream.requests.at(-1)!;
    const body = upstream.body as Record<string, unknown>;
    expect(body['model']).toBe('claude-sonnet-4-5');
    // Field for field, as the client serialized them: the raw upstream body holds the client's own JSON of each.
    for (const field of ['system', 'tools', 'messages', 'thinking'] as const) {
      expect(upstream.rawBody).toContain(JSON.stringify(sent[field]));
    }
    expect(upstream.rawBody).toContain('"signature":"EqQBCkYIBxgCKkBsig+/==exact-signature"');
    expect(upstream.headers['anthropic-version']).toBe('2023-06-01');
    expect(String(upstream.headers['anthropic-beta']).split(',')).toEqual(expect.arrayContaining(['interleaved-thinking-2025-05-14', 'extended-cache-ttl-2025-04-11']));
    expect(upstream.headers['x-api-key']).toBe(anthropicKey);
  });

  it('streams the upstream events as they are: the thinking block keeps its signature, the model reads anthropic/…', async () => {
    anthropicUpstream.enqueue({ reply: { reasoning: 'Consider the forecast.', content: 'Sunny tomorrow.' } });
    const stream = client.messages.stream({ ...richRequest(), stream: true } as unknown as Anthropic.MessageStreamParams);
    const names: string[] = [];
    stream.on('streamEvent', (event) => names.push(event.type));
    const message = await stream.finalMessage();
    expect(message.model).toBe('anthropic/claude-sonnet-4-5');
    const thinking = message.content.find((block) => block.type === 'thinking') as Anthropic.ThinkingBlock;
    expect(thinking.thinking).toBe('Consider the forecast.');
    // The translated path has no canonical place for a signature delta; here it is the upstream's own.
    expect(thinking.signature).not.toBe('');
    expect(message.content.find((block) => block.type === 'text')).toMatchObject({ text: 'Sunny tomorrow.' });
    expect(names).toContain('message_start');
    expect(names.at(-1)).toBe('message_stop');
  });

  it.each([false, true])('stream %s: usage with cache reads and writes lands in the ledger, priced with the cache rates', async (stream) => {
    anthropicUpstream.enqueue({ reply: { content: 'Cached.', usage: { prompt_tokens: 5000, cached_tokens: 3000, cache_write_tokens: 1500, completion_tokens: 40 } } });
    const before = records.length;
    const request = { ...richRequest(), stream } as Anthropic.MessageCreateParams;
    let usage: Anthropic.Usage | Anthropic.MessageDeltaUsage;
    if (stream) {
      const final = await client.messages.stream(request as Anthropic.MessageStreamParams).finalMessage();
      usage = final.usage;
    } else {
      usage = ((await client.messages.create(request as Anthropic.MessageCreateParamsNonStreaming)) as Anthropic.Message).usage;
    }
    // The client reads the upstream's own usage fields.
    expect(usage).toMatchObject({ input_tokens: 500, cache_read_input_tokens: 3000, cache_creation_input_tokens: 1500, output_tokens: 40 });
    await expect.poll(() => records.length).toBe(before + 1);
    const record = records[before]!;
    expect(record.status).toBe(200);
    expect(record.usage).toMatchObject({ inputTokens: 5000, cachedInputTokens: 3000, cacheWriteInputTokens: 1500, outputTokens: 40 });
    const expected = prices.cost('anthropic', 'claude-sonnet-4-5', record.usage!).costUsd;
    expect(expected).toBeGreaterThan(0);
    expect(record.costUsd).toBeCloseTo(expected, 9);
    // Cache reads are cheaper than fresh input: the record is not priced as 5000 plain input tokens.
    expect(record.costUsd).not.toBeCloseTo(prices.cost('anthropic', 'claude-sonnet-4-5', { inputTokens: 5000, outputTokens: 40 }).costUsd, 9);
  });

  it.each([false, true])('stream %s: cache writes kept an hour (cache_creation.ephemeral_1h_input_tokens) are priced at 2x input, the 5-minute ones at cache_write', async (stream) => {
    anthropicUpstream.enqueue({
      reply: { content: 'Cached.', usage: { prompt_tokens: 5000, cached_tokens: 3000, cache_write_tokens: 1500, cache_write_1h_tokens: 1000, completion_tokens: 40 } },
    });
    const before = records.length;
    const request = { ...richRequest(), stream } as Anthropic.MessageCreateParams;
    if (stream) await client.messages.stream(request as Anthropic.MessageStreamParams).finalMessage();
    else await client.messages.create(request as Anthropic.MessageCreateParamsNonStreaming);
    await expect.poll(() => records.length).toBe(before + 1);
    const record = records[before]!;
    expect(record.usage).toMatchObject({ inputTokens: 5000, cachedInputTokens: 3000, cacheWriteInputTokens: 1500, cacheWrite1hInputTokens: 1000 });
    // claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 5-minute write, $6 (2x input) 1-hour write, $15 output.
    const dollarsTimesMillion = 500 * 3 + 3000 * 0.3 + 500 * 3.75 + 1000 * 6 + 40 * 15;
    expect(record.costUsd).toBeCloseTo(dollarsTimesMillion / 1_000_000, 9);
  });

  it.each([
    ['anthropic-beta', 'x'.repeat(513)],
    ['anthropic-beta', 'prompt-caching;drop table'],
    ['anthropic-version', '2023-06-01 extra'],
    ['anthropic-version', '1'.repeat(33)],
  ])('refuses a %s header that is too long or holds other characters with 400, before any upstream call', async (name, value) => {
    const response = await fetch(`${gateway.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': masterKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', [name]: value },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain(name);
    expect(anthropicUpstream.requests).toHaveLength(0);
  });

  it('drops anthropic-beta (logged at debug) when the target is not Anthropic, and translates', async () => {
    const { response } = await client.messages
      .create({ model: 'openai/gpt-4o-mini', max_tokens: 32, messages: [{ role: 'user', content: 'Hello OpenAI' }] }, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14' } })
      .withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-path')).toBeNull();
    const upstream = openAIUpstream.requests.at(-1)!;
    expect(upstream.headers['anthropic-beta']).toBeUndefined();
    expect(upstream.rawBody).not.toContain('interleaved-thinking');
    expect(gateway.logLines.some((line) => line.includes('anthropic-beta dropped'))).toBe(true);
  });

  it('refuses server tools with 400 when the target is not Anthropic: only the fast path can send them', async () => {
    const failure = await client.messages.create({ ...richRequest(), model: 'openai/gpt-4o-mini' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
    expect((failure as InstanceType<typeof Anthropic.APIError>).message).toContain('cannot be translated to other providers');
    expect(openAIUpstream.requests).toHaveLength(0);
  });

  it('an upstream error before the answer is mapped and redacted as on the translated path', async () => {
    anthropicUpstream.enqueue({ status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: `bad key ${anthropicKey}` } } });
    const failure = await client.messages.create({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Anthropic.BadRequestError);
    expect(JSON.stringify((failure as InstanceType<typeof Anthropic.APIError>).error)).not.toContain(anthropicKey);
  });

  it('a mid-stream error event ends the stream with a redacted Anthropic error event', async () => {
    anthropicUpstream.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3 } });
    const response = await fetch(`${gateway.origin}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': masterKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hello there' }] }),
    });
    expect(response.headers.get('x-switchyard-path')).toBe('fast');
    const text = await response.text();
    expect(text).toMatch(/event: message_start\n/);
    expect(text.trimEnd().split('\n\n').at(-1)).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"(overloaded_error|api_error)"/);
    expect(text).not.toContain(anthropicKey);
  });
});
