import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// Issue 10, "The trust boundary": what one hostile body used to do to the process
// (crash it, block it, grow it, 500), each answered now with a 400 naming the field.

let gateway: TestGateway;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-trust-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir, body_limit: '8mb' },
    storage: { use: 'sqlite' },
    limits: { max_messages: 50 },
    providers: { mock: { models: ['echo', 'listed'] } },
    models: { fast: 'mock/echo' },
  });
});
afterAll(async () => {
  await gateway.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  headers: Headers;
  body: { error?: { message: string; type: string; code: string; param: string | null } } & Record<string, unknown>;
}

/** POSTs raw JSON text, so numbers such as 1e309 reach the gateway as written. */
async function post(route: string, text: string, key = masterKey): Promise<Answer> {
  const response = await fetch(gateway.origin + route, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: text,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

const chatBody = (extra: string) => `{"model":"mock/echo","messages":[{"role":"user","content":"hi"}]${extra}}`;
const embedBody = (extra: string) => `{"model":"mock/embed","input":"x"${extra}}`;

function expectInvalid(answer: Answer, param: string | null) {
  expect(answer.status).toBe(400);
  expect(Object.keys(answer.body)).toEqual(['error']);
  expect(answer.body.error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_request', param });
}

/** The process is alive and still answers: a plain request succeeds. */
async function expectStillServing() {
  const answer = await post('/v1/embeddings', embedBody(''));
  expect(answer.status).toBe(200);
}

describe('1. one embeddings request no longer kills the process', () => {
  it.each([['1e309'], ['9007199254740993'], ['30000000'], ['-1e309'], ['65537']])('dimensions %s → 400 naming dimensions', async (dimensions) => {
    expectInvalid(await post('/v1/embeddings', embedBody(`,"dimensions":${dimensions}`)), 'dimensions');
    await expectStillServing();
  });

  it('the largest dimensions allowed (65,536) is served by the mock', async () => {
    const answer = await post('/v1/embeddings', embedBody(',"dimensions":65536'));
    expect(answer.status).toBe(200);
    expect((answer.body['data'] as Array<{ embedding: number[] }>)[0]!.embedding).toHaveLength(65_536);
  });
});

describe('2. non-finite and absurd numbers are refused with a 400 naming the field', () => {
  it.each([
    ['max_tokens', '1e309'],
    ['max_tokens', '1000001'],
    ['max_completion_tokens', '1e309'],
    ['temperature', '1e309'],
    ['temperature', '2.5'],
    ['top_p', '-0.1'],
    ['presence_penalty', '3'],
    ['frequency_penalty', '-1e309'],
    ['seed', '9007199254740993'],
    ['n', '2'],
    ['top_logprobs', '21'],
  ])('%s: %s', async (field, value) => {
    expectInvalid(await post('/v1/chat/completions', chatBody(`,"${field}":${value}`)), field);
  });

  it('user and a message name: at most 256 characters, as on the Responses and Messages ingresses', async () => {
    const long = JSON.stringify('u'.repeat(257));
    expectInvalid(await post('/v1/chat/completions', chatBody(`,"user":${long}`)), 'user');
    expectInvalid(await post('/v1/embeddings', embedBody(`,"user":${long}`)), 'user');
    expectInvalid(await post('/v1/chat/completions', `{"model":"mock/echo","messages":[{"role":"user","content":"hi","name":${long}}]}`), 'messages[0].name');
    const fits = JSON.stringify('u'.repeat(256));
    expect((await post('/v1/chat/completions', chatBody(`,"user":${fits}`))).status).toBe(200);
    expect((await post('/v1/embeddings', embedBody(`,"user":${fits}`))).status).toBe(200);
  });

  describe('tool call ids and called tool names in the history: ids up to 65,536 characters (room for a Gemini thought signature), names up to 128, on every ingress (docs/limits.md)', () => {
    // Each body with one id or name of `length` characters at the place named; the Anthropic error shape carries no param, so its message names it.
    const chatHistory = (id: string, name: string, toolCallId: string) => JSON.stringify({
      model: 'mock/echo',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name, arguments: '{}' } }] },
        { role: 'tool', tool_call_id: toolCallId, content: 'sunny' },
      ],
    });
    const messagesHistory = (id: string, name: string, toolUseId: string) => JSON.stringify({
      model: 'mock/echo',
      max_tokens: 10,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'tool_use', id, name, input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: 'sunny' }] },
      ],
    });
    const responsesHistory = (id: string, name: string, outputId: string) => JSON.stringify({
      model: 'mock/echo',
      input: [
        { role: 'user', content: 'hi' },
        { type: 'function_call', call_id: id, name, arguments: '{}' },
        { type: 'function_call_output', call_id: outputId, output: 'sunny' },
      ],
    });
    const ok = 'call_1';
    const cases = ([
      ['chat', '/v1/chat/completions', (value) => chatHistory(value, 'f', ok), 'messages[1].tool_calls[0].id', 65_536],
      ['chat', '/v1/chat/completions', (value) => chatHistory(ok, value, ok), 'messages[1].tool_calls[0].function.name', 128],
      ['chat', '/v1/chat/completions', (value) => chatHistory(ok, 'f', value), 'messages[2].tool_call_id', 65_536],
      ['messages', '/v1/messages', (value) => messagesHistory(value, 'f', ok), 'messages[1].content[0].id', 65_536],
      ['messages', '/v1/messages', (value) => messagesHistory(ok, value, ok), 'messages[1].content[0].name', 128],
      ['messages', '/v1/messages', (value) => messagesHistory(ok, 'f', value), 'messages[2].content[0].tool_use_id', 65_536],
      ['responses', '/v1/responses', (value) => responsesHistory(value, 'f', ok), 'input[1].call_id', 65_536],
      ['responses', '/v1/responses', (value) => responsesHistory(ok, value, ok), 'input[1].name', 128],
      ['responses', '/v1/responses', (value) => responsesHistory(ok, 'f', value), 'input[2].call_id', 65_536],
    ] satisfies Array<[string, string, (value: string) => string, string, number]>).map(([dialect, route, body, param, bound]) => ({ dialect, route, body, param, bound }));

    it.each(cases)('$dialect: $param past its bound ($bound) → 400 naming it, the value not echoed; at the bound → 200', async ({ dialect, route, body, param, bound }) => {
      const long = await post(route, body('q'.repeat(100_000)));
      expect(long.status).toBe(400);
      if (dialect === 'messages') expect(long.body.error!.message).toContain(`'${param}'`);
      else expectInvalid(long, param);
      expect(JSON.stringify(long.body)).not.toContain('qqqq');
      expect((await post(route, body('q'.repeat(bound + 1)))).status).toBe(400);
      expect((await post(route, body('q'.repeat(bound)))).status).toBe(200);
    });
  });

  it('logit_bias: values within −100..100, keys token ids', async () => {
    expectInvalid(await post('/v1/chat/completions', chatBody(',"logit_bias":{"50256":101}')), 'logit_bias[50256]');
    expectInvalid(await post('/v1/chat/completions', chatBody(',"logit_bias":{"50256":1e309}')), 'logit_bias[50256]');
    // A key that is no token id is named itself (at most 200 characters of it, see shownParam).
    expectInvalid(await post('/v1/chat/completions', chatBody(',"logit_bias":{"not-a-token":1}')), 'logit_bias.not-a-token');
    expect((await post('/v1/chat/completions', chatBody(',"logit_bias":{"50256":-100}'))).status).toBe(200);
  });

  it('a non-finite number anywhere (unknown fields, provider_options, tool schemas) → 400 naming where', async () => {
    expectInvalid(await post('/v1/chat/completions', chatBody(',"custom":{"deep":[1,2,1e309]}')), 'custom.deep[2]');
    expectInvalid(await post('/v1/chat/completions', chatBody(',"provider_options":{"openai":{"x":-1e400}}')), 'provider_options.openai.x');
  });

  it('a key with a $0.05 budget cannot send max_tokens 1e309 to reserve nothing', async () => {
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'tiny', scope: { budget: { limit_usd: 0.05, period: 'total' } } }),
    });
    const { secret } = (await created.json()) as { secret: string };
    expectInvalid(await post('/v1/chat/completions', chatBody(',"max_tokens":1e309'), secret), 'max_tokens');
    expectInvalid(await post('/v1/chat/completions', chatBody(',"max_completion_tokens":1e309'), secret), 'max_completion_tokens');
    expect((await post('/v1/chat/completions', chatBody(',"max_tokens":5'), secret)).status).toBe(200);
  });
});

