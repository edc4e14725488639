import { request as httpRequest } from 'node:http';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import type OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { keys, startCacheGateway, type CacheGateway } from './support/start-cache-gateway.js';

let upstream: MockOpenAI;
const opened: CacheGateway[] = [];

beforeAll(async () => {
  upstream = await startMockOpenAI();
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => upstream.reset());
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(opened.splice(0).map((gateway) => gateway.close()));
});

async function gatewayWith(options: Record<string, unknown> = {}, models?: Record<string, unknown>): Promise<CacheGateway> {
  const gateway = await startCacheGateway(options, upstream.url, models);
  opened.push(gateway);
  return gateway;
}

/** One call to the upstream, billed its estimate; its two hits billed and recorded as it was. Resolves with the miss's record. */
async function expectHitsBilledAsTheEstimatedMiss(gateway: CacheGateway) {
  expect(upstream.requests).toHaveLength(1);
  await expect.poll(() => gateway.records.length).toBe(3);
  const [miss, ...hits] = gateway.records;
  expect(miss).toMatchObject({ cacheHit: false, usageEstimated: true });
  expect(miss!.costUsd).toBeGreaterThan(0);
  for (const hit of hits) expect(hit).toMatchObject({ cacheHit: true, usage: miss!.usage, costUsd: miss!.costUsd, usageEstimated: true });
  return miss!;
}

/** `performance.now()` and `Date.now()` held at this moment, moved only by `advance` (restored after each test). */
function heldClocks(): { advance(ms: number): void } {
  const perfAt = performance.now();
  const dateAt = Date.now();
  let offset = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => perfAt + offset);
  vi.spyOn(Date, 'now').mockImplementation(() => dateAt + offset);
  return { advance: (ms) => void (offset += ms) };
}

