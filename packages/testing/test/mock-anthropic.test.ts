import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFixture, readFixtureJson, startMockAnthropic, type MockAnthropic } from '../src/index.js';

let mock: MockAnthropic;

beforeEach(async () => {
  mock = await startMockAnthropic();
});

afterEach(async () => {
  await mock.close();
});

const version = { 'anthropic-version': '2023-06-01' };
const weatherTool = {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city', 'days'] },
};
const timeTool = { name: 'get_time', input_schema: { type: 'object', properties: {} } };

function post(path: string, body: unknown, headers: Record<string, string> = version, signal?: AbortSignal): Promise<Response> {
  return fetch(`${mock.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

function messages(extra: Record<string, unknown> = {}, headers: Record<string, string> = version): Promise<Response> {
  return post(
    '/v1/messages',
    { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Weather in Paris?' }], ...extra },
    headers,
  );
}

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
  event: string;
  data: Record<string, unknown>;
}

function wireEvents(text: string): WireEvent[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      return { event: eventLine!.replace(/^event: /, ''), data: JSON.parse(dataLine!.replace(/^data: /, '')) as Record<string, unknown> };
    });
}

/** Field names and value types, recursively: equal shapes mean the same fields of the same kinds. */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shapeOf(inner)]));
  return typeof value;
}

async function expectInvalid(response: Response, message: RegExp): Promise<void> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as { type: string; error: { type: string; message: string }; request_id: string };
  expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  expect(body.error.message).toMatch(message);
  expect(body.request_id).toBe(response.headers.get('request-id'));
}

describe('default message', () => {
  it('echoes the last user text block in the shape of response.json', async () => {
    const response = await post('/v1/messages', {
      model: 'claude-sonnet-4-5',
      max_tokens: 256,
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'First question' },
        { role: 'assistant', content: 'First answer' },
        { role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'there' }] },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('request-id')).toMatch(/^req_mock/);
    const body = (await response.json()) as Record<string, unknown>;
    const fixture = readFixtureJson<Record<string, unknown>>('anthropic', 'response.json');
    expect(shapeOf(body)).toEqual(shapeOf(fixture));
    expect(Object.keys(body)).toEqual(Object.keys(fixture));
    expect(body).toMatchObject({
      id: 'msg_mock00000001',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'Echo: there' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      // Per text ceil(chars / 4) + 3: system (3 + 3), turns (4 + 3), (3 + 3), ("Hello\nthere": 3 + 3).
      usage: { input_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3, service_tier: 'standard' },
    });
  });

  it('records every request', async () => {
    await messages({}, { ...version, 'x-custom': 'yes' });
    await fetch(`${mock.url}/v1/models?limit=1000`, { headers: version });
    expect(mock.requests).toHaveLength(2);
    expect(mock.requests[0]).toMatchObject({ method: 'POST', path: '/v1/messages', body: { model: 'claude-sonnet-4-5' }, aborted: false });
    expect(mock.requests[0]?.headers['x-custom']).toBe('yes');
    expect(mock.requests[1]).toMatchObject({ method: 'GET', path: '/v1/models', query: { limit: '1000' } });
  });

  it('cuts the text at a stop sequence and at max_tokens, as the API does', async () => {
    const stopped = (await (await messages({ stop_sequences: [' in '] })).json()) as Record<string, unknown>;
    expect(stopped).toMatchObject({ content: [{ type: 'text', text: 'Echo: Weather' }], stop_reason: 'stop_sequence', stop_sequence: ' in ' });
    const short = (await (await messages({ max_tokens: 1 })).json()) as Record<string, unknown>;
    expect(short).toMatchObject({ content: [{ type: 'text', text: 'Echo' }], stop_reason: 'max_tokens' });
  });

  it('answers structured output with JSON fitting the schema', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const body = (await (await messages({ output_config: { format: { type: 'json_schema', schema } } })).json()) as {
      content: Array<{ text: string }>;
    };
    expect(JSON.parse(body.content[0]!.text)).toEqual({ city: 'Weather in Paris?' });
  });

  it('answers an unknown route with a 404 not_found_error', async () => {
    const response = await post('/v1/complete', { model: 'x' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('strict request checks', () => {
  it.each([
    ['max_tokens is missing', { max_tokens: undefined }, /^max_tokens: Field required/],
    ['a message has the system role', { messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'hi' }] }, /messages\.0\.role: Unexpected role "system"/],
    ['a role is not user or assistant', { messages: [{ role: 'tool', content: 'x' }] }, /messages\.0\.role: Input should be 'user' or 'assistant'/],
    ['there are no messages', { messages: [] }, /at least one message/],
    ['a text block is empty', { messages: [{ role: 'user', content: [{ type: 'text', text: '' }] }] }, /must be non-empty/],
    ['a user turn holds a tool_use block', { messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] }] }, /not allowed in a user message/],
    ['temperature is above 1', { temperature: 1.5 }, /^temperature/],
    ['an image has an unknown media type', { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'AA==' } }] }] }, /media_type/],
  ])('refuses the request when %s', async (_, extra, message) => {
    await expectInvalid(await messages(extra), message);
  });

  it('refuses a request without the anthropic-version header', async () => {
    await expectInvalid(await messages({}, {}), /anthropic-version: header is required/);
  });

  it('refuses a tool_result that does not answer a tool_use of the turn right before', async () => {
    const response = await messages({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_other', content: '18' }] },
      ],
    });
    await expectInvalid(response, /messages\.2\.content\.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_other/);
  });

  it('refuses a tool_use left without its tool_result in the next turn', async () => {
    const response = await messages({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: 'Well?' },
      ],
    });
    await expectInvalid(response, /`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1/);
  });

  it('merges consecutive turns of one role before pairing tool results, as the API does', async () => {
    const response = await messages({
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: 'Let me look.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18°C' }] },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
      ],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ content: [{ type: 'text', text: 'Tool result received: 18°C' }] });
  });
});