describe('5. model names are bounded at ingress and safe in headers', () => {
  it('mock/😀 → 400, not a 500 from the x-switchyard-model header', async () => {
    const chat = await post('/v1/chat/completions', JSON.stringify({ model: 'mock/😀', messages: [{ role: 'user', content: 'hi' }] }));
    expectInvalid(chat, 'model');
    expectInvalid(await post('/v1/embeddings', JSON.stringify({ model: 'mock/😀', input: 'x' })), 'model');
  });

  it.each([['a space', 'mock/a b'], ['a control character', 'mock/a\u0001b'], ['a newline', 'mock/a\nb']])('a name with %s → 400', async (_what, model) => {
    expectInvalid(await post('/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] })), 'model');
  });

  it('a 4 MB model name → 400 that does not echo it', async () => {
    const model = `mock/${'x'.repeat(4_000_000)}`;
    const answer = await post('/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }));
    expectInvalid(answer, 'model');
    expect(answer.body.error!.message.length).toBeLessThan(300);
    expectInvalid(await post('/v1/embeddings', JSON.stringify({ model, input: 'x' })), 'model');
  });

  it('a 100,000-character tool_choice name → 400 that does not echo it', async () => {
    const tools = ',"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]';
    const answer = await post('/v1/chat/completions', chatBody(`${tools},"tool_choice":{"type":"function","function":{"name":"${'x'.repeat(100_000)}"}}`));
    expectInvalid(answer, 'tool_choice.function.name');
    expect(JSON.stringify(answer.body).length).toBeLessThan(1000);
    // A name a tool could have, that no tool has, is still named.
    const missing = await post('/v1/chat/completions', chatBody(`${tools},"tool_choice":{"type":"function","function":{"name":"missing"}}`));
    expectInvalid(missing, 'tool_choice.function.name');
    expect(missing.body.error!.message).toContain("'missing'");
  });

  it('a tool_choice name that no tool could have → 400 that does not echo it, on the Messages and Responses ingresses too', async () => {
    const long = 'x'.repeat(100_000);
    const messages = await post('/v1/messages', JSON.stringify({ model: 'mock/echo', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'tool', name: long } }));
    const responses = await post('/v1/responses', JSON.stringify({ model: 'mock/echo', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }], tool_choice: { type: 'function', name: long } }));
    const spaced = await post('/v1/responses', JSON.stringify({ model: 'mock/echo', input: 'hi', tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }], tool_choice: { type: 'function', name: '<b>not a name</b>' } }));
    for (const answer of [messages, responses, spaced]) {
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).not.toContain('xxxx');
      expect(JSON.stringify(answer.body)).not.toContain('<b>');
    }
    expectInvalid(responses, 'tool_choice.name');
  });

  it('a name at the length limit is served and named in the routing headers', async () => {
    const model = `mock/${'m'.repeat(251)}`;
    expect(model).toHaveLength(256);
    const answer = await post('/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }));
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-switchyard-model')).toBe(model);
    expect(answer.headers.get('x-switchyard-route')).toBe(model);
    expectInvalid(await post('/v1/chat/completions', JSON.stringify({ model: `${model}m`, messages: [{ role: 'user', content: 'hi' }] })), 'model');
  });

  it('1,000 distinct unknown model names: the breakers stay bounded and /health small', async () => {
    const names = Array.from({ length: 1000 }, (_, index) => `mock/made-up-${index}-${'z'.repeat(200)}`);
    for (let start = 0; start < names.length; start += 25) {
      const answers = await Promise.all(
        names.slice(start, start + 25).map((model) => post('/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }))),
      );
      for (const answer of answers) expect(answer.status).toBe(200);
    }
    const response = await fetch(`${gateway.origin}/health`);
    const text = await response.text();
    const section = (JSON.parse(text) as { checks: { circuit_breakers: { breakers: Record<string, unknown>; unlisted?: Record<string, number> } } }).checks.circuit_breakers;
    // Only known deployments are named; the unlisted pool (default bound 32) is counted by state.
    expect(Object.keys(section.breakers).filter((name) => name.includes('made-up'))).toEqual([]);
    expect(section.unlisted).toEqual({ closed: 32, open: 0, 'half-open': 0 });
    expect(text).not.toContain('made-up');
    expect(text.length).toBeLessThan(16_000);
    console.log(`/health after 1,000 unknown model names: ${text.length} bytes, ${Object.keys(section.breakers).length} named breakers`);
  });

  it("GET /health needs no key, so it names no model a client made up: another tenant's model name, or text posted as one, is counted, not shown", async () => {
    const tenantsModel = 'mock/acme-merger-codename-bluebird';
    const posted = 'mock/visit-evil.example-for-free-credits';
    for (const model of [tenantsModel, posted]) {
      expect((await post('/v1/chat/completions', JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
    }
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
    const response = await fetch(`${gateway.origin}/health`);
    const text = await response.text();
    expect(text).not.toContain('bluebird');
    expect(text).not.toContain('evil.example');
    const section = (JSON.parse(text) as { checks: { circuit_breakers: { breakers: Record<string, { state: string }>; unlisted?: Record<string, number> } } }).checks.circuit_breakers;
    // The configured deployment is still named, with its state; the made-up ones are counted.
    expect(section.breakers['mock/echo']).toMatchObject({ state: 'closed' });
    expect(section.unlisted!.closed).toBeGreaterThanOrEqual(2);
  });

  it('configured and listed deployments keep their breakers however many made-up names come after them', async () => {
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
    // Listing fills the catalog the breakers consult; mock/listed is then known.
    expect((await fetch(`${gateway.origin}/v1/models`, { headers: { authorization: `Bearer ${masterKey}` } })).status).toBe(200);
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'mock/listed', messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
    for (let index = 0; index < 100; index++) {
      await post('/v1/chat/completions', JSON.stringify({ model: `mock/other-${index}`, messages: [{ role: 'user', content: 'hi' }] }));
    }
    const health = (await (await fetch(`${gateway.origin}/health`)).json()) as { checks: { circuit_breakers: { breakers: Record<string, unknown> } } };
    expect(Object.keys(health.checks.circuit_breakers.breakers)).toEqual(expect.arrayContaining(['mock/echo', 'mock/listed']));
  });
});

describe('6. deep nesting is refused at body parse', () => {
  const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  it.each([
    ['provider_options', (nested: string) => chatBody(`,"provider_options":{"openai":${nested}}`)],
    ['a tool’s parameters', (nested: string) => chatBody(`,"tools":[{"type":"function","function":{"name":"f","parameters":${nested}}}]`)],
    ['an unknown field', (nested: string) => chatBody(`,"unknown":${nested}`)],
    ['an array in an unknown field', () => chatBody(`,"unknown":${'['.repeat(10_000)}${']'.repeat(10_000)}`)],
  ])('10,000 levels in %s → 400 naming the limit', async (_where, body) => {
    const answer = await post('/v1/chat/completions', body(deep(10_000)));
    expectInvalid(answer, null);
    expect(answer.body.error!.message).toContain('limits.max_json_depth');
    await expectStillServing();
  });

  it('brackets inside strings do not count as nesting', async () => {
    const content = `${'['.repeat(5000)}"\\"{{{`;
    const answer = await post('/v1/chat/completions', JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content }] }));
    expect(answer.status).toBe(200);
  });

  it('nesting up to the limit (64) is accepted', async () => {
    // The body itself and provider_options.openai are two levels.
    const answer = await post('/v1/chat/completions', chatBody(`,"provider_options":{"openai":{"x":${deep(61)}}}`));
    expect(answer.status).toBe(200);
    expectInvalid(await post('/v1/chat/completions', chatBody(`,"provider_options":{"openai":{"x":${deep(62)}}}`)), null);
  });

  it('embeddings bodies are bounded the same way', async () => {
    expectInvalid(await post('/v1/embeddings', embedBody(`,"extra":${deep(10_000)}`)), null);
  });
});

