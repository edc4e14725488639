import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFixture, readFixtureJson, startMockCohere, type CohereErrorCase, type MockCohere } from '../src/index.js';

const apiKey = 'co-mock-test';
let mock: MockCohere;

beforeEach(async () => {
  mock = await startMockCohere({ apiKey });
});

afterEach(async () => {
  await mock.close();
});

const auth = { authorization: `Bearer ${apiKey}` };
const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

function post(path: string, body: unknown, headers: Record<string, string> = auth, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

const chat = (extra: Record<string, unknown> = {}, headers: Record<string, string> = auth) =>
  post('/v2/chat', { model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Weather in Paris?' }], ...extra }, headers);

async function readChunks(response: Response): Promise<Uint8Array[]> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

interface WireEvent {
  event: string | undefined;
  data: string;
}

function wireEvents(text: string): WireEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
      const data = lines.find((line) => line.startsWith('data: '))!.slice(6);
      return { event, data };
    });
}

describe('mock Cohere: chat', () => {
  it('echoes the last user text in the shape of response.json', async () => {
    const response = await chat();
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    const fixture = readFixtureJson<Record<string, unknown>>('cohere', 'response.json');
    expect(Object.keys(body).sort()).toEqual(Object.keys(fixture).sort());
    expect(body).toMatchObject({
      id: '00000000-0000-4000-8000-000000000001',
      message: { role: 'assistant', content: [{ type: 'text', text: 'Echo: Weather in Paris?' }] },
      finish_reason: 'COMPLETE',
      usage: { billed_units: { input_tokens: expect.any(Number) }, tokens: { output_tokens: expect.any(Number) }, cached_tokens: 0 },
    });
  });

  it('refuses a missing or wrong key with the fixture 401, before any script', async () => {
    mock.enqueue({ reply: { content: 'unused' } });
    const response = await chat({}, { authorization: 'Bearer nope' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual(readFixtureJson<Record<string, { body: unknown }>>('cohere', 'errors.json')['invalid_key']!.body);
    expect(mock.pendingScripts).toBe(1);
  });

  it.each([
    [{ top_p: 0.5 }, 422, "unknown field: parameter 'top_p'"],
    [{ preamble: 'v1' }, 422, "parameter 'preamble'"],
    [{ tool_choice: 'required' }, 400, 'tool_choice'],
    [{ messages: [{ role: 'developer', content: 'x' }] }, 400, 'role'],
    [{ messages: [{ role: 'user', content: [{ type: 'image', source: {} }] }] }, 400, 'text or image_url'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] }] }, 400, 'image_url.url'],
    [{ messages: [{ role: 'user', content: 'a' }, { role: 'tool', tool_call_id: 'c1', content: 'x' }] }, 400, 'does not answer'],
    [{ messages: [{ role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: {} } }] }] }, 400, 'JSON string'],
    [{ messages: [] }, 400, 'messages'],
  ])('refuses %j with %i', async (extra, status, message) => {
    const response = await chat(extra);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { id: string; message: string };
    expect(body.message).toContain(message);
    expect(body.id).toEqual(expect.any(String));
  });

  it('accepts a tool turn: assistant tool_plan + tool_calls, then tool documents, and says it got them', async () => {
    const fixture = readFixtureJson<Record<string, unknown>>('cohere', 'request-tools-result.json');
    const response = await post('/v2/chat', fixture);
    const body = (await response.json()) as { message: { content: Array<{ text: string }> } };
    expect(body.message.content[0]!.text).toBe('Tool result received: {"city":"Paris","temperature":18,"unit":"celsius","condition":"partly cloudy"}');
  });

  it('accepts the request fixtures as they are', async () => {
    for (const file of ['request.json', 'request-vision.json']) {
      expect((await post('/v2/chat', readFixtureJson('cohere', file))).status).toBe(200);
    }
  });

  it('calls tools with a tool_plan when tool_choice is REQUIRED', async () => {
    const body = (await (await chat({ tools: [weatherTool], tool_choice: 'REQUIRED' })).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      finish_reason: 'TOOL_CALL',
      message: {
        tool_plan: 'I will use get_weather.',
        tool_calls: [{ id: 'get_weather_mock00000001', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Weather in Paris?"}' } }],
      },
    });
    expect((body['message'] as Record<string, unknown>)['content']).toBeUndefined();
  });

  it('streams like stream.txt: named events, one write each, message-end with usage, then [DONE]', async () => {
    mock.enqueue({ reply: { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }], reasoning: 'I will look it up.' }, stream: { chunkDelayMs: 1 } });
    const response = await chat({ stream: true, tools: [weatherTool] });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const chunks = await readChunks(response);
    const text = Buffer.concat(chunks).toString('utf8');
    const events = wireEvents(text);
    expect(chunks.length).toBe(events.length);
    expect(events.map((event) => event.event)).toEqual([
      'message-start',
      ...Array(5).fill('tool-plan-delta'),
      'tool-call-start',
      'tool-call-delta',
      'tool-call-delta',
      'tool-call-end',
      'message-end',
      undefined,
    ]);
    expect(events.at(-1)!.data).toBe('[DONE]');
    for (const event of events.slice(0, -1)) expect(JSON.parse(event.data)).toMatchObject({ type: event.event });
    const args = events
      .filter((event) => event.event === 'tool-call-delta')
      .map((event) => (JSON.parse(event.data) as { delta: { message: { tool_calls: { function: { arguments: string } } } } }).delta.message.tool_calls.function.arguments)
      .join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(JSON.parse(events.at(-2)!.data)).toMatchObject({ delta: { finish_reason: 'TOOL_CALL', usage: { tokens: { input_tokens: expect.any(Number) } } } });
  });

  it('streams text in content-start / content-delta / content-end like stream-text-only.txt', async () => {
    mock.enqueue({ reply: { content: "It's currently 18°C", finishReason: 'length', usage: { prompt_tokens: 5, completion_tokens: 6, cached_tokens: 2 } } });
    const events = wireEvents(await (await chat({ stream: true })).text());
    expect(events.map((event) => event.event)).toEqual(['message-start', 'content-start', 'content-delta', 'content-delta', 'content-delta', 'content-end', 'message-end', undefined]);
    expect(JSON.parse(events[6]!.data)).toEqual({
      type: 'message-end',
      delta: { finish_reason: 'MAX_TOKENS', usage: { billed_units: { input_tokens: 5, output_tokens: 6 }, tokens: { input_tokens: 5, output_tokens: 6 }, cached_tokens: 2 } },
    });
  });

  it('replays stream.txt and response.json byte for byte', async () => {
    mock.enqueue({ fixture: 'stream.txt', stream: { splitBytes: 5 } }, { fixture: 'response-tool-call.json' });
    expect(await (await chat({ stream: true })).text()).toBe(readFixture('cohere', 'stream.txt'));
    expect(await (await chat()).text()).toBe(readFixture('cohere', 'response-tool-call.json'));
  });

  it('cuts a stream after n events, and ends one with the in-stream error', async () => {
    mock.enqueue({ stream: { cutAfterEvents: 2 } }, { stream: { midStreamError: true, errorAfterEvents: 1 } });
    const cut = await chat({ stream: true });
    await expect(cut.text()).rejects.toThrow();
    const failed = wireEvents(await (await chat({ stream: true })).text());
    expect(failed.map((event) => event.event)).toEqual(['message-start', 'message-end']);
    expect(JSON.parse(failed[1]!.data)).toMatchObject({ delta: { finish_reason: 'ERROR', error: expect.any(String) } });
  });

  it('answers every errors.json case with its status and body', async () => {
    const cases = readFixtureJson<Record<string, { status: number; body: unknown }>>('cohere', 'errors.json');
    const names = Object.keys(cases).filter((name) => !name.startsWith('_')) as CohereErrorCase[];
    mock.enqueue(...names.map((error) => ({ error, headers: { 'retry-after': '3' } })));
    for (const name of names) {
      const response = await chat();
      expect(response.status).toBe(cases[name]!.status);
      expect(response.headers.get('retry-after')).toBe('3');
      expect(await response.json()).toEqual(cases[name]!.body);
    }
  });

  it('answers a custom status and body, after a delay, and counts a client that gives up on a hang', async () => {
    mock.enqueue({ status: 418, body: { message: 'teapot' }, delayMs: 20 }, { hang: true });
    const started = Date.now();
    const custom = await chat();
    expect(custom.status).toBe(418);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const pending = post('/v2/chat', {}, auth, controller.signal).catch(() => undefined);
    await expect.poll(() => mock.requests.length).toBe(2);
    controller.abort();
    await pending;
    await mock.waitForAborts(1);
    expect(mock.requests[1]!.aborted).toBe(true);
  });
});

