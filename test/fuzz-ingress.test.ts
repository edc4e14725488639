import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { hostileNumber, hostileValue, mostlyValid, toJsonText } from './support/hostile-json.js';

// Property-based fuzzing of the trust boundary (issue 10): whatever body a client
// sends to the chat, embeddings or admin API, the answer is a 2xx or a 4xx in
// OpenAI's error shape, never a 5xx, and the process stays up with a bounded heap.
// Bodies are small and the run counts fixed, so the whole file takes seconds.

const runs = { chat: 400, embeddings: 250, admin: 250, arbitrary: 150 };

let gateway: TestGateway;
let dataDir: string;
let adminKeyId: string;
const statuses = new Map<string, number>();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-fuzz-'));
  gateway = await startTestGateway({
    server: { data_dir: dataDir },
    storage: { use: 'sqlite' },
    models: { fast: 'mock/echo', pair: { deployments: [{ target: 'mock/echo' }, { target: 'mock/other' }] } },
    log: { level: 'warn' },
  });
  const created = await send('POST', '/admin/keys', JSON.stringify({ name: 'fuzz target' }), 'setup');
  adminKeyId = (created.body as { key: { id: string } }).key.id;
});

afterAll(async () => {
  const summary = [...statuses.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}: ${count}`);
  const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);
  console.log(`fuzz-ingress: ${total} generated cases; by endpoint and status: ${summary.join(', ')}`);
  await gateway.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function send(method: string, route: string, text: string, label: string) {
  const response = await fetch(gateway.origin + route, {
    method,
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: text,
  });
  const body = await response.text();
  const key = `${label} ${response.status}`;
  statuses.set(key, (statuses.get(key) ?? 0) + 1);
  return { status: response.status, text: body, body: safeParse(body) };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The property itself: a 2xx, or a 4xx in OpenAI's error shape; never a 5xx. */
function expectWellAnswered(answer: { status: number; text: string; body: unknown }, sent: string) {
  const context = `sent ${sent.slice(0, 300)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, context).toBeLessThan(500);
  if (answer.status < 400) return;
  const body = answer.body as { error?: Record<string, unknown> } | undefined;
  expect(body && Object.keys(body), context).toEqual(['error']);
  expect(Object.keys(body!.error!).sort(), context).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof body!.error!['message'], context).toBe('string');
  expect(typeof body!.error!['code'], context).toBe('string');
  expect(body!.error!['param'] === null || typeof body!.error!['param'] === 'string', context).toBe(true);
}

// ---- building blocks -------------------------------------------------------

const oddString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '\u0000', '\n', 'mock/😀', '😀', 'mock/a b', '\u202e', '\\', '"', '{{[[', 'mock/echo', 'fast', 'pair'),
  fc.integer({ min: 250, max: 600 }).map((length) => `mock/${'x'.repeat(length)}`),
);

/** Any JSON-ish value, hostile numbers, odd strings and deep nesting included. */
const anything = hostileValue(oddString);

const mostly = mostlyValid(anything);

const model = mostly(fc.constantFrom('mock/echo', 'fast', 'pair', 'mock/other', 'openai/gpt-4o', 'nope'));

const message = fc.oneof(
  fc.record({ role: mostly(fc.constantFrom('user', 'system', 'developer')), content: mostly(fc.string({ maxLength: 40 })) }, { requiredKeys: ['role'] }),
  fc.record({
    role: fc.constant('user'),
    content: fc.array(
      fc.oneof(
        fc.record({ type: fc.constant('text'), text: mostly(fc.string({ maxLength: 20 })) }),
        fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: mostly(fc.constantFrom('https://example.com/a.png', 'data:image/png;base64,AAAA', 'ftp://x', 'data:bad')) }) }),
      ),
      { maxLength: 3 },
    ),
  }),
  fc.record(
    {
      role: fc.constant('assistant'),
      content: mostly(fc.option(fc.string({ maxLength: 20 }))),
      tool_calls: fc.array(fc.record({ id: mostly(fc.string({ minLength: 1, maxLength: 8 })), type: fc.constant('function'), function: fc.record({ name: mostly(fc.constantFrom('f', 'g')), arguments: mostly(fc.constantFrom('{}', '{"a":1}', 'not json')) }) }), { maxLength: 2 }),
    },
    { requiredKeys: ['role'] },
  ),
  fc.record({ role: fc.constant('tool'), tool_call_id: mostly(fc.constantFrom('call_1', '')), content: mostly(fc.string({ maxLength: 20 })) }),
  anything,
);

const tool = fc.record({
  type: mostly(fc.constant('function')),
  function: mostly(fc.record({ name: mostly(fc.constantFrom('f', 'g', 'get_weather')), description: mostly(fc.string({ maxLength: 20 })), parameters: mostly(fc.constant({ type: 'object', properties: {} })) }, { requiredKeys: ['name'] })),
});

/** Provider options for any namespace but the mock's, whose fail/latency settings act out upstream failures on purpose. */
const providerOptions = mostly(fc.dictionary(fc.constantFrom('openai', 'anthropic', 'gemini', 'custom'), anything, { maxKeys: 2 }));