describe('default tool use', () => {
  it('calls the named tool, filling required string properties with the last user text', async () => {
    const body = (await (await messages({ tools: [timeTool, weatherTool], tool_choice: { type: 'tool', name: 'get_weather' } })).json()) as Record<string, unknown>;
    expect(shapeOf(body['usage'])).toEqual(shapeOf(readFixtureJson<Record<string, unknown>>('anthropic', 'response-tool-call.json')['usage']));
    expect(body).toMatchObject({
      content: [{ type: 'tool_use', id: 'toolu_mock00000001', name: 'get_weather', input: { city: 'Weather in Paris?' } }],
      stop_reason: 'tool_use',
    });
  });

  it('calls the first two tools for "any", one when parallel use is disabled, none for "auto"', async () => {
    const both = (await (await messages({ tools: [weatherTool, timeTool], tool_choice: { type: 'any' } })).json()) as { content: Array<{ name: string }> };
    expect(both.content.map((block) => block.name)).toEqual(['get_weather', 'get_time']);
    const one = (await (await messages({ tools: [weatherTool, timeTool], tool_choice: { type: 'any', disable_parallel_tool_use: true } })).json()) as {
      content: unknown[];
    };
    expect(one.content).toHaveLength(1);
    const auto = (await (await messages({ tools: [weatherTool], tool_choice: { type: 'auto' } })).json()) as Record<string, unknown>;
    expect(auto).toMatchObject({ content: [{ type: 'text', text: 'Echo: Weather in Paris?' }], stop_reason: 'end_turn' });
  });

  it('acknowledges tool results', async () => {
    const body = (await (
      await messages({
        tools: [weatherTool],
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: '{"temperature":18}' }] }] },
        ],
      })
    ).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ content: [{ type: 'text', text: 'Tool result received: {"temperature":18}' }] });
  });
});

