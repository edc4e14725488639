import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFixture, readFixtureJson, startMockGemini, type MockGemini } from '../src/index.js';

const apiKey = 'AIza-mock-key';
let mock: MockGemini;

beforeEach(async () => {
  mock = await startMockGemini({ apiKey });
});

afterEach(async () => {
  await mock.close();
});

const weather = {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
};
const time = { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } };
const question = { role: 'user', parts: [{ text: 'Weather in Paris?' }] };

function post(path: string, body: unknown, headers: Record<string, string> = { 'x-goog-api-key': apiKey }, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });
}

function generate(body: Record<string, unknown> = {}, stream = false): Promise<Response> {
  const path = stream ? '/models/gemini-2.5-flash:streamGenerateContent?alt=sse' : '/models/gemini-2.5-flash:generateContent';
  return post(path, { contents: [question], ...body });
}

async function json<T = Record<string, unknown>>(response: Response): Promise<T> {
  return (await response.json()) as T;
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

function sseChunks(text: string): Array<Record<string, unknown>> {
  return text
    .split('\r\n\r\n')
    .filter((event) => event !== '')
    .map((event) => JSON.parse(event.replace(/^data: /, '')) as Record<string, unknown>);
}

/** Field names and value types, recursively: equal shapes mean the same fields of the same kinds. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
  return typeof value;
}

type GeminiAnswer = {
  candidates: Array<{ content?: { parts: Array<Record<string, unknown>>; role: string }; finishReason?: string; index: number }>;
  usageMetadata: Record<string, unknown>;
  modelVersion: string;
  responseId: string;
};

describe('default generateContent', () => {
  it('echoes the last user text in the shape of response.json', async () => {
    const response = await generate({
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      contents: [
        { role: 'user', parts: [{ text: 'First question' }] },
        { role: 'model', parts: [{ text: 'First answer' }] },
        { role: 'user', parts: [{ text: 'Hello there' }] },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const body = await json<GeminiAnswer>(response);
    const fixture = readFixtureJson<Record<string, unknown>>('gemini', 'response.json');
    expect(shapeOf(body)).toEqual(shapeOf(fixture));
    expect(Object.keys(body)).toEqual(Object.keys(fixture));
    expect(body).toMatchObject({
      candidates: [{ content: { parts: [{ text: 'Echo: Hello there' }], role: 'model' }, finishReason: 'STOP', index: 0 }],
      // Per text ceil(chars / 4) + 3: (3+3) + (4+3) + (3+3) + (3+3) = 25; the reply has 17 characters.
      usageMetadata: { promptTokenCount: 25, candidatesTokenCount: 5, totalTokenCount: 30 },
      modelVersion: 'gemini-2.5-flash',
      responseId: 'mockResp00000001',
    });
  });

  it('records every request, and takes the key from ?key= too', async () => {
    await generate();
    await fetch(`${mock.url}/models?pageSize=2&key=${apiKey}`);
    expect(mock.requests).toHaveLength(2);
    expect(mock.requests[0]).toMatchObject({ method: 'POST', path: '/v1beta/models/gemini-2.5-flash:generateContent', body: { contents: [question] } });
    expect(mock.requests[0]?.headers['x-goog-api-key']).toBe(apiKey);
    expect(mock.requests[1]).toMatchObject({ method: 'GET', path: '/v1beta/models', query: { pageSize: '2', key: apiKey } });
  });

  it('answers a wrong or missing key with the fixture 400 API_KEY_INVALID', async () => {
    const invalidKey = readFixtureJson<{ invalid_key: { body: unknown } }>('gemini', 'errors.json').invalid_key;
    const wrong = await post('/models/gemini-2.5-flash:generateContent', { contents: [question] }, { 'x-goog-api-key': 'nope' });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual(invalidKey.body);
    const missing = await post('/models/gemini-2.5-flash:generateContent', { contents: [question] }, {});
    expect(missing.status).toBe(400);
  });
});

describe('strict like Gemini', () => {
  const refused = async (body: Record<string, unknown>, message: RegExp) => {
    const response = await generate(body);
    expect(response.status).toBe(400);
    const error = (await json<{ error: { code: number; status: string; message: string } }>(response)).error;
    expect(error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect(error.message).toMatch(message);
  };

  it('refuses empty contents, roles other than user/model, and empty parts', async () => {
    await refused({ contents: [] }, /contents is not specified/);
    await refused({ contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }, /valid role: user, model/);
    await refused({ contents: [{ role: 'system', parts: [{ text: 'x' }] }] }, /valid role/);
    await refused({ contents: [{ role: 'user', parts: [] }] }, /parts must not be empty/);
  });

  it('refuses a function response that does not answer the model turn right before it', async () => {
    const call = { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] };
    const answer = (name: string) => ({ role: 'user', parts: [{ functionResponse: { name, response: { temperature: 18 } } }] });
    await refused({ contents: [question, answer('get_weather')] }, /function response turn comes immediately after a function call turn/);
    await refused({ contents: [question, call, question, answer('get_weather')] }, /immediately after a function call turn/);
    await refused({ contents: [question, call, answer('get_time')] }, /does not answer/);
    await refused(
      { contents: [question, { role: 'model', parts: [...call.parts, { functionCall: { name: 'get_time', args: {} } }] }, answer('get_weather')] },
      /number of function response parts/,
    );
    const accepted = await generate({ contents: [question, call, answer('get_weather')] });
    expect(accepted.status).toBe(200);
  });

  it.each([
    ['$ref', { type: 'object', properties: { a: { $ref: '#/$defs/A' } } }, /Unknown name "\$ref" at 'tools\[0\]\.function_declarations\[0\]\.parameters\.properties\[a\]'/],
    ['$defs', { type: 'object', properties: { a: { type: 'string' } }, $defs: {} }, /Unknown name "\$defs"/],
    ['$schema', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { a: { type: 'string' } } }, /Unknown name "\$schema"/],
    ['additionalProperties', { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }, /Unknown name "additionalProperties"/],
    ['oneOf', { type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } } }, /Unknown name "oneOf"/],
    ['a type list', { type: 'object', properties: { a: { type: ['string', 'null'] } } }, /Invalid value at .*\.type/],
    ['a numeric enum', { type: 'object', properties: { a: { type: 'integer', enum: [1, 2] } } }, /enum\[0\]/],
    ['an empty top-level object', { type: 'object', properties: {} }, /should be non-empty for OBJECT type/],
    ['an undefined required property', { type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }, /property is not defined/],
  ])('refuses function parameters with %s', async (_name, parameters, message) => {
    await refused({ tools: [{ functionDeclarations: [{ name: 'f', parameters }] }] }, message);
  });

  it('refuses unknown fields the way the bad_request fixture shows', async () => {
    const badRequest = readFixtureJson<{ bad_request: { body: unknown } }>('gemini', 'errors.json').bad_request;
    const response = await generate({ generationConfig: { max_tokens: 10 } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(badRequest.body);
    await refused({ messages: [] }, /Unknown name "messages"/);
  });

  it('accepts snake_case spellings, as the REST API does', async () => {
    const response = await generate({ system_instruction: { parts: [{ text: 'x' }] }, generation_config: { max_output_tokens: 5 } });
    expect(response.status).toBe(200);
  });
});

describe('default function calls', () => {
  it('calls the first two functions under mode ANY, filling required strings from the user text, the first signed', async () => {
    const body = await json<GeminiAnswer>(
      await generate({ tools: [{ functionDeclarations: [weather, time] }], toolConfig: { functionCallingConfig: { mode: 'ANY' } } }),
    );
    const fixture = readFixtureJson<GeminiAnswer>('gemini', 'response-tool-call.json');
    expect(Object.keys(body.candidates[0]!)).toEqual(Object.keys(fixture.candidates[0]!));
    expect(Object.keys(body.candidates[0]!.content!.parts[0]!)).toEqual(Object.keys(fixture.candidates[0]!.content!.parts[0]!));
    expect(body.candidates[0]).toMatchObject({
      content: {
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Weather in Paris?' } }, thoughtSignature: expect.any(String) },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      finishReason: 'STOP',
    });
    expect(body.candidates[0]!.content!.parts[1]).not.toHaveProperty('thoughtSignature');
  });

  it('calls only the allowed function, and none under AUTO', async () => {
    const tools = [{ functionDeclarations: [weather, time] }];
    const allowed = await json<GeminiAnswer>(await generate({ tools, toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_time'] } } }));
    expect(allowed.candidates[0]!.content!.parts.map((part) => (part['functionCall'] as { name: string }).name)).toEqual(['get_time']);
    const auto = await json<GeminiAnswer>(await generate({ tools, toolConfig: { functionCallingConfig: { mode: 'AUTO' } } }));
    expect(auto.candidates[0]!.content!.parts).toEqual([{ text: 'Echo: Weather in Paris?' }]);
  });

  it('acknowledges function results', async () => {
    const body = await json<GeminiAnswer>(
      await generate({
        contents: [
          question,
          { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 18 } } }] },
        ],
        tools: [{ functionDeclarations: [weather] }],
        toolConfig: { functionCallingConfig: { mode: 'ANY' } },
      }),
    );
    expect(body.candidates[0]!.content!.parts).toEqual([{ text: 'Tool result received: {"temperature":18}' }]);
  });
});

describe('default stream', () => {
  it('streams like stream.txt: CRLF CRLF events, one per write, text over several chunks with running usage', async () => {
    const response = await generate({ contents: [{ role: 'user', parts: [{ text: 'one two three four five six seven' }] }] }, true);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const networkChunks = await readChunks(response);
    const text = Buffer.concat(networkChunks).toString('utf8');
    expect(networkChunks.length).toBeGreaterThan(1);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    expect(text).not.toContain('[DONE]');
    // Gemini's spacing: ": " after keys, "," between fields.
    expect(text.startsWith('data: {"candidates": [{"content": {"parts": [{"text": ')).toBe(true);

    const chunks = sseChunks(text) as GeminiAnswer[];
    const fixture = sseChunks(readFixture('gemini', 'stream-text-only.txt')) as GeminiAnswer[];
    expect(chunks.length).toBe(3);
    expect(Object.keys(chunks[0]!)).toEqual(Object.keys(fixture[0]!));
    expect(shapeOf(chunks[0]!.candidates)).toEqual(shapeOf(fixture[0]!.candidates));
    expect(shapeOf(chunks.at(-1)!.candidates)).toEqual(shapeOf(fixture.at(-1)!.candidates));
    expect(chunks.map((chunk) => chunk.candidates[0]!.content!.parts[0]!['text']).join('')).toBe('Echo: one two three four five six seven');
    expect(chunks.slice(0, -1).every((chunk) => chunk.candidates[0]!.finishReason === undefined)).toBe(true);
    expect(chunks.at(-1)!.candidates[0]!.finishReason).toBe('STOP');
    const counts = chunks.map((chunk) => chunk.usageMetadata['candidatesTokenCount'] as number);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(chunks.map((chunk) => chunk.responseId)).size).toBe(1);
  });

  it('sends every function call whole in the last chunk, with the finish reason', async () => {
    const text = await (await generate({ tools: [{ functionDeclarations: [weather, time] }], toolConfig: { functionCallingConfig: { mode: 'ANY' } } }, true)).text();
    const chunks = sseChunks(text) as GeminiAnswer[];
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.candidates[0]).toMatchObject({
      content: { parts: [{ functionCall: { name: 'get_weather' } }, { functionCall: { name: 'get_time' } }] },
      finishReason: 'STOP',
    });
  });

  it('without alt=sse answers one JSON array', async () => {
    const response = await post('/models/gemini-2.5-flash:streamGenerateContent', { contents: [question] });
    const body = await json<GeminiAnswer[]>(response);
    expect(Array.isArray(body)).toBe(true);
    expect(body[0]!.candidates[0]!.content!.parts).toEqual([{ text: 'Echo: Weather in Paris?' }]);
  });
});

describe('script queue', () => {
  it('answers with an errors.json case, RetryInfo included, then falls back to the default', async () => {
    const rateLimit = readFixtureJson<{ rate_limit: { body: unknown } }>('gemini', 'errors.json').rate_limit;
    mock.enqueue({ error: 'rate_limit' });
    const limited = await generate();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeNull();
    expect(await limited.json()).toEqual(rateLimit.body);
    expect((await generate()).status).toBe(200);
    expect(mock.pendingScripts).toBe(0);
  });

  it.each([
    ['overloaded', 503],
    ['deadline_exceeded', 504],
    ['not_found', 404],
    ['prompt_blocked', 200],
  ] as const)('acts out the %s case (%i)', async (name, status) => {
    mock.enqueue({ error: name });
    const response = await generate();
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual(readFixtureJson<Record<string, { body: unknown }>>('gemini', 'errors.json')[name]!.body);
  });

  it('sends a 200 case asked for as a stream (a blocked prompt) as the stream’s one event', async () => {
    mock.enqueue({ error: 'prompt_blocked' });
    const response = await generate({}, true);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const chunks = sseChunks(await response.text());
    expect(chunks).toEqual([readFixtureJson<{ prompt_blocked: { body: unknown } }>('gemini', 'errors.json').prompt_blocked.body]);
  });

  it('matches paths relative to the base URL, with or without the version prefix', async () => {
    mock.enqueue(
      { match: { path: '/models/gemini-2.5-flash:batchEmbedContents' }, status: 418, body: 'teapot' },
      { match: { path: '/v1beta/models/gemini-2.5-pro:generateContent' }, status: 500, body: { error: { message: 'pro' } } },
    );
    expect((await generate()).status).toBe(200);
    expect((await post('/models/gemini-2.5-pro:generateContent', { contents: [question] })).status).toBe(500);
    const teapot = await post('/models/gemini-2.5-flash:batchEmbedContents', {});
    expect(teapot.status).toBe(418);
    expect(await teapot.text()).toBe('teapot');
  });

  it('replays JSON and stream fixtures byte for byte, one event per write', async () => {
    mock.enqueue({ fixture: 'response-tool-call.json' }, { fixture: 'stream.txt' });
    expect(await (await generate()).text()).toBe(readFixture('gemini', 'response-tool-call.json'));
    const chunks = await readChunks(await generate({}, true));
    expect(Buffer.concat(chunks).toString('utf8')).toBe(readFixture('gemini', 'stream.txt'));
    expect(chunks.length).toBe(3);
  });

  it('splits multi-byte characters across network writes with splitBytes', async () => {
    mock.enqueue({ fixture: 'stream-text-only.txt', stream: { splitBytes: true, chunkDelayMs: 5 } });
    const chunks = await readChunks(await generate({}, true));
    expect(Buffer.concat(chunks).equals(Buffer.from(readFixture('gemini', 'stream-text-only.txt'), 'utf8'))).toBe(true);
    // "°" is C2 B0 in UTF-8: some chunk must end on its first byte.
    expect(chunks.some((chunk) => chunk.at(-1) === 0xc2)).toBe(true);
  });

  it('cuts a stream after N events, which is not a client abort', async () => {
    mock.enqueue({ reply: { content: 'one two three four five six' }, stream: { cutAfterEvents: 2 } });
    const response = await generate({}, true);
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
    expect(sseChunks(Buffer.concat(received).toString('utf8'))).toHaveLength(2);
    expect(mock.abortedCount).toBe(0);
  });

  it('ends a stream with the fixture error event on midStreamError', async () => {
    const wire = readFixtureJson<{ stream_error: { wire: string } }>('gemini', 'errors.json').stream_error.wire;
    mock.enqueue({ reply: { content: 'one two three four five six' }, stream: { midStreamError: true, errorAfterEvents: 1 } });
    const text = await (await generate({}, true)).text();
    expect(text.endsWith(wire)).toBe(true);
    expect(sseChunks(text)).toHaveLength(2);
  });

  it('shapes the reply: reasoning as a thought part, usage in Gemini fields, finish reasons', async () => {
    mock.enqueue(
      { reply: { content: 'Scripted.', reasoning: 'Thinking it over.', usage: { prompt_tokens: 100, completion_tokens: 30, cached_tokens: 40, reasoning_tokens: 10 } } },
      { reply: { content: 'Cut', finishReason: 'length' } },
      { reply: { finishReason: 'content_filter' } },
      { reply: { toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}' }], finishReason: 'tool_calls' } },
    );
    const first = await json<GeminiAnswer>(await generate());
    expect(first.candidates[0]!.content!.parts).toEqual([{ text: 'Thinking it over.', thought: true }, { text: 'Scripted.' }]);
    expect(first.usageMetadata).toMatchObject({
      promptTokenCount: 100,
      candidatesTokenCount: 20,
      thoughtsTokenCount: 10,
      cachedContentTokenCount: 40,
      totalTokenCount: 130,
    });
    expect((await json<GeminiAnswer>(await generate())).candidates[0]!.finishReason).toBe('MAX_TOKENS');
    const filtered = await json<GeminiAnswer>(await generate());
    expect(filtered.candidates[0]!.finishReason).toBe('SAFETY');
    expect(filtered.candidates[0]!.content).toBeUndefined();
    const called = await json<GeminiAnswer>(await generate());
    expect(called.candidates[0]).toMatchObject({ content: { parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] }, finishReason: 'STOP' });
  });

  it('streams a scripted thought first', async () => {
    mock.enqueue({ reply: { content: 'Answer here.', reasoning: 'Hmm.' } });
    const chunks = sseChunks(await (await generate({}, true)).text()) as GeminiAnswer[];
    expect(chunks[0]!.candidates[0]!.content!.parts).toEqual([{ text: 'Hmm.', thought: true }]);
    expect(chunks.every((chunk) => chunk.usageMetadata['thoughtsTokenCount'] === 1)).toBe(true);
  });
});

describe('client aborts', () => {
  it('counts a client that gives up on a hanging request', async () => {
    mock.enqueue({ hang: true });
    const controller = new AbortController();
    const aborted = post('/models/gemini-2.5-flash:generateContent', { contents: [question] }, { 'x-goog-api-key': apiKey }, controller.signal);
    await expect.poll(() => mock.requests.length).toBe(1);
    controller.abort();
    await expect(aborted).rejects.toThrow();
    await mock.waitForAborts(1, 2000);
    expect(mock.requests[0]?.aborted).toBe(true);
  });

  it('counts a client that disconnects mid-stream', async () => {
    mock.enqueue({ reply: { content: 'a b c d e f' }, stream: { chunkDelayMs: 30 } });
    const reader = (await generate({}, true)).body!.getReader();
    await reader.read();
    await reader.cancel();
    await mock.waitForAborts(1, 2000);
    expect(mock.requests[0]?.aborted).toBe(true);
  });
});

describe('embeddings and models', () => {
  it('embeds a batch deterministically, with outputDimensionality', async () => {
    const model = 'models/gemini-embedding-001';
    const request = (text: string) => ({ model, content: { parts: [{ text }] }, outputDimensionality: 4 });
    const response = await post('/models/gemini-embedding-001:batchEmbedContents', { requests: [request('one'), request('two'), request('one')] });
    const body = await json<{ embeddings: Array<{ values: number[] }> }>(response);
    expect(body.embeddings).toHaveLength(3);
    expect(body.embeddings[0]!.values).toHaveLength(4);
    expect(body.embeddings[0]).toEqual(body.embeddings[2]);
    expect(body.embeddings[0]).not.toEqual(body.embeddings[1]);

    const single = await json<{ embedding: { values: number[] } }>(
      await post('/models/gemini-embedding-001:embedContent', { content: { parts: [{ text: 'one' }] }, outputDimensionality: 4 }),
    );
    expect(single.embedding.values).toEqual(body.embeddings[0]!.values);
  });

  it('refuses a batch whose requests name another model', async () => {
    const response = await post('/models/gemini-embedding-001:batchEmbedContents', {
      requests: [{ model: 'models/text-embedding-004', content: { parts: [{ text: 'x' }] } }],
    });
    expect(response.status).toBe(400);
  });

  it('lists models in pages, following nextPageToken', async () => {
    const ids: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const query = `pageSize=2${token ? `&pageToken=${token}` : ''}`;
      const response = await fetch(`${mock.url}/models?${query}`, { headers: { 'x-goog-api-key': apiKey } });
      const page = await json<{ models: Array<{ name: string; supportedGenerationMethods: string[] }>; nextPageToken?: string }>(response);
      ids.push(...page.models.map((model) => model.name));
      token = page.nextPageToken;
      pages += 1;
    } while (token);
    expect(pages).toBe(3);
    expect(ids).toContain('models/gemini-2.5-flash');
    expect(ids).toContain('models/gemini-embedding-001');
    expect(ids.every((id) => id.startsWith('models/'))).toBe(true);
  });

  it('answers an unknown route with Gemini’s 404', async () => {
    const response = await post('/models/gemini-2.5-flash:countEverything', {});
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
  });
});
