import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFixture, readFixtureJson, startMockOpenAI, type MockOpenAI } from '../src/index.js';

let mock: MockOpenAI;

beforeEach(async () => {
  mock = await startMockOpenAI();
});

afterEach(async () => {
  await mock.close();
});

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer' } },
      required: ['city', 'days'],
    },
  },
};
const timeTool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

function post(path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

function chat(extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return post('/chat/completions', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }], ...extra }, headers);
}

/** The body as the network delivered it: one entry per chunk read. */
async function readChunks(response: Response): Promise<Uint8Array[]> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

function dataEvents(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => event.replace(/^data: /, ''));
}

function parsedChunks(text: string): Array<Record<string, unknown>> {
  return dataEvents(text)
    .filter((data) => data !== '[DONE]')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}

/** Field names and value types, recursively: equal shapes mean the same fields of the same kinds. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
  }
  return typeof value;
}

describe('default chat completion', () => {
  it('echoes the last user message in the shape of response.json', async () => {
    const response = await post('/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'First question' },
        { role: 'assistant', content: 'First answer' },
        { role: 'user', content: [{ type: 'text', text: 'Hello there' }] },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    const body = (await response.json()) as Record<string, unknown>;

    expect(shapeOf(body)).toEqual(shapeOf(readFixtureJson('openai', 'response.json')));
    expect(Object.keys(body)).toEqual(Object.keys(readFixtureJson<Record<string, unknown>>('openai', 'response.json')));
    expect(body).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Echo: Hello there', refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      // Per message ceil(chars / 4) + 3: (3 + 3) + (4 + 3) + (3 + 3) + (3 + 3); the reply has 17 characters.
      usage: { prompt_tokens: 25, completion_tokens: 5, total_tokens: 30 },
    });
  });

  it('records every request', async () => {
    await chat({}, { 'x-custom': 'yes' });
    await fetch(`${mock.url}/models?limit=2`);
    expect(mock.requests).toHaveLength(2);
    expect(mock.requests[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Weather in Paris?' }] },
      aborted: false,
    });
    expect(mock.requests[0]?.headers['x-custom']).toBe('yes');
    expect(mock.requests[1]).toMatchObject({ method: 'GET', path: '/v1/models', query: { limit: '2' }, body: undefined });
  });

  it('answers a malformed request with OpenAI’s 400 envelope', async () => {
    const response = await post('/chat/completions', { model: 'gpt-4o-mini' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error', param: 'messages' } });
  });

  it('answers an unknown route with 404', async () => {
    const response = await post('/completions', { model: 'x' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { message: 'Invalid URL (POST /v1/completions)' } });
  });
});

describe('default tool calls', () => {
  it('calls the named tool, filling required string arguments from the user message', async () => {
    const response = await chat({ tools: [timeTool, weatherTool], tool_choice: { type: 'function', function: { name: 'get_weather' } } });
    const body = (await response.json()) as Record<string, unknown>;
    expect(shapeOf(body)).toEqual(shapeOf(readFixtureJson('openai', 'response-tool-call.json')));
    expect(body).toMatchObject({
      choices: [
        {
          message: {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_mock00000001', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Weather in Paris?"}' } },
            ],
          },
          finish_reason: 'tool_calls',
        },
      ],
    });
  });

  it('calls the first two tools in parallel when tool_choice is "required"', async () => {
    const body = (await (await chat({ tools: [weatherTool, timeTool], tool_choice: 'required' })).json()) as {
      choices: Array<{ message: { tool_calls: Array<{ function: { name: string; arguments: string } }> } }>;
    };
    expect(body.choices[0]?.message.tool_calls.map((call) => call.function)).toEqual([
      { name: 'get_weather', arguments: '{"city":"Weather in Paris?"}' },
      { name: 'get_time', arguments: '{}' },
    ]);
  });

  it('calls one tool when parallel_tool_calls is false, and none when tool_choice is "auto"', async () => {
    const single = (await (await chat({ tools: [weatherTool, timeTool], tool_choice: 'required', parallel_tool_calls: false })).json()) as {
      choices: Array<{ message: { tool_calls: unknown[] } }>;
    };
    expect(single.choices[0]?.message.tool_calls).toHaveLength(1);

    const auto = (await (await chat({ tools: [weatherTool], tool_choice: 'auto' })).json()) as {
      choices: Array<{ message: Record<string, unknown> }>;
    };
    expect(auto.choices[0]?.message['content']).toBe('Echo: Weather in Paris?');
    expect(auto.choices[0]?.message).not.toHaveProperty('tool_calls');
  });
});

describe('default stream', () => {
  it('streams word deltas and a usage chunk when include_usage is set, shaped like stream.txt', async () => {
    const response = await chat({ stream: true, stream_options: { include_usage: true } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const networkChunks = await readChunks(response);
    const text = Buffer.concat(networkChunks).toString('utf8');
    const events = dataEvents(text);
    const chunks = parsedChunks(text);

    expect(networkChunks.length).toBeGreaterThan(1);
    expect(events.at(-1)).toBe('[DONE]');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);

    const fixtureChunks = parsedChunks(readFixture('openai', 'stream.txt'));
    expect(Object.keys(chunks[0]!)).toEqual(Object.keys(fixtureChunks[0]!));
    expect(shapeOf(chunks[0])).toEqual(shapeOf(fixtureChunks[0]));
    expect(shapeOf(chunks.at(-1))).toEqual(shapeOf(fixtureChunks.at(-1)));

    const choices = chunks.map((chunk) => (chunk['choices'] as Array<Record<string, unknown>>)[0]);
    expect(choices[0]?.['delta']).toEqual({ role: 'assistant', content: '', refusal: null });
    const deltas = choices.slice(1, -2).map((choice) => (choice?.['delta'] as { content: string }).content);
    expect(deltas).toEqual(['Echo:', ' Weather', ' in', ' Paris?']);
    expect(choices.at(-2)).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' });
    expect(chunks.slice(0, -1).every((chunk) => chunk['usage'] === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 8, completion_tokens: 6, total_tokens: 14 } });
    expect(new Set(chunks.map((chunk) => chunk['id'])).size).toBe(1);
  });

  it('leaves out usage entirely without include_usage', async () => {
    const text = await (await chat({ stream: true })).text();
    const chunks = parsedChunks(text);
    expect(chunks.every((chunk) => !('usage' in chunk))).toBe(true);
    expect(chunks.every((chunk) => (chunk['choices'] as unknown[]).length === 1)).toBe(true);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('streams tool calls as id-and-name fragment, then argument fragments', async () => {
    const text = await (await chat({ stream: true, tools: [weatherTool, timeTool], tool_choice: 'required' })).text();
    const toolDeltas = parsedChunks(text)
      .map((chunk) => (chunk['choices'] as Array<{ delta: { tool_calls?: Array<Record<string, unknown>> } }>)[0]?.delta.tool_calls?.[0])
      .filter((toolCall) => toolCall !== undefined);
    expect(toolDeltas[0]).toEqual({ index: 0, id: 'call_mock00000001', type: 'function', function: { name: 'get_weather', arguments: '' } });

    const argumentsByIndex = new Map<number, string>();
    for (const toolCall of toolDeltas) {
      const index = toolCall['index'] as number;
      const fragment = (toolCall['function'] as { arguments?: string }).arguments ?? '';
      argumentsByIndex.set(index, (argumentsByIndex.get(index) ?? '') + fragment);
    }
    expect(JSON.parse(argumentsByIndex.get(0)!)).toEqual({ city: 'Weather in Paris?' });
    expect(JSON.parse(argumentsByIndex.get(1)!)).toEqual({});
    const finish = parsedChunks(text).at(-1)!['choices'] as Array<{ finish_reason: string }>;
    expect(finish[0]?.finish_reason).toBe('tool_calls');
  });
});

describe('script queue', () => {
  it('answers with an errors.json case plus script headers, then falls back to the default', async () => {
    const rateLimit = readFixtureJson<{ rate_limit: { body: unknown } }>('openai', 'errors.json').rate_limit;
    mock.enqueue({ error: 'rate_limit', headers: { 'retry-after': '2' } });
    const limited = await chat();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-remaining-tokens')).toBe('0');
    expect(await limited.json()).toEqual(rateLimit.body);

    const next = await chat();
    expect(next.status).toBe(200);
    expect(mock.pendingScripts).toBe(0);
    expect(mock.requests).toHaveLength(2);
  });

  it('answers in order, skipping scripts whose match does not fit', async () => {
    mock.enqueue(
      { match: { path: '/embeddings' }, status: 418, body: 'teapot' },
      { status: 500, body: { error: { message: 'first' } } },
      { status: 503, body: { error: { message: 'second' } }, headers: { 'Retry-After': '1' } },
    );
    const first = await chat();
    expect(first.status).toBe(500);
    expect(await first.json()).toEqual({ error: { message: 'first' } });

    const second = await chat();
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');

    const embeddings = await post('/embeddings', { model: 'text-embedding-3-small', input: 'x' });
    expect(embeddings.status).toBe(418);
    expect(await embeddings.text()).toBe('teapot');
  });

  it('replays a JSON fixture byte for byte', async () => {
    mock.enqueue({ fixture: 'response.json' });
    const response = await chat();
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(readFixture('openai', 'response.json'));
  });

  it('replays a stream fixture byte for byte, one event per write', async () => {
    mock.enqueue({ fixture: 'stream.txt' });
    const response = await chat({ stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const networkChunks = await readChunks(response);
    expect(Buffer.concat(networkChunks).toString('utf8')).toBe(readFixture('openai', 'stream.txt'));
    expect(networkChunks.length).toBeGreaterThan(1);
  });

  it('splits multi-byte characters across network writes with splitBytes', async () => {
    mock.enqueue({ fixture: 'stream-text-only.txt', stream: { splitBytes: true, chunkDelayMs: 5 } });
    const networkChunks = await readChunks(await chat({ stream: true }));
    const fixtureBytes = Buffer.from(readFixture('openai', 'stream-text-only.txt'), 'utf8');
    expect(Buffer.concat(networkChunks).equals(fixtureBytes)).toBe(true);
    // "°" is C2 B0 in UTF-8: some chunk must end on its first byte.
    expect(networkChunks.some((chunk) => chunk.at(-1) === 0xc2)).toBe(true);
  });

  it('cuts a stream after N events without [DONE], which is not a client abort', async () => {
    mock.enqueue({ stream: { cutAfterEvents: 3 } });
    const response = await chat({ stream: true });
    const received: Uint8Array[] = [];
    const reader = response.body!.getReader();
    await expect(
      (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          received.push(value);
        }
      })(),
    ).rejects.toThrow();
    const text = Buffer.concat(received).toString('utf8');
    expect(dataEvents(text)).toHaveLength(3);
    expect(text).not.toContain('[DONE]');
    expect(mock.abortedCount).toBe(0);
  });

  it('ends a stream with the in-stream error event on midStreamError', async () => {
    const wire = readFixtureJson<{ stream_error_event: { wire: string } }>('openai', 'errors.json').stream_error_event.wire;
    mock.enqueue({ stream: { midStreamError: true } });
    const text = await (await chat({ stream: true })).text();
    expect(text.endsWith(wire)).toBe(true);
    expect(dataEvents(text)).toHaveLength(3);
    expect(text).not.toContain('[DONE]');
  });

  it('waits delayMs before answering and can script the reply', async () => {
    mock.enqueue({ delayMs: 80, reply: { content: 'Scripted.', finishReason: 'length', usage: { prompt_tokens: 100, cached_tokens: 40 } } });
    const started = Date.now();
    const body = (await (await chat()).json()) as Record<string, unknown>;
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    expect(body).toMatchObject({
      choices: [{ message: { content: 'Scripted.' }, finish_reason: 'length' }],
      usage: { prompt_tokens: 100, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 40 } },
    });
  });

  it('rejects a script naming a fixture that does not exist', () => {
    expect(() => mock.enqueue({ fixture: 'no-such-file.txt' })).toThrow();
  });
});

describe('client aborts', () => {
  it('counts a client that gives up on a hanging request', async () => {
    mock.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = post('/chat/completions', { model: 'gpt-4o-mini', messages: [] }, {}, controller.signal);
    await expect.poll(() => mock.requests.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await mock.waitForAborts(1, 2000);
    expect(mock.abortedCount).toBe(1);
    expect(mock.requests[0]?.aborted).toBe(true);
  });

  it('counts a client that disconnects mid-stream', async () => {
    mock.enqueue({ stream: { chunkDelayMs: 30 } });
    const response = await chat({ stream: true });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    await mock.waitForAborts(1, 2000);
    expect(mock.requests[0]?.aborted).toBe(true);
  });

  it('close() ends hanging connections instead of waiting for them', async () => {
    mock.enqueue({ hang: true });
    const pending = chat().catch((error: unknown) => error);
    await expect.poll(() => mock.requests.length).toBe(1);
    await mock.close();
    expect(await pending).toBeInstanceOf(Error);
    expect(mock.abortedCount).toBe(0);
  });
});

describe('auth', () => {
  it('answers the fixture 401 without the right bearer key', async () => {
    await mock.close();
    mock = await startMockOpenAI({ apiKey: 'sk-test' });
    const invalidKey = readFixtureJson<{ invalid_key: { body: unknown } }>('openai', 'errors.json').invalid_key;

    const missing = await chat();
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual(invalidKey.body);

    const wrong = await chat({}, { authorization: 'Bearer sk-wrong' });
    expect(wrong.status).toBe(401);

    const right = await chat({}, { authorization: 'Bearer sk-test' });
    expect(right.status).toBe(200);
    expect(mock.requests).toHaveLength(3);
  });
});

describe('embeddings and models', () => {
  it('returns deterministic vectors shaped like embeddings-response.json', async () => {
    const input = ['The food was delicious', 'The service was slow'];
    const first = (await (await post('/embeddings', { model: 'text-embedding-3-small', input })).json()) as {
      data: Array<{ embedding: number[] }>;
    };
    const again = (await (await post('/embeddings', { model: 'text-embedding-3-small', input })).json()) as typeof first;
    expect(shapeOf(first)).toEqual(shapeOf(readFixtureJson('openai', 'embeddings-response.json')));
    expect(first.data[0]?.embedding).toHaveLength(8);
    expect(first).toEqual(again);
    expect(first.data[0]?.embedding).not.toEqual(first.data[1]?.embedding);

    const wide = (await (await post('/embeddings', { model: 'm', input: 'x', dimensions: 32 })).json()) as typeof first;
    expect(wide.data[0]?.embedding).toHaveLength(32);
  });

  it('encodes base64 as little-endian float32 carrying the same numbers as the float format', async () => {
    const request = { model: 'text-embedding-3-small', input: ['déjà vu', 'hello'] };
    const floats = (await (await post('/embeddings', request)).json()) as { data: Array<{ embedding: number[] }> };
    const base64 = (await (await post('/embeddings', { ...request, encoding_format: 'base64' })).json()) as {
      data: Array<{ embedding: string }>;
    };
    base64.data.forEach((item, index) => {
      const bytes = Buffer.from(item.embedding, 'base64');
      const decoded = Array.from({ length: bytes.length / 4 }, (_, offset) => bytes.readFloatLE(offset * 4));
      expect(decoded).toEqual(floats.data[index]?.embedding);
    });
  });

  it('lists the fixture models', async () => {
    const response = await fetch(`${mock.url}/models`);
    expect(await response.text()).toBe(readFixture('openai', 'models-list.json'));
  });
});

describe('reset', () => {
  it('forgets requests, scripts and ids', async () => {
    mock.enqueue({ error: 'server_error' });
    await chat();
    mock.enqueue({ error: 'server_error' });
    mock.reset();
    expect(mock.requests).toHaveLength(0);
    expect(mock.pendingScripts).toBe(0);
    const body = (await (await chat()).json()) as { id: string };
    expect(body.id).toBe('chatcmpl-mock00000001');
  });
});

describe('with the official openai SDK', () => {
  it('completes, streams, embeds (base64 by default) and retries a scripted 429', async () => {
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: mock.url, maxRetries: 1 });

    mock.enqueue({ error: 'rate_limit', headers: { 'retry-after-ms': '10' } });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]?.message.content).toBe('Echo: Hi');
    expect(mock.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);

    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Stream this' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let totalTokens = 0;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      totalTokens = chunk.usage?.total_tokens ?? totalTokens;
    }
    expect(text).toBe('Echo: Stream this');
    expect(totalTokens).toBeGreaterThan(0);

    const embeddings = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(mock.requests.at(-1)?.body).toMatchObject({ encoding_format: 'base64' });
    const floats = (await (await post('/embeddings', { model: 'text-embedding-3-small', input: 'hello' })).json()) as {
      data: Array<{ embedding: number[] }>;
    };
    expect(embeddings.data[0]?.embedding).toEqual(floats.data[0]?.embedding);
  });
});