describe('limits.max_json_keys: a body of very many keys is refused before it is parsed', () => {
  // Small objects whose keys come in shuffled orders make V8 build a hidden class for
  // each: 4 MB of them held the event loop ~3 s in JSON.parse, from any valid key.
  const shuffledObjects = (count: number) => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    return Array.from({ length: count }, (_, index) => `{${names.map((name, at) => `"${names[(at + index) % 8]}${index % 7}":1`).join(',')}}`).join(',');
  };

  it('more keys than the default 50,000, in an unknown field → 400 naming the limit; the gateway still serves', async () => {
    const answer = await post('/v1/chat/completions', chatBody(`,"unknown":[${shuffledObjects(6_300)}]`));
    expectInvalid(answer, null);
    expect(answer.body.error!.message).toBe('The request body has more object keys than the limit of 50000 (limits.max_json_keys).');
    await expectStillServing();
  });

  it('the same in provider_options.mock (the built-in provider explained every one of 300,000 unknown keys for 22 s)', async () => {
    const keys = Array.from({ length: 50_001 }, (_, index) => `"k${index}":1`).join(',');
    expectInvalid(await post('/v1/chat/completions', chatBody(`,"provider_options":{"mock":{${keys}}}`)), null);
  });

  it('colons inside strings are not keys, and a body just under the limit is read', async () => {
    const content = ':'.repeat(60_000) + '\\":"';
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content }] }))).status).toBe(200);
    // The body’s own keys (model, messages, role, content, unknown) and 6,249 objects of 8: 49,997.
    const answer = await post('/v1/chat/completions', chatBody(`,"unknown":[${shuffledObjects(6_249)}]`));
    expect(answer.status).toBe(200);
  });
});

describe('limits.max_messages', () => {
  it('more messages than the limit → 400 naming messages', async () => {
    const messages = Array.from({ length: 51 }, () => ({ role: 'user', content: 'hi' }));
    const answer = await post('/v1/chat/completions', JSON.stringify({ model: 'mock/echo', messages }));
    expectInvalid(answer, 'messages');
    expect(answer.body.error!.message).toContain('limits.max_messages');
    expect((await post('/v1/chat/completions', JSON.stringify({ model: 'mock/echo', messages: messages.slice(1) }))).status).toBe(200);
  });
});