describe('mock Cohere: embed and models', () => {
  it('embeds deterministically, requiring input_type', async () => {
    const embed = (texts: string[], extra: Record<string, unknown> = {}) =>
      post('/v2/embed', { model: 'embed-v4.0', texts, input_type: 'search_document', embedding_types: ['float'], ...extra });
    const body = (await (await embed(['one', 'two', 'one'], { output_dimension: 16 })).json()) as {
      embeddings: { float: number[][] };
      meta: { billed_units: { input_tokens: number } };
      response_type: string;
    };
    expect(body.response_type).toBe('embeddings_by_type');
    expect(body.embeddings.float).toHaveLength(3);
    expect(body.embeddings.float[0]).toHaveLength(16);
    expect(body.embeddings.float[0]).toEqual(body.embeddings.float[2]);
    expect(body.embeddings.float[0]).not.toEqual(body.embeddings.float[1]);
    expect(body.meta.billed_units.input_tokens).toBeGreaterThan(0);
    expect((await embed(['x'], { input_type: undefined })).status).toBe(400);
  });

  it('lists models, paged by page_size and next_page_token', async () => {
    const all = (await (await fetch(`${mock.url}/v1/models`, { headers: auth })).json()) as { models: Array<{ name: string }>; next_page_token?: string };
    expect(all.models.map((model) => model.name)).toContain('command-a-03-2025');
    expect(all.next_page_token).toBeUndefined();
    const first = (await (await fetch(`${mock.url}/v1/models?page_size=2`, { headers: auth })).json()) as { models: unknown[]; next_page_token: string };
    expect(first.models).toHaveLength(2);
    const second = (await (await fetch(`${mock.url}/v1/models?page_size=2&page_token=${first.next_page_token}`, { headers: auth })).json()) as {
      models: Array<{ name: string }>;
    };
    expect(second.models[0]!.name).toBe(all.models[2]!.name);
  });

  it('answers unknown routes with a 404 in Cohere shape', async () => {
    const response = await post('/v1/chat', {});
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ message: expect.any(String), id: expect.any(String) });
  });
});
