import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFixture, startMockMistral, type MockMistral } from '../src/index.js';

let mock: MockMistral;
beforeEach(async () => {
  mock = await startMockMistral({ apiKey: 'mk' });
});
afterEach(async () => {
  await mock.close();
});

const weatherTool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
const post = (path: string, body: unknown, key = 'mk') =>
  fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
const chat = (extra: Record<string, unknown> = {}) => post('/chat/completions', { model: 'mistral-large-latest', messages: [{ role: 'user', content: 'Weather in Paris?' }], ...extra });
const events = (text: string) => text.split('\n\n').filter((event) => event.startsWith('data: ')).map((event) => event.slice(6));

describe('mock Mistral', () => {
  it('answers with an echo shaped like response.json', async () => {
    const body = (await (await chat()).json()) as Record<string, any>;
    expect(body['object']).toBe('chat.completion');
    expect(body['id']).toMatch(/^[0-9a-f]{32}$/);
    expect(body['choices'][0]).toMatchObject({ message: { role: 'assistant', content: 'Echo: Weather in Paris?', tool_calls: null, prefix: false }, finish_reason: 'stop' });
    expect(Object.keys(body['usage'])).toEqual(['prompt_tokens', 'completion_tokens', 'total_tokens']);
  });

  it('rejects a bad key with the gateway envelope', async () => {
    const response = await post('/chat/completions', { model: 'm', messages: [] }, 'wrong');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ message: 'Unauthorized' });
  });

  it('refuses stream_options, seed and other unknown fields with a 422 detail list', async () => {
    const response = await chat({ stream: true, stream_options: { include_usage: true }, seed: 1 });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { message: { detail: Array<{ loc: string[]; type: string }> } };
    expect(body.message.detail.map((item) => item.loc[1])).toEqual(['stream_options', 'seed']);
  });

  it('refuses tool-call ids that are not 9 alphanumerics, and tool results answering nothing', async () => {
    const history = (id: string, resultId = id) => ({
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: '', tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: resultId, content: '18C' },
      ],
    });
    const bad = await chat(history('call_k7Xp2QmZ9rT4vB1nW8sLc3dY'));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/9 characters/);
    expect((await chat(history('D681PevKs', 'D681PevKt'))).status).toBe(400);
    const good = (await (await chat(history('D681PevKs'))).json()) as Record<string, any>;
    expect(good['choices'][0].message.content).toBe('Tool result received: 18C');
  });

  it('calls tools with 9-character ids when tool_choice is any', async () => {
    const body = (await (await chat({ tools: [weatherTool], tool_choice: 'any' })).json()) as Record<string, any>;
    const call = body['choices'][0].message.tool_calls[0];
    expect(call).toMatchObject({ id: 'mk0000001', type: 'function', function: { name: 'get_weather' }, index: 0 });
    expect(body['choices'][0].finish_reason).toBe('tool_calls');
  });

  it('streams like stream.txt: role chunk, tool call whole in one delta, usage on the finishing chunk', async () => {
    const text = await (await chat({ stream: true, tools: [weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } })).text();
    const data = events(text);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((item) => JSON.parse(item) as Record<string, any>);
    expect(chunks[0]!['choices'][0].delta).toEqual({ role: 'assistant', content: '' });
    const toolChunks = chunks.filter((chunk) => chunk['choices'][0].delta.tool_calls);
    expect(toolChunks).toHaveLength(1);
    expect(toolChunks[0]!['choices'][0].delta.tool_calls[0]).not.toHaveProperty('type');
    const last = chunks.at(-1)!;
    expect(last['choices'][0]).toMatchObject({ delta: { content: '' }, finish_reason: 'tool_calls' });
    expect(last['usage']).toMatchObject({ prompt_tokens: expect.any(Number) });
    expect(chunks.slice(0, -1).every((chunk) => chunk['usage'] === undefined)).toBe(true);
  });

  it('acts out scripts: error cases, fixture replay, status/body, reply, headers and broken streams', async () => {
    mock.enqueue({ error: 'rate_limit' }, { fixture: 'stream.txt' }, { status: 418, body: { teapot: true } }, { reply: { content: 'Scripted.', usage: { prompt_tokens: 3, completion_tokens: 2 } }, headers: { 'x-extra': '1' } });
    const limited = await chat();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-remaining-req-minute')).toBe('0');
    expect(await (await chat({ stream: true })).text()).toBe(readFixture('mistral', 'stream.txt'));
    expect((await chat()).status).toBe(418);
    const scripted = await chat();
    expect(scripted.headers.get('x-extra')).toBe('1');
    expect(await scripted.json()).toMatchObject({ choices: [{ message: { content: 'Scripted.' } }], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } });

    mock.enqueue({ reply: { content: 'one two three four' }, stream: { midStreamError: true, errorAfterEvents: 2 } });
    const broken = events(await (await chat({ stream: true })).text());
    expect(broken).toHaveLength(3);
    expect(JSON.parse(broken[2]!)).toMatchObject({ object: 'error' });

    mock.enqueue({ reply: { content: 'one two three' }, stream: { cutAfterEvents: 1 } });
    await expect(chat({ stream: true }).then((response) => response.text())).rejects.toThrow();
  });

  it('embeds with mistral-embed, refusing unknown fields, and lists models', async () => {
    const embedded = (await (await post('/embeddings', { model: 'mistral-embed', input: ['a', 'b'] })).json()) as { data: unknown[] };
    expect(embedded.data).toHaveLength(2);
    expect((await post('/embeddings', { model: 'mistral-embed', input: 'a', encoding_format: 'float', dimensions: 3 })).status).toBe(422);
    const models = (await (await fetch(`${mock.url}/models`, { headers: { authorization: 'Bearer mk' } })).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((model) => model.id)).toContain('mistral-embed');
  });
});
