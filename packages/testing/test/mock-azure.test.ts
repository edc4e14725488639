import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFixture, readFixtureJson, startMockAzure, type MockAzure } from '../src/index.js';

const apiKey = 'azure-mock-key';
const bearerToken = 'entra-mock-token';
const fixtures = 'azure-openai';
const deploymentChat = '/openai/deployments/prod-mini/chat/completions?api-version=2024-10-21';
let mock: MockAzure;

beforeAll(async () => {
  mock = await startMockAzure({ apiKey, bearerToken });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

function post(path: string, body: unknown, headers: Record<string, string> = { 'api-key': apiKey }) {
  return fetch(mock.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}
const hello = { messages: [{ role: 'user', content: 'Hello there' }] };
function dataLines(text: string): string[] {
  return text.split('\n\n').filter((event) => event !== '').map((event) => event.replace(/^data: /, ''));
}

describe('mock Azure: auth and api-version', () => {
  it('answers a missing or wrong key with the 401 of errors.json', async () => {
    const expected = readFixtureJson<{ invalid_key: { body: unknown } }>(fixtures, 'errors.json').invalid_key.body;
    const unauthorized: Array<Record<string, string>> = [{}, { 'api-key': 'wrong' }, { authorization: `Bearer wrong` }];
    for (const headers of unauthorized) {
      const response = await post(deploymentChat, hello, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(expected);
    }
  });

  it('accepts the key in api-key, the Entra token as bearer, and the key as bearer on v1 only', async () => {
    expect((await post(deploymentChat, hello)).status).toBe(200);
    expect((await post(deploymentChat, hello, { authorization: `Bearer ${bearerToken}` })).status).toBe(200);
    expect((await post('/openai/v1/chat/completions', { model: 'prod-mini', ...hello }, { authorization: `Bearer ${apiKey}` })).status).toBe(200);
    expect((await post(deploymentChat, hello, { authorization: `Bearer ${apiKey}` })).status).toBe(401);
  });

  it('requires a known api-version on deployment URLs, but not on v1', async () => {
    const missing = await post('/openai/deployments/prod-mini/chat/completions', hello);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'BadRequest' } });
    expect((await post('/openai/deployments/prod-mini/chat/completions?api-version=yesterday', hello)).status).toBe(400);
    expect((await post('/openai/deployments/prod-mini/chat/completions?api-version=2025-04-01-preview', hello)).status).toBe(200);
    expect((await post('/openai/v1/chat/completions', { model: 'prod-mini', ...hello })).status).toBe(200);
    expect((await post('/openai/v1/chat/completions?api-version=preview', { model: 'prod-mini', ...hello })).status).toBe(200);
  });

  it('answers an unknown path with 404', async () => {
    const response = await post('/v1/chat/completions', hello);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { code: '404', message: 'Resource not found' } });
  });
});

describe('mock Azure: default answers', () => {
  it('echoes on a deployment URL, the deployment as model, with the filter verdicts and sorted keys', async () => {
    const body = (await (await post(deploymentChat, hello)).json()) as Record<string, unknown> & { choices: Array<Record<string, unknown>> };
    expect(body['model']).toBe('prod-mini');
    expect(body.choices[0]!['message']).toMatchObject({ role: 'assistant', content: 'Echo: Hello there' });
    expect(body.choices[0]!['content_filter_results']).toMatchObject({ violence: { filtered: false, severity: 'safe' } });
    expect(body['prompt_filter_results']).toEqual(readFixtureJson<{ prompt_filter_results: unknown }>(fixtures, 'response.json').prompt_filter_results);
    expect(body['service_tier']).toBeUndefined();
    expect(Object.keys(body)).toEqual([...Object.keys(body)].sort());
    expect(mock.requests[0]!.query['api-version']).toBe('2024-10-21');
  });

  it('takes the model from the body on v1, and refuses a v1 request without one', async () => {
    const body = (await (await post('/openai/v1/chat/completions', { model: 'my-dep', ...hello })).json()) as { model: string };
    expect(body.model).toBe('my-dep');
    expect((await post('/openai/v1/chat/completions', hello)).status).toBe(400);
  });

  it('acknowledges a tool result and calls a forced tool', async () => {
    const tool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };
    const result = (await (
      await post(deploymentChat, {
        messages: [
          { role: 'user', content: 'Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        ],
        tools: [tool],
      })
    ).json()) as { choices: Array<{ message: { content: string } }> };
    expect(result.choices[0]!.message.content).toBe('Tool result received: 18C');
    const forced = (await (await post(deploymentChat, { ...hello, tools: [tool], tool_choice: 'required' })).json()) as {
      choices: Array<{ finish_reason: string; message: { tool_calls: Array<{ function: { name: string } }> } }>;
    };
    expect(forced.choices[0]!.finish_reason).toBe('tool_calls');
    expect(forced.choices[0]!.message.tool_calls[0]!.function.name).toBe('get_weather');
  });

  it('streams like stream.txt: the filter-only chunk first, verdicts on text chunks, usage, [DONE]', async () => {
    const text = await (await post(deploymentChat, { ...hello, stream: true, stream_options: { include_usage: true } })).text();
    const lines = dataLines(text);
    expect(JSON.parse(lines[0]!)).toEqual(JSON.parse(dataLines(readFixture(fixtures, 'stream.txt'))[0]!));
    const chunks = lines.slice(1, -1).map((line) => JSON.parse(line) as { id: string; model: string; choices: Array<{ delta: { content?: string }; content_filter_results: Record<string, unknown> }>; usage: unknown });
    expect(chunks.every((chunk) => chunk.id.startsWith('chatcmpl-') && chunk.model === 'prod-mini')).toBe(true);
    const textChunk = chunks.find((chunk) => chunk.choices[0]?.delta.content === ' there')!;
    expect(textChunk.choices[0]!.content_filter_results).toHaveProperty('hate');
    expect(chunks[0]!.choices[0]!.content_filter_results).toEqual({});
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: expect.any(Number) });
    expect(lines.at(-1)).toBe('[DONE]');
  });

  it('marks an output-filtered answer with a filtered verdict', async () => {
    mock.enqueue({ reply: { content: 'x', finishReason: 'content_filter' } });
    const body = (await (await post(deploymentChat, hello)).json()) as { choices: Array<{ finish_reason: string; content_filter_results: { violence: unknown } }> };
    expect(body.choices[0]!.finish_reason).toBe('content_filter');
    expect(body.choices[0]!.content_filter_results.violence).toEqual({ filtered: true, severity: 'medium' });
  });

  it('embeds on both URL styles and lists models', async () => {
    const deployment = (await (await post('/openai/deployments/emb/embeddings?api-version=2024-10-21', { input: ['a', 'b'] })).json()) as { data: unknown[]; model: string };
    expect(deployment.data).toHaveLength(2);
    expect(deployment.model).toBe('emb');
    expect((await post('/openai/v1/embeddings', { model: 'emb', input: 'a' })).status).toBe(200);
    for (const path of ['/openai/models?api-version=2024-10-21', '/openai/v1/models']) {
      const list = (await (await fetch(mock.url + path, { headers: { 'api-key': apiKey } })).json()) as { data: Array<{ id: string }> };
      expect(list.data.map((model) => model.id)).toContain('gpt-4o-mini');
    }
  });
});