describe('default stream', () => {
  it('streams named events shaped like stream-text-only.txt, one write per event', async () => {
    const response = await messages({ stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const chunks = await readChunks(response);
    const text = Buffer.concat(chunks).toString('utf8');
    const events = wireEvents(text);
    const fixture = wireEvents(readFixture('anthropic', 'stream-text-only.txt'));

    expect(chunks.length).toBeGreaterThan(1);
    expect(events.every((event) => event.event === event.data['type'])).toBe(true);
    const names = events.map((event) => event.event);
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(shapeOf(events[0]!.data)).toEqual(shapeOf(fixture[0]!.data));
    expect(shapeOf(events.at(-2)!.data)).toEqual(shapeOf(fixture.at(-2)!.data));
    expect(text).toContain('event: ping\ndata: {"type": "ping"}\n\n');
    const deltas = events.filter((event) => event.event === 'content_block_delta').map((event) => (event.data['delta'] as { text: string }).text);
    expect(deltas).toEqual(['Echo:', ' Weather', ' in', ' Paris?']);
    expect(events.at(-2)!.data).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { input_tokens: 8, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 6 },
    });
    expect(text.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true);
  });

  it('streams tool_use blocks like stream.txt: an empty first fragment, then JSON pieces', async () => {
    const text = await (await messages({ stream: true, tools: [weatherTool, timeTool], tool_choice: { type: 'any' } })).text();
    const events = wireEvents(text);
    const starts = events.filter((event) => event.event === 'content_block_start').map((event) => event.data);
    expect(starts).toEqual([
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'toolu_mock00000001', name: 'get_weather', input: {} } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_mock00000002', name: 'get_time', input: {} } },
    ]);
    const json = new Map<number, string[]>();
    for (const { data } of events.filter((event) => event.event === 'content_block_delta')) {
      const fragments = json.get(data['index'] as number) ?? [];
      fragments.push((data['delta'] as { partial_json: string }).partial_json);
      json.set(data['index'] as number, fragments);
    }
    expect(json.get(0)![0]).toBe('');
    expect(JSON.parse(json.get(0)!.join(''))).toEqual({ city: 'Weather in Paris?' });
    expect(JSON.parse(json.get(1)!.join(''))).toEqual({});
    expect(events.at(-2)!.data).toMatchObject({ delta: { stop_reason: 'tool_use' } });
  });

  it('streams scripted reasoning as a thinking block with a signature, before the text', async () => {
    mock.enqueue({ reply: { reasoning: 'Think first.', content: 'Answer.' } });
    const events = wireEvents(await (await messages({ stream: true })).text());
    const deltas = events.filter((event) => event.event === 'content_block_delta').map((event) => event.data['delta'] as Record<string, string>);
    expect(deltas.map((delta) => delta['type'])).toEqual(['thinking_delta', 'thinking_delta', 'signature_delta', 'text_delta']);
    expect(events[1]!.data).toMatchObject({ index: 0, content_block: { type: 'thinking' } });

    mock.enqueue({ reply: { reasoning: 'Think first.', content: 'Answer.' } });
    const whole = (await (await messages()).json()) as { content: Array<Record<string, unknown>> };
    expect(whole.content[0]).toMatchObject({ type: 'thinking', thinking: 'Think first.', signature: expect.any(String) });
    expect(whole.content[1]).toEqual({ type: 'text', text: 'Answer.' });
  });
});

describe('script queue', () => {
  it('answers an errors.json case: 529 overloaded, 429 with retry-after and rate-limit headers', async () => {
    const cases = readFixtureJson<Record<string, { body: unknown }>>('anthropic', 'errors.json');
    mock.enqueue({ error: 'overloaded' }, { error: 'rate_limit' });
    const overloaded = await messages();
    expect(overloaded.status).toBe(529);
    expect(await overloaded.json()).toEqual(cases['overloaded']!.body);
    const limited = await messages();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('27');
    expect(limited.headers.get('anthropic-ratelimit-tokens-remaining')).toBe('0');
    expect(await limited.json()).toEqual(cases['rate_limit']!.body);
    expect((await messages()).status).toBe(200);
  });

  it('answers in order, skipping scripts whose match does not fit, with custom status and body', async () => {
    mock.enqueue({ match: { path: '/v1/models' }, status: 500, body: 'down' }, { status: 418, body: { teapot: true }, headers: { 'x-extra': '1' } });
    const first = await messages();
    expect(first.status).toBe(418);
    expect(first.headers.get('x-extra')).toBe('1');
    expect(await first.json()).toEqual({ teapot: true });
    const models = await fetch(`${mock.url}/v1/models`, { headers: version });
    expect(models.status).toBe(500);
    expect(await models.text()).toBe('down');
  });

  it('replays JSON and stream fixtures byte for byte', async () => {
    mock.enqueue({ fixture: 'response-tool-call.json' }, { fixture: 'stream.txt' });
    expect(await (await messages()).text()).toBe(readFixture('anthropic', 'response-tool-call.json'));
    const chunks = await readChunks(await messages({ stream: true }));
    expect(Buffer.concat(chunks).toString('utf8')).toBe(readFixture('anthropic', 'stream.txt'));
    expect(chunks.length).toBeGreaterThan(1);
  });

  it('splits multi-byte characters across writes with splitBytes', async () => {
    mock.enqueue({ fixture: 'stream-text-only.txt', stream: { splitBytes: true, chunkDelayMs: 2 } });
    const chunks = await readChunks(await messages({ stream: true }));
    expect(Buffer.concat(chunks).equals(Buffer.from(readFixture('anthropic', 'stream-text-only.txt'), 'utf8'))).toBe(true);
    expect(chunks.some((chunk) => chunk.at(-1) === 0xc2)).toBe(true);
  });

  it('ends a stream with the errors.json error event on midStreamError', async () => {
    const wire = readFixtureJson<{ stream_error_event: { wire: string } }>('anthropic', 'errors.json').stream_error_event.wire;
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 3 } });
    const text = await (await messages({ stream: true })).text();
    expect(wireEvents(text).map((event) => event.event)).toEqual(['message_start', 'content_block_start', 'ping', 'error']);
    expect(text.endsWith(wire)).toBe(true);
  });

  it('cuts a stream after N events, which is not a client abort', async () => {
    mock.enqueue({ stream: { cutAfterEvents: 2 } });
    const response = await messages({ stream: true });
    await expect(readChunks(response)).rejects.toThrow();
    expect(mock.abortedCount).toBe(0);
  });

  it('maps a scripted reply: finish reason, tool calls and usage in Anthropic terms', async () => {
    mock.enqueue({
      reply: {
        content: 'Let me check.',
        toolCalls: [{ name: 'get_weather', arguments: '{"city":"Paris"}', id: 'toolu_fixed' }],
        usage: { prompt_tokens: 100, completion_tokens: 20, cached_tokens: 60 },
      },
    });
    expect(await (await messages()).json()).toMatchObject({
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'toolu_fixed', name: 'get_weather', input: { city: 'Paris' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 40, cache_read_input_tokens: 60, cache_creation_input_tokens: 0, output_tokens: 20 },
    });
    mock.enqueue({ reply: { content: 'No.', finishReason: 'content_filter' } }, { reply: { content: 'Lo', finishReason: 'length' } });
    expect(await (await messages()).json()).toMatchObject({ stop_reason: 'refusal' });
    expect(await (await messages()).json()).toMatchObject({ stop_reason: 'max_tokens' });
  });

  it('waits delayMs before answering', async () => {
    mock.enqueue({ delayMs: 80 });
    const started = Date.now();
    await (await messages()).json();
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });

  it('rejects a script naming a fixture that does not exist', () => {
    expect(() => mock.enqueue({ fixture: 'no-such-file.txt' })).toThrow();
  });
});