const ask = (content: string, extra: Partial<OpenAI.Chat.ChatCompletionCreateParamsNonStreaming> = {}) => ({
  model: 'openai/gpt-4o-mini',
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

/** A raw POST, for headers the SDK does not let a test set or read easily. */
async function post(gateway: CacheGateway, path: string, body: unknown, headers: Record<string, string> = {}, key: keyof typeof keys = 'alice') {
  const response = await fetch(`${gateway.baseURL}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys[key]}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, cache: response.headers.get('x-switchyard-cache'), headers: response.headers, text };
}

async function readStream(stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>) {
  const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return {
    chunks,
    text: chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''),
    usage: chunks.find((chunk) => chunk.usage)?.usage,
  };
}

describe('the cache step in a gateway', () => {
  it('answers a repeated request from the cache: same content, no upstream call, free and marked as a hit', async () => {
    const gateway = await gatewayWith();
    const client = gateway.client();
    const miss = await client.chat.completions.create(ask('What is the capital of France?')).withResponse();
    expect(miss.response.headers.get('x-switchyard-cache')).toBe('MISS');
    expect(upstream.requests).toHaveLength(1);

    const hit = await client.chat.completions.create(ask('What is the capital of France?')).withResponse();
    expect(hit.response.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(hit.response.headers.get('x-switchyard-attempts')).toBe('0');
    expect(hit.response.headers.get('x-switchyard-model')).toBe('openai/gpt-4o-mini');
    expect(upstream.requests).toHaveLength(1);
    expect(hit.data.choices[0]!.message.content).toBe(miss.data.choices[0]!.message.content);
    expect(hit.data.usage).toEqual(miss.data.usage);
    expect(hit.data.model).toBe(miss.data.model);

    await expect.poll(() => gateway.records.length).toBe(2);
    const [missRecord, hitRecord] = gateway.records;
    expect(missRecord).toMatchObject({ cacheHit: false, provider: 'openai' });
    expect(hitRecord).toMatchObject({ cacheHit: true, provider: 'openai', model: 'gpt-4o-mini', usage: missRecord!.usage, attempts: [], costUsd: 0 });
    expect(missRecord!.costUsd).toBeGreaterThan(0);
  });

  it('charges hits like the call they replay when bill_hits is set', async () => {
    const gateway = await gatewayWith({ bill_hits: true });
    await gateway.client().chat.completions.create(ask('billed twice'));
    await gateway.client().chat.completions.create(ask('billed twice'));
    await expect.poll(() => gateway.records.length).toBe(2);
    expect(gateway.records[1]).toMatchObject({ cacheHit: true });
    expect(gateway.records[1]!.costUsd).toBe(gateway.records[0]!.costUsd);
  });

  it.each([
    ['memory', {}],
    ['redis', { store: { use: 'redis', url: 'redis://127.0.0.1:6379', key_prefix: `estimated-${process.pid}-${Date.now()}:` } }],
  ])("a billed hit replaying an answer whose usage was the gateway's estimate says so in its record, whole and streamed (%s store)", async (_store, storeOptions) => {
    const gateway = await gatewayWith({ bill_hits: true, ...storeOptions });
    // The upstream gives no usage: the gateway bills its estimate, and the record says so.
    upstream.enqueue({
      body: {
        id: 'chatcmpl-estimated',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'An answer without a count.' }, finish_reason: 'stop' }],
      },
    });
    const question = ask('estimate me');
    await gateway.client().chat.completions.create(question);
    const whole = await gateway.client().chat.completions.create(question).withResponse();
    expect(whole.response.headers.get('x-switchyard-cache')).toBe('HIT');
    await readStream(await gateway.client().chat.completions.create({ ...question, stream: true, stream_options: { include_usage: true } }));
    const miss = await expectHitsBilledAsTheEstimatedMiss(gateway);
  });

  it('a billed hit of a stream whose upstream sent no usage is billed the estimate the call was, replayed whole or streamed', async () => {
    const gateway = await gatewayWith({ bill_hits: true });
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    upstream.enqueue({ headers: { 'content-type': 'text/event-stream' }, body: chunk({ role: 'assistant', content: 'Streamed without a count.' }) + chunk({}, 'stop') + 'data: [DONE]\n\n' });
    const question = ask('stream without usage');
    await readStream(await gateway.client().chat.completions.create({ ...question, stream: true }));
    const whole = await gateway.client().chat.completions.create(question);
    await readStream(await gateway.client().chat.completions.create({ ...question, stream: true }));
    const miss = await expectHitsBilledAsTheEstimatedMiss(gateway);
    // The whole answer's client reads the billed counts.
    expect(whole.usage).toMatchObject({ prompt_tokens: miss.usage!.inputTokens, completion_tokens: miss.usage!.outputTokens });
  });

  it('replays a stored stream chunk by chunk with the original deltas and the usage chunk', async () => {
    const gateway = await gatewayWith();
    const client = gateway.client();
    const params = { ...ask('Tell me about the weather in Paris today'), stream: true as const, stream_options: { include_usage: true } };
    const first = await client.chat.completions.create(params).withResponse();
    expect(first.response.headers.get('x-switchyard-cache')).toBe('MISS');
    const original = await readStream(first.data);

    const second = await client.chat.completions.create(params).withResponse();
    expect(second.response.headers.get('x-switchyard-cache')).toBe('HIT');
    const replayed = await readStream(second.data);
    expect(upstream.requests).toHaveLength(1);
    expect(replayed.chunks.length).toBeGreaterThan(3);
    expect(replayed.chunks.length).toBe(original.chunks.length);
    expect(replayed.chunks.map((chunk) => chunk.choices[0]?.delta.content)).toEqual(original.chunks.map((chunk) => chunk.choices[0]?.delta.content));
    expect(replayed.text).toBe(original.text);
    expect(replayed.text).toContain('weather in Paris');
    expect(replayed.usage).toEqual(original.usage);
    expect(replayed.usage!.total_tokens).toBeGreaterThan(0);
    expect(replayed.chunks[0]!.id).toBe(original.chunks[0]!.id);
    // The entry keeps no usage of its own: the hit's record reads it from the stored stream.
    await expect.poll(() => gateway.records.length).toBe(2);
    expect(gateway.records[1]).toMatchObject({ cacheHit: true, usage: gateway.records[0]!.usage });
    expect(gateway.records[1]!.usage?.outputTokens).toBeGreaterThan(0);
  });

  it('replays streamed tool calls and reasoning', async () => {
    const gateway = await gatewayWith();
    const client = gateway.client();
    upstream.enqueue({ reply: { reasoning: 'Needs the weather tool.', toolCalls: [{ name: 'get_weather', arguments: { city: 'Lyon' } }, { name: 'get_time', arguments: { city: 'Lyon' } }] } });
    const tools: OpenAI.Chat.ChatCompletionTool[] = ['get_weather', 'get_time'].map((name) => ({ type: 'function', function: { name, parameters: { type: 'object' } } }));
    const params = { ...ask('Weather and time in Lyon?'), tools, stream: true as const };
    const original = await readStream(await client.chat.completions.create(params));
    const replayed = await readStream(await client.chat.completions.create(params));
    expect(upstream.requests).toHaveLength(1);
    const deltas = (result: typeof original) => result.chunks.map((chunk) => chunk.choices[0]?.delta);
    expect(deltas(replayed)).toEqual(deltas(original));
    expect(deltas(replayed).filter((delta) => delta?.tool_calls).length).toBeGreaterThanOrEqual(2);
    expect(replayed.chunks.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('serves a streaming request from a stored whole answer, and a whole request from a stored stream', async () => {
    const gateway = await gatewayWith();
    const client = gateway.client();
    const whole = await client.chat.completions.create(ask('first whole, then streamed'));
    const streamed = await client.chat.completions.create({ ...ask('first whole, then streamed'), stream: true, stream_options: { include_usage: true } }).withResponse();
    expect(streamed.response.headers.get('x-switchyard-cache')).toBe('HIT');
    const replayed = await readStream(streamed.data);
    expect(replayed.text).toBe(whole.choices[0]!.message.content);
    expect(replayed.chunks.length).toBeGreaterThan(3);
    expect(replayed.usage).toEqual(whole.usage);
    // Again: served from the parts the first streamed hit cut, kept beside the parsed entry.
    const again = await readStream(await client.chat.completions.create({ ...ask('first whole, then streamed'), stream: true, stream_options: { include_usage: true } }));
    expect(again).toEqual(replayed);

    const original = await readStream(await client.chat.completions.create({ ...ask('first streamed, then whole'), stream: true }));
    const assembled = await client.chat.completions.create(ask('first streamed, then whole')).withResponse();
    expect(assembled.response.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(assembled.data.choices[0]!.message.content).toBe(original.text);
    expect(assembled.data.usage!.total_tokens).toBeGreaterThan(0);
    expect(upstream.requests).toHaveLength(2);
  });

  it('never stores a stream the client abandoned', async () => {
    const gateway = await gatewayWith();
    upstream.enqueue({ stream: { chunkDelayMs: 50 } });
    const words = Array.from({ length: 30 }, (_, index) => `w${index}`).join(' ');
    const body = { model: 'openai/gpt-4o-mini', stream: true, messages: [{ role: 'user', content: words }] };
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.alice}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(error)));
      req.end(JSON.stringify(body));
    });
    await upstream.waitForAborts(1, 3000);
    await expect.poll(() => gateway.records.length).toBe(1);

    const again = await post(gateway, '/chat/completions', body);
    expect(again.cache).toBe('MISS');
    expect(again.text).toContain('data: [DONE]');
    expect(upstream.requests).toHaveLength(2);
  });

  it('never stores a stream the upstream broke', async () => {
    const gateway = await gatewayWith();
    const client = gateway.client();
    upstream.enqueue({ stream: { midStreamError: true } });
    const params = { ...ask('this stream breaks halfway through the answer'), stream: true as const };
    await expect(readStream(await client.chat.completions.create(params))).rejects.toThrow();
    const again = await client.chat.completions.create(params).withResponse();
    expect(again.response.headers.get('x-switchyard-cache')).toBe('MISS');
    expect((await readStream(again.data)).text).toContain('breaks halfway');
    expect(upstream.requests).toHaveLength(2);
    // Now complete, it is stored.
    const third = await client.chat.completions.create(params).withResponse();
    expect(third.response.headers.get('x-switchyard-cache')).toBe('HIT');
    await readStream(third.data);
  });

  it('never stores an upstream error', async () => {
    const gateway = await gatewayWith();
    upstream.enqueue({ error: 'bad_request' });
    expect((await post(gateway, '/chat/completions', ask('fails once'))).status).toBe(400);
    const second = await post(gateway, '/chat/completions', ask('fails once'));
    expect([second.status, second.cache]).toEqual([200, 'MISS']);
  });

  it('keeps each key to its own entries by default', async () => {
    const gateway = await gatewayWith();
    expect((await post(gateway, '/chat/completions', ask('per key'), {}, 'alice')).cache).toBe('MISS');
    expect((await post(gateway, '/chat/completions', ask('per key'), {}, 'bob')).cache).toBe('MISS');
    expect((await post(gateway, '/chat/completions', ask('per key'), {}, 'alice')).cache).toBe('HIT');
    expect((await post(gateway, '/chat/completions', ask('per key'), {}, 'bob')).cache).toBe('HIT');
    expect(upstream.requests).toHaveLength(2);
  });

  it('shares entries within a team, or with everyone, when the scope says so', async () => {
    const team = await gatewayWith({ scope: 'team' });
    expect((await post(team, '/chat/completions', ask('per team'), {}, 'alice')).cache).toBe('MISS');
    expect((await post(team, '/chat/completions', ask('per team'), {}, 'bob')).cache).toBe('HIT');
    expect((await post(team, '/chat/completions', ask('per team'), {}, 'carol')).cache).toBe('MISS');
    const global = await gatewayWith({ scope: 'global' });
    expect((await post(global, '/chat/completions', ask('for all'), {}, 'alice')).cache).toBe('MISS');
    expect((await post(global, '/chat/completions', ask('for all'), {}, 'carol')).cache).toBe('HIT');
  });

  it('bypasses requests with temperature above 0 unless told otherwise; an alias shares its target’s entries', async () => {
    const gateway = await gatewayWith();
    expect((await post(gateway, '/chat/completions', ask('warm', { temperature: 0.7 }))).cache).toBe('BYPASS');
    expect((await post(gateway, '/chat/completions', ask('warm', { temperature: 0.7 }))).cache).toBe('BYPASS');
    expect((await post(gateway, '/chat/completions', ask('warm', { temperature: 0 }))).cache).toBe('MISS');
    expect((await post(gateway, '/chat/completions', { ...ask('warm', { temperature: 0 }), model: 'smart' })).cache).toBe('HIT');
    expect(upstream.requests).toHaveLength(3);
    const warm = await gatewayWith({ cache_nonzero_temperature: true });
    expect((await post(warm, '/chat/completions', ask('warm', { temperature: 0.7 }))).cache).toBe('MISS');
    expect((await post(warm, '/chat/completions', ask('warm', { temperature: 0.7 }))).cache).toBe('HIT');
  });

  it('keeps a fallback\'s answer under the deployment that gave it, never under the one that failed', async () => {
    const gateway = await gatewayWith({}, {
      big: { deployments: [{ target: 'openai/gpt-4o' }], retries: { attempts: 0 }, fallbacks: ['small'] },
      small: 'openai/gpt-4o-mini',
    });
    upstream.enqueue({ error: 'server_error' });
    const fellBack = await post(gateway, '/chat/completions', { ...ask('which model are you?'), model: 'big' });
    expect([fellBack.status, fellBack.cache, fellBack.headers.get('x-switchyard-model')]).toEqual([200, 'MISS', 'openai/gpt-4o-mini']);
    // gpt-4o answers again: the same question to it is its own, not the fallback's answer from the cache.
    const recovered = await post(gateway, '/chat/completions', { ...ask('which model are you?'), model: 'big' });
    expect([recovered.cache, recovered.headers.get('x-switchyard-model')]).toEqual(['MISS', 'openai/gpt-4o']);
    expect((await post(gateway, '/chat/completions', { ...ask('which model are you?'), model: 'big' })).cache).toBe('HIT');
    // The fallback's answer is gpt-4o-mini's: asked of it directly, it is a hit.
    const direct = await post(gateway, '/chat/completions', ask('which model are you?'));
    expect([direct.cache, direct.text]).toEqual(['HIT', fellBack.text]);
    expect(upstream.requests.map((request) => (request.body as { model: string }).model)).toEqual(['gpt-4o', 'gpt-4o-mini', 'gpt-4o']);
  });

  it('caches only the listed models, by the name sent or the deployment routed to', async () => {
    const gateway = await gatewayWith({ models: ['smart', 'mock/*'] });
    expect((await post(gateway, '/chat/completions', { ...ask('listed'), model: 'smart' })).cache).toBe('MISS');
    expect((await post(gateway, '/chat/completions', { ...ask('listed'), model: 'smart' })).cache).toBe('HIT');
    expect((await post(gateway, '/chat/completions', { ...ask('listed'), model: 'openai/gpt-4o' })).cache).toBe('BYPASS');
    expect((await post(gateway, '/chat/completions', { ...ask('listed'), model: 'mock/echo' })).cache).toBe('MISS');
    expect((await post(gateway, '/chat/completions', { ...ask('listed'), model: 'mock/echo' })).cache).toBe('HIT');
  });

  it('honours Cache-Control no-cache, no-store and max-age, and x-switchyard-cache-ttl', async () => {
    const gateway = await gatewayWith();
    const send = (content: string, headers: Record<string, string> = {}) => post(gateway, '/chat/completions', ask(content), headers).then((result) => result.cache);
    expect(await send('no-store', { 'cache-control': 'no-store' })).toBe('MISS');
    expect(await send('no-store')).toBe('MISS');
    expect(await send('no-store')).toBe('HIT');
    expect(await send('no-store', { 'cache-control': 'no-store' })).toBe('HIT');
    expect(await send('no-store', { 'cache-control': 'no-cache' })).toBe('MISS');
    expect(await send('no-store', { 'cache-control': 'no-cache, no-store' })).toBe('BYPASS');
    expect(upstream.requests).toHaveLength(4);

    // The clocks are held from here and moved by hand: on real time a loaded machine could let the 1 s
    // entry expire before its HIT was asked. The store's lifetimes read performance.now(), max-age Date.now().
    const clocks = heldClocks();
    expect(await send('short ttl', { 'x-switchyard-cache-ttl': '1' })).toBe('MISS');
    expect(await send('aged')).toBe('MISS');
    expect(await send('short ttl')).toBe('HIT');
    expect(await send('aged', { 'cache-control': 'max-age=60' })).toBe('HIT');
    clocks.advance(1100);
    expect(await send('short ttl')).toBe('MISS');
    expect(await send('aged', { 'cache-control': 'max-age=1' })).toBe('MISS');
    // The fresh answer replaced the old one.
    expect(await send('aged', { 'cache-control': 'max-age=1' })).toBe('HIT');
  });

  it('caches embeddings', async () => {
    const gateway = await gatewayWith();
    const client = gateway.client();
    const first = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['one', 'two'], encoding_format: 'float' }).withResponse();
    const second = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['one', 'two'], encoding_format: 'float' }).withResponse();
    expect([first.response.headers.get('x-switchyard-cache'), second.response.headers.get('x-switchyard-cache')]).toEqual(['MISS', 'HIT']);
    expect(second.data.data.map((item) => item.embedding)).toEqual(first.data.data.map((item) => item.embedding));
    // The SDK's default base64 encoding is applied when writing, so it shares the entry too.
    const base64 = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['one', 'two'] });
    expect(base64.data[0]!.embedding).toEqual(first.data.data[0]!.embedding);
    expect(upstream.requests).toHaveLength(1);
  });

  it('reports itself on /health and leaves /v1/models alone', async () => {
    const gateway = await gatewayWith();
    const health = (await (await fetch(`${gateway.origin}/health`)).json()) as { checks: Record<string, unknown> };
    expect(health.checks['cache']).toMatchObject({ healthy: true, backend: 'memory', reachable: true, entries: 0 });
    const models = await fetch(`${gateway.baseURL}/models`, { headers: { authorization: `Bearer ${keys.alice}` } });
    expect(models.status).toBe(200);
    expect(models.headers.get('x-switchyard-cache')).toBeNull();
  });

  it('refuses bad options at start', async () => {
    await expect(gatewayWith({ scope: 'tenant' })).rejects.toMatchObject({ problems: [expect.objectContaining({ path: '/chain/1/cache/scope' })] });
    await expect(gatewayWith({ store: { use: 'redis', url: 'http://nope' } })).rejects.toMatchObject({
      problems: [expect.objectContaining({ path: '/chain/1/cache/store/url' })],
    });
    // Redis timeouts: positive and at most a minute (a timer past 2^31 ms fires at once).
    for (const [name, value] of [['command_timeout_ms', 0], ['command_timeout_ms', 60_001], ['connect_timeout_ms', 1e309], ['connect_timeout_ms', 2.5]] as const) {
      await expect(gatewayWith({ store: { use: 'redis', [name]: value } }), `${name}: ${value}`).rejects.toMatchObject({
        problems: [expect.objectContaining({ path: `/chain/1/cache/store/${name}` })],
      });
    }
  });

  it('a fast-path-eligible request that misses is translated so its answer is stored; one that may not be stored takes the fast path', async () => {
    const gateway = await gatewayWith();
    const body = { ...ask('Stream me a cached answer'), stream: true, stream_options: { include_usage: true } };
    const miss = await post(gateway, '/chat/completions', body);
    expect(miss.cache).toBe('MISS');
    // The cache needs the answer's parts to store it: the translated path answered.
    expect(miss.headers.get('x-switchyard-path')).toBeNull();
    const hit = await post(gateway, '/chat/completions', body);
    expect(hit.cache).toBe('HIT');
    expect(upstream.requests).toHaveLength(1);
    const text = (stream: string) =>
      stream
        .split('\n')
        .filter((line) => line.startsWith('data: {'))
        .map((line) => (JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content ?? '')
        .join('');
    expect(text(hit.text)).toBe(text(miss.text));
    expect(text(hit.text).length).toBeGreaterThan(0);

    // Nothing to store and nothing to read: nothing needs the parts, so the fast path is taken.
    const unstored = await post(gateway, '/chat/completions', { ...body, messages: [{ role: 'user', content: 'Not for the cache' }] }, { 'cache-control': 'no-store, no-cache' });
    expect(unstored.cache).toBe('BYPASS');
    expect(unstored.headers.get('x-switchyard-path')).toBe('fast');
    expect(text(unstored.text).length).toBeGreaterThan(0);
  });
  it('never answers a request carrying a tool only its own provider runs (Anthropic server tools, OpenAI built-in tools) from the entry of one without it', async () => {
    const gateway = await gatewayWith();
    const plain = { model: 'openai/gpt-4o-mini', max_tokens: 100, messages: [{ role: 'user', content: 'What happened today?' }] };
    const miss = await post(gateway, '/messages', plain);
    expect(miss.status).toBe(200);
    expect(miss.cache).toBe('MISS');
    // The server tool is left out of the canonical request, which is otherwise the same as the one stored.
    const withSearch = await post(gateway, '/messages', { ...plain, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 1 }] });
    expect(withSearch.cache).not.toBe('HIT');
    // Without the cache it is refused: an OpenAI deployment cannot run Anthropic's search.
    expect(withSearch.status).toBe(400);
    expect(upstream.requests).toHaveLength(1);
  });

  it('sends a chat request with a custom tool upstream on the fast path, never answered from (nor stored as) the entry of one without it', async () => {
    const gateway = await gatewayWith();
    const plain = { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Count the books.' }] };
    expect((await post(gateway, '/chat/completions', plain)).cache).toBe('MISS');
    upstream.reset();
    const withCustomTool = { ...plain, tools: [{ type: 'custom', custom: { name: 'run_sql', format: { type: 'text' } } }] };
    const answer = await post(gateway, '/chat/completions', withCustomTool);
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('BYPASS');
    expect(answer.headers.get('x-switchyard-path')).toBe('fast');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.body).toMatchObject({ tools: withCustomTool.tools });
    expect((await post(gateway, '/chat/completions', withCustomTool)).cache).toBe('BYPASS');
    expect(upstream.requests).toHaveLength(2);
  });

  it.each([
    ['text.verbosity', { text: { verbosity: 'low' } }],
    ['top_logprobs', { top_logprobs: 2 }],
    ['service_tier', { service_tier: 'flex' }],
    ['reasoning.summary', { reasoning: { effort: 'low', summary: 'auto' } }],
    ['include', { include: ['reasoning.encrypted_content'] }],
  ])('sends a Responses request with %s upstream as it came, never answered from (nor stored as) the entry of one without it', async (_name, extra) => {
    const gateway = await gatewayWith();
    const plain = { model: 'openai/gpt-4o-mini', input: 'Describe the sea.', reasoning: { effort: 'low' } };
    expect((await post(gateway, '/responses', plain)).cache).toBe('MISS');
    upstream.reset();
    const asked = { ...plain, ...extra };
    const answer = await post(gateway, '/responses', asked);
    expect(answer.status).toBe(200);
    expect(answer.cache).toBe('BYPASS');
    // The fast path: what the canonical request cannot carry reaches the upstream (it was dropped, and the HIT served).
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.path).toBe('/v1/responses');
    expect(upstream.requests[0]!.body).toMatchObject(extra);
    expect((await post(gateway, '/responses', asked)).cache).toBe('BYPASS');
    // Fields that do not change the answer still share the entry.
    expect((await post(gateway, '/responses', { ...plain, store: false, prompt_cache_key: 'k', safety_identifier: 'u', truncation: 'disabled' })).cache).toBe('HIT');
  });
});