describe('mock Azure: scripts', () => {
  const cases = readFixtureJson<Record<string, { status: number; headers: Record<string, string>; body: unknown }>>(fixtures, 'errors.json');

  it.each(['invalid_key', 'permission_denied', 'deployment_not_found', 'rate_limit', 'server_error', 'overloaded', 'bad_request', 'content_filter_prompt', 'context_length_exceeded'] as const)(
    'acts out the %s case of errors.json',
    async (name) => {
      mock.enqueue({ error: name });
      const response = await post(deploymentChat, hello);
      expect(response.status).toBe(cases[name]!.status);
      expect(await response.json()).toEqual(cases[name]!.body);
      for (const [header, value] of Object.entries(cases[name]!.headers)) expect(response.headers.get(header)).toBe(value);
    },
  );

  it('knows content_filter as the prompt filter case', async () => {
    mock.enqueue({ error: 'content_filter' });
    const response = await post(deploymentChat, hello);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(cases['content_filter_prompt']!.body);
  });

  it('replays fixtures byte for byte', async () => {
    mock.enqueue({ fixture: 'response.json' }, { fixture: 'stream.txt', stream: { splitBytes: 5 } });
    expect(await (await post(deploymentChat, hello)).text()).toBe(readFixture(fixtures, 'response.json'));
    expect(await (await post(deploymentChat, { ...hello, stream: true })).text()).toBe(readFixture(fixtures, 'stream.txt'));
  });

  it('matches scripts on the operation, whichever URL style reaches it', async () => {
    mock.enqueue({ match: { path: '/embeddings' }, status: 418, body: { error: { code: 'teapot', message: 'no' } } });
    mock.enqueue({ match: { path: '/chat/completions' }, reply: { content: 'scripted' } });
    const chat = (await (await post('/openai/v1/chat/completions', { model: 'd', ...hello })).json()) as { choices: Array<{ message: { content: string } }> };
    expect(chat.choices[0]!.message.content).toBe('scripted');
    expect((await post('/openai/deployments/emb/embeddings?api-version=2024-10-21', { input: 'a' })).status).toBe(418);
    expect(mock.pendingScripts).toBe(0);
  });

  it('uses reply usage and headers', async () => {
    mock.enqueue({ reply: { content: 'ok', usage: { prompt_tokens: 7, completion_tokens: 3, cached_tokens: 2, reasoning_tokens: 1 } }, headers: { 'x-ms-region': 'Sweden Central' } });
    const response = await post(deploymentChat, hello);
    expect(response.headers.get('x-ms-region')).toBe('Sweden Central');
    expect(((await response.json()) as { usage: unknown }).usage).toMatchObject({
      prompt_tokens: 7,
      completion_tokens: 3,
      prompt_tokens_details: { cached_tokens: 2 },
      completion_tokens_details: { reasoning_tokens: 1 },
    });
  });

  it('ends a stream with an Azure error event after errorAfterEvents events', async () => {
    mock.enqueue({ stream: { midStreamError: true, errorAfterEvents: 2 } });
    const lines = dataLines(await (await post(deploymentChat, { ...hello, stream: true })).text());
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!)).toEqual(cases['server_error']!.body);
  });

  it('cuts a stream after cutAfterEvents events', async () => {
    mock.enqueue({ stream: { cutAfterEvents: 2 } });
    const response = await post(deploymentChat, { ...hello, stream: true });
    await expect(response.text()).rejects.toThrow();
  });

  it('delays, and counts a client that gives up on a hanging request', async () => {
    mock.enqueue({ delayMs: 30, reply: { content: 'late' } });
    const started = Date.now();
    expect((await post(deploymentChat, hello)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);

    mock.enqueue({ hang: true });
    const controller = new AbortController();
    const pending = fetch(mock.url + deploymentChat, { method: 'POST', headers: { 'api-key': apiKey }, body: JSON.stringify(hello), signal: controller.signal });
    await expect.poll(() => mock.requests.length).toBe(2);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await mock.waitForAborts(1);
    expect(mock.abortedCount).toBe(1);
  });
});