/**
 * Bodies of three kinds: valid ones, valid ones with one field replaced by something
 * hostile (the field-by-field boundary), and ones where every field may be anything.
 */
function validMutatedOrChaos(valid: fc.Arbitrary<Record<string, unknown>>, chaos: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const mutated = fc.tuple(valid, chaos.filter((body) => Object.keys(body).length > 0)).chain(([body, hostile]) =>
    fc.constantFrom(...Object.keys(hostile)).map((field) => ({ ...body, [field]: hostile[field] })),
  );
  return fc.oneof({ weight: 2, arbitrary: valid }, { weight: 3, arbitrary: mutated }, { weight: 1, arbitrary: chaos });
}

const validChatBody = fc.record(
  {
    model: fc.constantFrom('mock/echo', 'fast', 'pair', 'mock/other'),
    messages: fc.array(fc.record({ role: fc.constantFrom('user', 'system'), content: fc.string({ maxLength: 40 }) }), { minLength: 1, maxLength: 3 }).map((messages) => [...messages, { role: 'user', content: 'hi' }]),
    stream: fc.boolean(),
    max_tokens: fc.integer({ min: 1, max: 1_000_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.maxSafeInteger(),
    logit_bias: fc.dictionary(fc.integer({ min: 0, max: 100_000 }).map(String), fc.integer({ min: -100, max: 100 }), { maxKeys: 3 }),
    top_logprobs: fc.integer({ min: 0, max: 20 }),
    tools: fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'g'), parameters: fc.constant({ type: 'object', properties: { city: { type: 'string' } } }) }) }), { maxLength: 2 }),
    provider_options: fc.constant({ openai: { store: false } }),
  },
  { requiredKeys: ['model', 'messages'] },
);

const chaosChatBody = fc.record(
  {
    model,
    messages: mostly(fc.array(message, { minLength: 1, maxLength: 4 })),
    stream: mostly(fc.boolean()),
    stream_options: mostly(fc.record({ include_usage: mostly(fc.boolean()) })),
    max_tokens: mostly(fc.integer({ min: 1, max: 200 })),
    max_completion_tokens: hostileNumber,
    temperature: mostly(fc.double({ min: 0, max: 2, noNaN: true })),
    top_p: hostileNumber,
    n: hostileNumber,
    presence_penalty: hostileNumber,
    frequency_penalty: hostileNumber,
    seed: hostileNumber,
    logit_bias: mostly(fc.dictionary(fc.oneof(fc.integer({ min: 0, max: 100_000 }).map(String), oddString), hostileNumber, { maxKeys: 3 })),
    logprobs: mostly(fc.boolean()),
    top_logprobs: hostileNumber,
    stop: mostly(fc.oneof(fc.string({ maxLength: 5 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }))),
    tools: mostly(fc.array(tool, { maxLength: 3 })),
    tool_choice: mostly(fc.oneof(fc.constantFrom('auto', 'none', 'required'), fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.constantFrom('f', 'g', 'missing') }) }))),
    response_format: mostly(fc.oneof(fc.record({ type: fc.constantFrom('text', 'json_object') }), fc.record({ type: fc.constant('json_schema'), json_schema: fc.record({ name: fc.constant('x'), schema: anything }) }))),
    reasoning_effort: mostly(fc.constantFrom('low', 'high', 'none')),
    metadata: mostly(fc.dictionary(fc.string({ maxLength: 70 }), fc.string({ maxLength: 20 }), { maxKeys: 18 })),
    provider_options: providerOptions,
    user: oddString,
    unknown_field: anything,
  },
  { requiredKeys: [] },
);

const chatBody = validMutatedOrChaos(validChatBody, chaosChatBody);

const validEmbeddingsBody = fc.record(
  {
    model: fc.constantFrom('mock/embed', 'fast'),
    input: fc.oneof(fc.string({ maxLength: 30 }), fc.array(fc.string({ maxLength: 10 }), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(100_000), { minLength: 1, maxLength: 4 })),
    dimensions: fc.integer({ min: 1, max: 256 }),
    encoding_format: fc.constantFrom('float', 'base64'),
  },
  { requiredKeys: ['model', 'input'] },
);

const chaosEmbeddingsBody = fc.record(
  {
    model: mostly(fc.constantFrom('mock/embed', 'mock/echo', 'fast', 'nope')),
    input: mostly(
      fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 4 }),
        fc.array(hostileNumber, { maxLength: 4 }),
        fc.array(fc.array(fc.integer({ min: -5, max: 100_000 }), { maxLength: 3 }), { maxLength: 3 }),
      ),
    ),
    dimensions: fc.oneof(fc.integer({ min: 1, max: 64 }), hostileNumber),
    encoding_format: mostly(fc.constantFrom('float', 'base64')),
    user: oddString,
    extra: anything,
  },
  { requiredKeys: [] },
);