describe('client aborts', () => {
  it('counts a client that gives up on a hanging request', async () => {
    mock.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = post('/v1/messages', { model: 'x' }, version, controller.signal);
    await expect.poll(() => mock.requests.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await mock.waitForAborts(1, 2000);
    expect(mock.requests[0]?.aborted).toBe(true);
  });

  it('counts a client that disconnects mid-stream', async () => {
    mock.enqueue({ stream: { chunkDelayMs: 30 } });
    const reader = (await messages({ stream: true })).body!.getReader();
    await reader.read();
    await reader.cancel();
    await mock.waitForAborts(1, 2000);
    expect(mock.abortedCount).toBe(1);
  });
});

describe('auth', () => {
  it('answers the fixture 401 without the right x-api-key, before any script', async () => {
    await mock.close();
    mock = await startMockAnthropic({ apiKey: 'sk-ant-test' });
    const invalidKey = readFixtureJson<{ invalid_key: { body: unknown } }>('anthropic', 'errors.json').invalid_key;
    mock.enqueue({ error: 'overloaded' });

    const missing = await messages();
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual(invalidKey.body);
    expect((await messages({}, { ...version, 'x-api-key': 'sk-ant-wrong' })).status).toBe(401);
    expect(mock.pendingScripts).toBe(1);

    expect((await messages({}, { ...version, 'x-api-key': 'sk-ant-test' })).status).toBe(529);
    expect((await messages({}, { ...version, authorization: 'Bearer sk-ant-test' })).status).toBe(200);
  });
});

describe('models and reset', () => {
  it('lists models in Anthropic’s shape', async () => {
    const body = (await (await fetch(`${mock.url}/v1/models`, { headers: version })).json()) as {
      data: Array<Record<string, unknown>>;
      has_more: boolean;
      first_id: string;
    };
    expect(body.has_more).toBe(false);
    expect(body.data.length).toBeGreaterThan(0);
    expect(body.data[0]).toEqual({ type: 'model', id: body.first_id, display_name: expect.any(String), created_at: expect.stringMatching(/^\d{4}-/) });
  });

  it('forgets requests, scripts and ids', async () => {
    mock.enqueue({ error: 'server_error' });
    await messages();
    mock.enqueue({ error: 'server_error' });
    mock.reset();
    expect(mock.requests).toHaveLength(0);
    expect(mock.pendingScripts).toBe(0);
    expect(((await (await messages()).json()) as { id: string }).id).toBe('msg_mock00000001');
  });
});