const embeddingsBody = validMutatedOrChaos(validEmbeddingsBody, chaosEmbeddingsBody);

const scope = fc.record(
  {
    models: mostly(fc.array(oddString, { maxLength: 3 })),
    endpoints: mostly(fc.array(fc.constantFrom('chat', 'embeddings', 'models'), { maxLength: 3 })),
    max_tokens: hostileNumber,
    budget: mostly(fc.record({ limit_usd: hostileNumber, period: mostly(fc.constantFrom('daily', 'weekly', 'monthly', 'total')), alert_threshold: hostileNumber }, { requiredKeys: ['limit_usd'] })),
    rpm: hostileNumber,
    tpm: hostileNumber,
    expires_at: mostly(fc.constantFrom('2030-01-01', '2030-01-01T00:00:00Z', '1999-01-01', '+275760-09-13T00:00:00Z', 'tomorrow')),
    expires_in: mostly(fc.oneof(fc.constantFrom('30d', '12h', '9999999999w', '0', '1h30m'), hostileNumber)),
  },
  { requiredKeys: [] },
);

const validKeyBody = fc.record(
  {
    name: fc.string({ minLength: 1, maxLength: 20 }),
    team: fc.constantFrom('research', 'ops'),
    tags: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
    scope: fc.record(
      {
        models: fc.array(fc.constantFrom('mock/*', 'fast'), { maxLength: 2 }),
        max_tokens: fc.integer({ min: 1, max: 1_000_000 }),
        budget: fc.record({ limit_usd: fc.double({ min: 0, max: 1000, noNaN: true }), period: fc.constantFrom('daily', 'total') }),
        rpm: fc.integer({ min: 1, max: 10_000 }),
        expires_in: fc.constantFrom('30d', '12h', 600),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['name'] },
);

const chaosKeyBody = fc.record(
  { name: mostly(fc.string({ minLength: 1, maxLength: 20 })), team: oddString, project: oddString, tags: mostly(fc.array(oddString, { maxLength: 3 })), scope: mostly(scope), disabled: mostly(fc.boolean()), extra: anything },
  { requiredKeys: [] },
);

const keyBody = validMutatedOrChaos(validKeyBody, chaosKeyBody);

const adminCall = fc.oneof(
  keyBody.map((body) => ({ method: 'POST', route: () => '/admin/keys', body })),
  keyBody.map((body) => ({ method: 'PATCH', route: () => `/admin/keys/${adminKeyId}`, body })),
  fc.record({ grace_period: mostly(fc.oneof(fc.constantFrom('10m', '2d', '9999999999d'), hostileNumber)), extra: anything }, { requiredKeys: [] }).map((body) => ({
    method: 'POST',
    route: () => `/admin/keys/${adminKeyId}/rotate`,
    body,
  })),
);

// ---- the properties --------------------------------------------------------

describe('fuzzing the trust boundary: never a 5xx, always OpenAI-shaped errors', () => {
  let heapBefore = 0;

  it(`chat completions: ${runs.chat} generated bodies`, async () => {
    heapBefore = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(chatBody, async (body) => {
        const text = toJsonText(body);
        expectWellAnswered(await send('POST', '/v1/chat/completions', text, 'chat'), text);
      }),
      { numRuns: runs.chat },
    );
  });

  it(`embeddings: ${runs.embeddings} generated bodies`, async () => {
    await fc.assert(
      fc.asyncProperty(embeddingsBody, async (body) => {
        const text = toJsonText(body);
        expectWellAnswered(await send('POST', '/v1/embeddings', text, 'embeddings'), text);
      }),
      { numRuns: runs.embeddings },
    );
  });

  it(`admin API: ${runs.admin} generated bodies (create, update, rotate)`, async () => {
    await fc.assert(
      fc.asyncProperty(adminCall, async ({ method, route, body }) => {
        const text = toJsonText(body);
        expectWellAnswered(await send(method, route(), text, 'admin'), text);
      }),
      { numRuns: runs.admin },
    );
  });

  it(`arbitrary JSON to every endpoint: ${runs.arbitrary} generated bodies`, async () => {
    const routes = ['/v1/chat/completions', '/v1/embeddings', '/admin/keys'] as const;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json({ maxDepth: 4 }), anything.map(toJsonText)), fc.constantFrom(...routes), async (text, route) => {
        expectWellAnswered(await send('POST', route, text, 'arbitrary'), text);
      }),
      { numRuns: runs.arbitrary },
    );
  });

  it('the server is still up and its heap bounded after the run', async () => {
    const health = await fetch(`${gateway.origin}/health`);
    expect(health.status).toBe(200);
    expect((await health.text()).length).toBeLessThan(16_000);
    const grown = process.memoryUsage().heapUsed - heapBefore;
    console.log(`fuzz-ingress: heap grew ${(grown / 1024 / 1024).toFixed(1)} MB over the run`);
    // Generous: the test process holds the gateway, vitest and fast-check; what must
    // not happen is per-request state that grows with what clients send.
    expect(grown).toBeLessThan(200 * 1024 * 1024);
  });
});
