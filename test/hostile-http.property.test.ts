import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { startMockAnthropic, startMockOpenAI, type MockAnthropic, type MockOpenAI } from '@switchyard/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonText } from './support/hostile-json.js';
import { gatewaySeries } from './support/gateway-series.js';
import { hostileJsonText } from './support/hostile-json-text.js';
import { mutatedText, pathsOf, type Mutation } from './support/mutate-json.js';
import { sendRawRequest, type RawAnswer as Answer, type RawRequest as Sent } from './support/raw-http-request.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Hostile HTTP, surface by surface, against one real gateway (sqlite storage, the full
 * chain with the cache; the mock provider and OpenAI's and Anthropic's mocks, whose
 * fast paths send the client's body on) on every public route (chat completions,
 * embeddings, responses, messages, count_tokens, models, health, metrics, /v1/me) and
 * every admin one (keys, usage, requests, audit, and the dashboard's API over them):
 * - bodies: a rich valid body with any one node replaced, deleted, wrapped in an array,
 *   turned from object to array, repeated as a duplicate key or given __proto__ /
 *   constructor siblings; odd numbers (1e309, -0, 2^53 + 1, numbers as strings), deep
 *   nesting, lone surrogates, invalid UTF-8, no JSON, gzip / deflate / br / unknown
 *   codings (compressed for real), charsets, chunked, past the body limit;
 * - query strings: repeated parameters (arrays in Express), brackets, odd numbers and dates;
 * - headers: repeated or oddly spelled Authorization, x-switchyard-* and other headers
 *   the gateway reads, with values carrying a marker.
 * After every generated request:
 * - the answer is below 500 and an error is in its surface's shape (Anthropic's on
 *   /v1/messages, OpenAI's elsewhere); a stream ends with its dialect's last event;
 * - no marked header value reached an answer header, a log line or /metrics;
 * - no secret is in the answer;
 * - Object.prototype and Array.prototype are as they were (no pollution in-process);
 * and after each property the gateway still answers a good request. Made-up names
 * (models, paths, filters, header values) add no series once each kind has been seen.
 * Run counts are modest and the seed fixed: FUZZ_SEED and FUZZ_SCALE (a multiplier
 * of every run count) are for a long local hunt.
 */
const seed = Number(process.env['FUZZ_SEED'] ?? 20261206);
/** FUZZ_SCALE multiplies every run count, for a long local hunt. */
const scale = Number(process.env['FUZZ_SCALE'] ?? 1);
const statuses = new Map<string, number>();

let gateway: TestGateway;
let dataDir: string;
let openAIUpstream: MockOpenAI;
let anthropicUpstream: MockAnthropic;
const openAIKey = 'sk-proj-HostileHttpUpstream0123456789';
const anthropicKey = 'sk-ant-api03-HostileHttpUpstream0123456789';
let keyId: string;
/** A second key's secret, never changed by the run: `@v` in a generated header. */
let virtualKey: string;
/** A stored response of the master key's, so its input_items are read with hostile pages. */
let responseId: string;
/** A dashboard session of the master key, for the dashboard's API routes. */
let adminCookie: string;
/** A dashboard session of the caller's virtual key, for the self view. */
let selfCookie: string;
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
const arrayPrototypeNames = Object.getOwnPropertyNames(Array.prototype).sort();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-hostile-http-'));
  // OpenAI's and Anthropic's mocks behind their own dialects: the fast paths send the client's body on.
  openAIUpstream = await startMockOpenAI({ apiKey: openAIKey });
  anthropicUpstream = await startMockAnthropic({ apiKey: anthropicKey });
  gateway = await startTestGateway(
    {
      server: { data_dir: dataDir },
      storage: { use: 'sqlite' },
      providers: {
        mock: { models: ['echo', 'embed'] },
        openai: { api_key: openAIKey, base_url: openAIUpstream.url },
        anthropic: { api_key: anthropicKey, base_url: anthropicUpstream.url },
      },
      models: { fast: 'mock/echo' },
      chain: ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', 'cache', 'route', 'adapter'],
      log: { level: 'info' },
    },
    { serverLimits: true },
  );
  const created = await send({ method: 'POST', path: '/admin/keys', headers: [['authorization', `Bearer ${masterKey}`], ['content-type', 'application/json']], body: Buffer.from('{"name":"hostile-http","team":"t1"}') });
  keyId = (JSON.parse(created.text) as { key: { id: string } }).key.id;
  const caller = await send({ method: 'POST', path: '/admin/keys', headers: [['authorization', `Bearer ${masterKey}`], ['content-type', 'application/json']], body: Buffer.from('{"name":"caller","scope":{"rpm":100000,"budget":{"limit_usd":1000}}}') });
  virtualKey = (JSON.parse(caller.text) as { secret: string }).secret;
  const stored = await send({ method: 'POST', path: '/v1/responses', headers: [['authorization', `Bearer ${masterKey}`], ['content-type', 'application/json']], body: Buffer.from('{"model":"mock/echo","input":[{"role":"user","content":"one"},{"role":"user","content":"two"}],"store":true}') });
  responseId = (JSON.parse(stored.text) as { id: string }).id;
  const login = await send({ method: 'POST', path: '/dashboard/api/session', headers: [['content-type', 'application/json'], ['x-switchyard-dashboard', '1']], body: Buffer.from(JSON.stringify({ key: masterKey })) });
  adminCookie = String(login.headers['set-cookie']).split(';')[0]!;
  const selfLogin = await send({ method: 'POST', path: '/dashboard/api/session', headers: [['content-type', 'application/json'], ['x-switchyard-dashboard', '1']], body: Buffer.from(JSON.stringify({ key: virtualKey })) });
  selfCookie = String(selfLogin.headers['set-cookie']).split(';')[0]!;
});

afterAll(async () => {
  console.log(`hostile-http: seed ${seed}; upstream calls: openai ${openAIUpstream?.requests.length}, anthropic ${anthropicUpstream?.requests.length}; by route and status: ${[...statuses].sort().map(([key, count]) => `${key} ${count}`).join(', ')}`);
  await gateway?.close();
  await openAIUpstream?.close();
  await anthropicUpstream?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

// ---- sending -----------------------------------------------------------------

const send = (sent: Sent): Promise<Answer> => sendRawRequest(gateway.origin, sent);

// ---- what may be sent ---------------------------------------------------------------

/** Marks a hostile header value, so it can be looked for wherever it must not arrive. */
const marker = 'HOSTILE7q';

const loneSurrogate = fc.constantFrom('"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"', '"\\u0000"', '"\\uD83D"');
const oddStringText = fc.oneof(
  fc.string({ maxLength: 16 }).map((text) => JSON.stringify(text)),
  fc.string({ unit: 'binary', maxLength: 16 }).map((text) => JSON.stringify(text)),
  loneSurrogate,
  fc.constantFrom('"__proto__"', '"constructor"', '"mock/\\u0000"', '"mock/\\r\\nx-evil: 1"', '"\\u202e"', '"mock/😀"', '""', '"mock/echo"', '"fast"'),
  fc.integer({ min: 2_000, max: 70_000 }).map((length) => JSON.stringify('s'.repeat(length))),
);
/** JSON text of any hostile kind. */
const hostileJson = hostileJsonText(['model', 'messages', 'input', 'role', 'content', 'type', 'text', '__proto__', 'constructor', 'x'], oddStringText);

const textContent = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('hi', 'data: [DONE]\n\n', '</script>', '\u2028'));

/** The mock, an alias of it, and OpenAI's and Anthropic's mocks, each of which has a fast path for its own dialect. */
const chatModel = fc.constantFrom('mock/echo', 'fast', 'openai/gpt-4o-mini', 'anthropic/claude-sonnet-4-5');

/** A valid body for each model route, as an object whose fields can be swapped. */
const validBodies = {
  '/v1/chat/completions': fc.record({ model: chatModel, messages: fc.constant([{ role: 'user', content: 'hi' }]), stream: fc.boolean(), max_tokens: fc.integer({ min: 1, max: 64 }), temperature: fc.constant(0.5), n: fc.constant(1), stream_options: fc.constant({ include_usage: true }), user: textContent }, { requiredKeys: ['model', 'messages'] }),
  '/v1/embeddings': fc.record({ model: fc.constantFrom('mock/embed', 'openai/text-embedding-3-small'), input: fc.oneof(textContent, fc.array(textContent, { minLength: 1, maxLength: 3 })), dimensions: fc.integer({ min: 1, max: 16 }), encoding_format: fc.constantFrom('float', 'base64') }, { requiredKeys: ['model', 'input'] }),
  '/v1/responses': fc.record({ model: chatModel, input: fc.oneof(textContent, fc.constant([{ role: 'user', content: 'hi' }])), instructions: textContent, stream: fc.boolean(), max_output_tokens: fc.integer({ min: 16, max: 64 }), store: fc.boolean() }, { requiredKeys: ['model', 'input'] }),
  '/v1/messages': fc.record({ model: chatModel, max_tokens: fc.integer({ min: 1, max: 64 }), messages: fc.constant([{ role: 'user', content: 'hi' }]), system: textContent, stream: fc.boolean(), temperature: fc.constant(0.5) }, { requiredKeys: ['model', 'max_tokens', 'messages'] }),
  '/v1/messages/count_tokens': fc.record({ model: chatModel, messages: fc.constant([{ role: 'user', content: 'hi' }]), system: textContent }, { requiredKeys: ['model', 'messages'] }),
} as const;
type ModelRoute = keyof typeof validBodies;
const modelRoutes = Object.keys(validBodies) as ModelRoute[];

/** JSON text of a valid body with fields swapped for hostile JSON, a repeated key, or a key of the prototype's. */
function mutatedBody(route: ModelRoute): fc.Arbitrary<string> {
  return fc
    .tuple(
      validBodies[route] as fc.Arbitrary<Record<string, unknown>>,
      fc.array(fc.tuple(fc.constantFrom('model', 'messages', 'input', 'max_tokens', 'stream', 'system', 'dimensions', 'encoding_format', 'instructions', 'temperature', 'n', 'stream_options', 'tools', 'metadata', 'provider_options', '__proto__', 'constructor', 'prototype'), hostileJson), { maxLength: 2 }),
      fc.constantFrom('swap', 'swap', 'append-duplicate', 'nested-message'),
    )
    .map(([body, swaps, how]) => {
      const entries: Array<[string, string]> = Object.entries(body).map(([key, value]) => [key, toJsonText(value)]);
      for (const [key, value] of swaps) {
        const index = entries.findIndex(([name]) => name === key);
        if (how === 'append-duplicate' || index === -1) entries.push([key, value]);
        else if (how === 'nested-message' && key === 'messages') entries[index] = [key, `[{"role":"user","content":${value}}]`];
        else entries[index] = [key, value];
      }
      return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
    });
}

/** Bytes that are no JSON object, or nothing at all. */
const notJsonBody = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom('', '{', 'null', '[]', '"x"', '1e309', '{"a":1}x', '\ufeff{}', 'a=b', '{"model":"mock/echo","messages":[{"role":"user","content":"\xff\xfe"}]}').map((text) => Buffer.from(text, 'latin1')),
  // Invalid UTF-8 inside a string of an otherwise valid body.
  fc.constant(Buffer.concat([Buffer.from('{"model":"mock/echo","max_tokens":8,"messages":[{"role":"user","content":"a'), Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80, 0xff]), Buffer.from('"}]}')])),
  // Past the body limit.
  fc.integer({ min: 5_000_000, max: 6_000_000 }).map((length) => Buffer.from(`{"model":"mock/echo","messages":[{"role":"user","content":"${'z'.repeat(length)}"}]}`)),
);

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.constantFrom(
    'application/json; charset=utf-8', 'application/json; charset=UTF8', 'application/json; charset="utf-8"', 'application/json; charset=utf-16le',
    'application/json; charset=latin1', 'application/json; charset=', 'application/json; charset=x;charset=y', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=b', 'application/octet-stream', 'application/vnd.api+json', '*/*', ';', `application/json; ${marker}=\u00ff`,
  ) },
);

const contentEncoding = fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('gzip', 'br', 'deflate', 'x-unknown', 'identity', 'gzip, identity', `${marker} \u00e9`) });

/** Header values that must go nowhere: each carries the marker and a character no request id may hold. */
const hostileHeaderValue = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).map((text) => `${marker}! ${text.replace(/[^\x20-\x7e]/g, '')}`),
  fc.string({ unit: 'binary', maxLength: 8 }).map((text) => `${marker}\u00e9${Buffer.from(text, 'utf8').toString('latin1').replace(/[\x00-\x1f\x7f]/g, '')}`),
  fc.constantFrom(`${marker} 1e309`, `${marker} -1`, `${marker}/../../etc`, `${marker} __proto__`, `${marker} ${'h'.repeat(6000)}`),
);
/** The gateway's request headers and some it may read, each with a hostile value, or a plain odd one. */
const gatewayHeader = fc.tuple(
  fc.constantFrom('x-switchyard-cache', 'x-switchyard-cache-ttl', 'x-switchyard-dashboard', 'x-switchyard-model', 'x-switchyard-route', 'x-switchyard-provider', 'x-switchyard-cost', 'x-switchyard-path', 'x-request-id', 'anthropic-version', 'anthropic-beta', 'cache-control', 'x-forwarded-for', 'x-api-key', 'traceparent', 'tracestate', 'baggage'),
  fc.oneof({ weight: 3, arbitrary: hostileHeaderValue }, { weight: 1, arbitrary: fc.constantFrom('1e309', '-1', 'NaN', '99999999999', '0', 'no-store', 'max-age=1e309', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01') }),
);

/** Authorization, right or wrong, repeated or oddly spelled; `@k` stands for the master key. */
const authorization = fc.oneof(
  { weight: 9, arbitrary: fc.constant([['authorization', 'Bearer @k']] as Array<[string, string]>) },
  { weight: 3, arbitrary: fc.constant([['authorization', 'Bearer @v']] as Array<[string, string]>) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Array<[string, string]>>(
      [],
      [['authorization', 'bearer @k']],
      [['authorization', 'BEARER   @k   ']],
      [['authorization', 'Bearer\t@k']],
      [['authorization', 'Bearer @k'], ['authorization', 'Bearer nope-0123456789abcdef']],
      [['authorization', 'Bearer nope-0123456789abcdef'], ['authorization', 'Bearer @k']],
      [['authorization', 'Bearer @k, Bearer @k']],
      [['authorization', 'Bearer']],
      [['authorization', 'Bearer ']],
      [['authorization', 'Basic @k']],
      [['authorization', 'Bearer @k @k']],
      [['authorization', `Bearer ${'k'.repeat(9000)}`]],
      [['authorization', 'Bearer \u00ff\u00e9\u00e0']],
      [['authorization', `Bearer ${marker}\u00e9`]],
      [['x-api-key', '@k'], ['authorization', 'Bearer nope-0123456789abcdef']],
      [['x-api-key', '@k'], ['x-api-key', '@k']],
      [['authorization', 'Bearer @k'], ['x-api-key', 'nope-0123456789abcdef']],
      [['authorization', 'Bearer @v'], ['authorization', 'Bearer @k']],
      [['x-api-key', '@v'], ['authorization', 'Bearer @k']],
      [['authorization', 'bearer  @v ']],
    ),
  },
);

const withKey = (headers: Array<[string, string]>): Array<[string, string]> => headers.map(([name, value]) => [name, value.replace(/@k/g, masterKey).replace(/@v/g, virtualKey)]);

/** Bodies that use most of each surface's features: tools, content parts, images, tool results, schemas. */
const tinyPng = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const schema = { type: 'object', properties: { city: { type: 'string', enum: ['a', 'b'] }, days: { type: 'integer', minimum: 1 } }, required: ['city'], additionalProperties: false };
const richBodies: Record<ModelRoute, Record<string, unknown>> = {
  '/v1/chat/completions': {
    model: 'mock/echo',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${tinyPng}`, detail: 'low' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"a"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      { role: 'user', content: 'thanks' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'weather', parameters: schema } }],
    tool_choice: 'auto',
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } },
    max_tokens: 32,
    temperature: 0.2,
    stop: ['\n\n'],
    logit_bias: { '50256': -100 },
    seed: 7,
    stream: true,
    stream_options: { include_usage: true },
    metadata: { purpose: 'fuzz' },
  },
  '/v1/embeddings': { model: 'mock/embed', input: ['one', 'two'], dimensions: 8, encoding_format: 'float', user: 'u1' },
  '/v1/responses': {
    model: 'mock/echo',
    instructions: 'be brief',
    input: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'weather?' }, { type: 'input_image', image_url: `data:image/png;base64,${tinyPng}` }] },
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"a"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
    ],
    tools: [{ type: 'function', name: 'get_weather', description: 'weather', parameters: schema, strict: true }],
    tool_choice: 'auto',
    text: { format: { type: 'json_schema', name: 'answer', schema } },
    max_output_tokens: 32,
    stream: true,
    store: false,
    metadata: { purpose: 'fuzz' },
  },
  '/v1/messages': {
    model: 'mock/echo',
    max_tokens: 32,
    system: [{ type: 'text', text: 'be brief', cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'weather?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: tinyPng } }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'a' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }] },
    ],
    tools: [{ name: 'get_weather', description: 'weather', input_schema: schema }],
    tool_choice: { type: 'auto' },
    stop_sequences: ['\n\n'],
    temperature: 0.2,
    stream: true,
    metadata: { user_id: 'u1' },
  },
  '/v1/messages/count_tokens': {
    model: 'mock/echo',
    system: 'be brief',
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'weather?' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'a' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }] },
    ],
    tools: [{ name: 'get_weather', description: 'weather', input_schema: schema }],
  },
};

/** A rich body of the route with one node anywhere in it mutated. */
function deeplyMutatedBody(route: ModelRoute): fc.Arbitrary<string> {
  const body = richBodies[route];
  const paths = pathsOf(body);
  return fc
    .tuple(fc.constantFrom(...paths), fc.constantFrom<Mutation>('replace', 'replace', 'replace', 'delete', 'wrap-in-array', 'object-to-array', 'duplicate-key', 'proto-sibling'), hostileJson, fc.boolean(), route === '/v1/embeddings' ? fc.constantFrom('mock/embed', 'openai/text-embedding-3-small') : chatModel)
    .map(([path, mutation, hostile, stream, model]) => mutatedText({ ...body, model, ...('stream' in body && { stream }) }, path, mutation, hostile));
}

// ---- the checks ------------------------------------------------------------------

function context(sent: Sent, answer: Answer): string {
  return `${sent.method} ${sent.path.slice(0, 200)} ${JSON.stringify(sent.headers).slice(0, 400)} body ${(sent.body?.toString('latin1') ?? '').slice(0, 300)}${sent.chunked ? ' (chunked)' : ''}\n→ ${answer.status} ${JSON.stringify(answer.headers).slice(0, 300)} ${answer.text.slice(0, 400)}`;
}

/** Below 500, an error in the shape of its surface, and nothing hostile carried along. */
function checkAnswer(sent: Sent, answer: Answer, logLines: readonly string[]): void {
  const where = context(sent, answer);
  expect(answer.status, where).toBeGreaterThanOrEqual(200);
  expect(answer.status, where).toBeLessThan(500);
  for (const [name, value] of Object.entries(answer.headers)) expect(`${name}: ${String(value)}`, where).not.toContain(marker);
  for (const secret of [masterKey, virtualKey, openAIKey, anthropicKey]) expect(`${JSON.stringify(answer.headers)} ${answer.text}`.includes(secret), `a secret in the answer: ${where}`).toBe(false);
  for (const line of logLines) expect(line, `logged: ${line.slice(0, 300)}\n${where}`).not.toContain(marker);
  expect(logLines.filter((line) => /"level":(50|60)/.test(line)), where).toEqual([]);
  expect(({} as Record<string, unknown>)['polluted'], where).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort(), where).toEqual(prototypeNames);
  expect(Object.getOwnPropertyNames(Array.prototype).sort(), where).toEqual(arrayPrototypeNames);
  if (String(answer.headers['content-type']).startsWith('text/event-stream')) {
    expect(answer.text, `a stream without its last event: ${where}`).toMatch(/data: \[DONE\]\n\n$|event: message_stop\ndata: [^\n]*\n\n$|event: error\ndata: [^\n]*\n\n$|event: response\.(completed|failed|incomplete)\ndata: [^\n]*\n\n$/);
  }
  if (answer.status < 400 || sent.method === 'HEAD') return;
  expect(String(answer.headers['content-type']), where).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  const pathname = sent.path.split('?')[0]!;
  // Anthropic's envelope: its Messages routes, and the model list for a caller that sends
  // anthropic-version, whatever its value (docs/anthropic-messages.md).
  const anthropicSurface =
    /^\/v1\/messages(\/|$)/.test(pathname) || (/^\/v1\/models(\/|$)/.test(pathname) && sent.headers.some(([name]) => name.toLowerCase() === 'anthropic-version'));
  if (anthropicSurface && body['type'] === 'error') {
    expect(Object.keys(body).filter((key) => key !== 'request_id').sort(), where).toEqual(['error', 'type']);
    const error = body['error'] as Record<string, unknown>;
    // Anthropic's error, plus the gateway's stable code (docs/anthropic-messages.md).
    expect(Object.keys(error).sort(), where).toEqual(['code', 'message', 'type']);
    expect(typeof error['message'] === 'string' && typeof error['type'] === 'string' && typeof error['code'] === 'string', where).toBe(true);
    expect(String(error['message']), where).not.toContain(marker);
    return;
  }
  // A 4xx Node's parser or the server's limits give before any route is chosen is OpenAI's on every path.
  const nodeLevel = answer.status === 431 || (body['error'] as { code?: unknown } | undefined)?.code === 'malformed_request';
  if (anthropicSurface) expect(nodeLevel, `OpenAI's shape on an Anthropic route: ${where}`).toBe(true);
  expect(Object.keys(body), where).toEqual(['error']);
  const error = body['error'] as Record<string, unknown>;
  expect(Object.keys(error).sort(), where).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error['message'] === 'string' && typeof error['type'] === 'string' && typeof error['code'] === 'string', where).toBe(true);
  expect(error['param'] === null || typeof error['param'] === 'string', where).toBe(true);
  expect(String(error['message']), where).not.toContain(marker);
}

/** The body compressed as its content-encoding says, when it names a coding zlib has. */
function encoded(body: Buffer, coding: string): Buffer {
  return coding === 'gzip' ? gzipSync(body) : coding === 'deflate' ? deflateSync(body) : coding === 'br' ? brotliCompressSync(body) : body;
}

/** A client that leaves: after writing half of its body, or once the first bytes of the answer arrived. */
function hangUp(sent: Sent, how: 'leave-mid-body' | 'leave-mid-answer'): Promise<void> {
  const { hostname, port } = new URL(gateway.origin);
  const body = sent.body ?? Buffer.alloc(0);
  const headers: Record<string, string> = Object.fromEntries(sent.headers);
  headers['content-length'] = String(body.length);
  return new Promise((resolve) => {
    const req = request({ host: hostname, port, method: sent.method, path: sent.path, headers, agent: false }, (res) => {
      res.once('data', () => req.destroy());
      res.resume();
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    if (how === 'leave-mid-body') {
      req.write(body.subarray(0, Math.floor(body.length / 2)), () => req.destroy());
    } else {
      req.end(body);
    }
  });
}

/** A good call still answers: the process is up and its state is sound. */
async function expectStillServing(): Promise<void> {
  const answer = await send({
    method: 'POST',
    path: '/v1/chat/completions',
    headers: [['authorization', `Bearer ${masterKey}`], ['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'still there?' }] })),
  });
  expect(answer.status, answer.text.slice(0, 300)).toBe(200);
  expect((JSON.parse(answer.text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toContain('still there?');
}

/** `label` names the request in the tally by status printed after the run (its path by default). */
async function sendAndCheck(sent: Sent, label = sent.path.split('?')[0]!.replace(keyId, ':id')): Promise<Answer> {
  const logged = gateway.logLines.length;
  const answer = await send(sent);
  const tally = `${sent.method} ${label} ${answer.status}`;
  statuses.set(tally, (statuses.get(tally) ?? 0) + 1);
  checkAnswer(sent, answer, gateway.logLines.slice(logged));
  return answer;
}

// ---- model calls ------------------------------------------------------------------

/** A body for a model route: mostly a valid one mutated, sometimes any hostile JSON or no JSON at all. */
const bodyOf = (route: ModelRoute) =>
  fc.oneof(
    { weight: 4, arbitrary: mutatedBody(route).map((text) => Buffer.from(text)) },
    { weight: 6, arbitrary: deeplyMutatedBody(route).map((text) => Buffer.from(text)) },
    { weight: 2, arbitrary: hostileJson.map((text) => Buffer.from(text)) },
    { weight: 1, arbitrary: notJsonBody },
  );

/** One model call: a route, a hostile body, and the headers it goes with. */
const modelCall = fc.constantFrom(...modelRoutes).chain((route) =>
  fc.record({
    route: fc.constant(route),
    body: bodyOf(route),
    contentType,
    contentEncoding,
    gzipped: fc.boolean(),
    chunked: fc.boolean(),
    auth: authorization,
    extra: fc.array(gatewayHeader, { maxLength: 3 }),
  }),
);

/** The request a generated model call makes. */
function modelCallRequest(input: typeof modelCall extends fc.Arbitrary<infer T> ? T : never): Sent {
  const headers: Array<[string, string]> = [...withKey(input.auth)];
  if (input.contentType !== null) headers.push(['content-type', input.contentType]);
  let body: Buffer = input.body;
  if (input.contentEncoding !== null) {
    headers.push(['content-encoding', input.contentEncoding]);
    if (input.gzipped) body = encoded(body, input.contentEncoding);
  }
  headers.push(...input.extra);
  return { method: 'POST', path: input.route, headers, body, chunked: input.chunked };
}

// ---- the properties --------------------------------------------------------------

describe('hostile HTTP against a real gateway', () => {
  it('model calls: hostile bodies, content types, encodings, chunking, auth and gateway headers', async () => {
    await fc.assert(
      fc.asyncProperty(modelCall, async (input) => {
        await sendAndCheck(modelCallRequest(input));
      }),
      { seed, numRuns: Math.round(120 * scale) },
    );
    await expectStillServing();
  }, 120_000);

  it('model calls at once, some cut off mid-body or mid-answer, beside a good one that is answered', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(modelCall, fc.constantFrom('answer', 'answer', 'answer', 'leave-mid-body', 'leave-mid-answer')), { minLength: 3, maxLength: 8 }), async (calls) => {
        await Promise.all([
          ...calls.map(([input, how]) => (how === 'answer' ? sendAndCheck(modelCallRequest(input)) : hangUp(modelCallRequest(input), how))),
          expectStillServing(),
        ]);
      }),
      { seed, numRuns: Math.round(15 * scale) },
    );
    await expectStillServing();
  }, 120_000);

  const queryKey = fc.constantFrom('limit', 'offset', 'order', 'after', 'before', 'stream', 'include[]', 'cursor', 'from', 'to', 'group_by', 'bucket', 'format', 'key_id', 'model', 'status', 'team', 'project', 'tag', 'include_revoked', 'a[b]', 'limit[]', 'from[gt]', '__proto__', '__proto__[polluted]', 'constructor[prototype][polluted]', 'hasOwnProperty', '');
  const queryValue = fc.oneof(
    fc.constantFrom('1', '2', '0', '-1', '1e309', '-1e309', 'NaN', 'Infinity', '1.5', '0x10', '9007199254740993', '99999999999999999999', '', 'true', 'TRUE', 'csv', 'json', 'hour', 'day', 'key', 'team', 'model', 'provider', 'error_code', 'ok', 'error', '500', '200', 'x'),
    fc.constantFrom('2026-02-30', '2026-13-01', '2026-12-06T25:00:00Z', '0000-01-01', '10000-01-01', '-002026-01-01', '2026-12-06T00:00:00+99:00', '2026', 'yesterday', '1733443200', '2026-12-06T00:00:00.123456789Z', '%00', '%E0%A4', '%ED%A0%80', '%FF', 'a%0Db', 'eyJ4IjoxfQ', 'k%3A-1'),
    fc.integer({ min: 300, max: 5000 }).map((length) => 'v'.repeat(length)),
  );
  /** A query string whose parameters may repeat (Express makes arrays of them) or use brackets. */
  const queryString = fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }).chain((pairs) =>
    fc.boolean().map((repeat) => {
      const all = repeat && pairs.length > 0 ? [...pairs, pairs[0]!, [pairs[0]![0], '2'] as [string, string]] : pairs;
      return all.length === 0 ? '' : `?${all.map(([key, value]) => `${encodeURIComponent(key).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${value}`).join('&')}`;
    }),
  );

  it('reads with query strings: models, health, metrics and every admin listing', async () => {
    const reads = ['/v1/models', '/v1/models/mock/echo', '/health', '/health/live', '/metrics', '/admin/keys', '/admin/usage', '/admin/requests', '/admin/keys/@id', '/admin/keys/@id/audit', '/v1/me', '/v1/responses/resp_0123456789abcdef0123456789abcdef', '/v1/responses/@resp', '/v1/responses/@resp/input_items', '/v1/responses/@resp/input_items', '/dashboard/api/admin/usage', '/dashboard/api/admin/requests', '/dashboard/api/admin/keys', '/dashboard/api/me', '/dashboard/api/me', '/v1/me@v', '/v1/me@v'];
    const generated = fc.record({
      route: fc.constantFrom(...reads, '/admin/usage', '/admin/usage', '/admin/requests', '/admin/requests', '/admin/keys'),
      query: queryString,
      auth: authorization,
      extra: fc.array(gatewayHeader, { maxLength: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(generated, async (input) => {
        // The dashboard's API with its session (the self view with the virtual key's); /v1/me@v as the virtual key.
        const dashboard = input.route.startsWith('/dashboard/');
        const cookie = input.route === '/dashboard/api/me' ? selfCookie : adminCookie;
        const auth = input.route.endsWith('@v') ? withKey([['authorization', 'Bearer @v']]) : withKey(input.auth);
        const headers: Array<[string, string]> = dashboard ? [['cookie', cookie], ['x-switchyard-dashboard', '1'], ...input.extra] : [...auth, ...input.extra];
        await sendAndCheck({ method: 'GET', path: input.route.replace('@v', '').replace('@id', keyId).replace('@resp', responseId) + input.query, headers });
      }),
      { seed, numRuns: Math.round(200 * scale) },
    );
    await expectStillServing();
  }, 120_000);

  it('a model list without a key from a caller that sends anthropic-version, any value: 401 in the Anthropic envelope', async () => {
    const answer = await sendAndCheck({ method: 'GET', path: '/v1/models', headers: [['anthropic-version', 'HOSTILE7q! ']] });
    expect(answer.status).toBe(401);
    expect((JSON.parse(answer.text) as { type?: unknown }).type).toBe('error');
  });

  it('admin writes: hostile key bodies, ids and query strings', async () => {
    const fieldValue = fc.oneof(hostileJson, fc.constantFrom('"team-a"', '"a b"', '["x","x"]', '{"budget":{"limit_usd":1e309}}', '{"rpm":-0}', '{"budget":{"limit_usd":"5"}}', '{"expires_at":"2026-02-30T00:00:00Z"}', '{"expires_in":"99999999999d"}', '{"models":null,"endpoints":["chat","chat"]}'));
    const validFields = fc.record({
      name: fc.constantFrom('"n1"', '"a b"'),
      team: fc.constantFrom('"team-a"', '"t1"'),
      tags: fc.constant('["x"]'),
      scope: fc.constantFrom('{"rpm":10}', '{"budget":{"limit_usd":5,"period":"daily","alert_threshold":0.5}}', '{"models":["mock/echo"],"endpoints":["chat"]}', '{"expires_in":"30d"}', '{"max_tokens":64,"tpm":1000}'),
      disabled: fc.constant('false'),
    }, { requiredKeys: ['name'] });
    const hostileField = fc.tuple(fc.constantFrom('name', 'team', 'project', 'user', 'tags', 'scope', 'disabled', 'grace_period', '__proto__', 'constructor'), fieldValue);
    const keyBody = fc.tuple(validFields, fc.array(hostileField, { maxLength: 2 }), fc.boolean()).map(([valid, hostile, replace]) => {
      const entries: Array<[string, string]> = Object.entries(valid);
      for (const [key, value] of hostile) {
        const index = entries.findIndex(([name]) => name === key);
        if (replace && index !== -1) entries[index] = [key, value];
        else entries.push([key, value]);
      }
      return `{${entries.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
    });
    const generated = fc.record({
      write: fc.constantFrom(['POST', '/admin/keys'], ['PATCH', '/admin/keys/@id'], ['POST', '/admin/keys/@id/rotate'], ['POST', '/admin/keys/@id/revoke'], ['PATCH', '/admin/keys/__proto__'], ['PATCH', '/admin/keys/constructor'], ['POST', '/admin/keys/%ED%A0%80/rotate'],
        // Bodies where no route reads one: a listing, a wrong method, an unknown path.
        ['GET', '/admin/keys'], ['PUT', '/admin/usage'], ['DELETE', '/admin/keys/@id'], ['POST', '/admin/nothing'], ['PATCH', '/dashboard/api/admin/keys/@id']),
      body: fc.oneof({ weight: 4, arbitrary: keyBody.map((text) => Buffer.from(text)) }, { weight: 1, arbitrary: notJsonBody }),
      query: queryString,
      contentType,
      contentEncoding,
      auth: authorization,
    });
    await fc.assert(
      fc.asyncProperty(generated, async (input) => {
        const [method, route] = input.write as [string, string];
        const headers: Array<[string, string]> = route.startsWith('/dashboard/') ? [['cookie', adminCookie], ['x-switchyard-dashboard', '1']] : [...withKey(input.auth)];
        if (input.contentType !== null) headers.push(['content-type', input.contentType]);
        let body: Buffer = input.body;
        if (input.contentEncoding !== null) {
          headers.push(['content-encoding', input.contentEncoding]);
          body = encoded(body, input.contentEncoding);
        }
        // Revoking the one key would end its part of the run early: only a fresh one is revoked.
        await sendAndCheck({ method, path: route.replace('@id', route.endsWith('/revoke') ? 'key_missing' : keyId) + input.query, headers, body });
      }),
      { seed, numRuns: Math.round(120 * scale) },
    );
    await expectStillServing();
  }, 120_000);

  it('keeps no state per made-up name: a second round of new names adds no series', async () => {
    /** Every kind of request that carries a name the client made up, the name spliced in. */
    const round = async (names: string[]) => {
      for (const name of names) {
        const auth: [string, string] = ['authorization', `Bearer ${masterKey}`];
        const json: [string, string] = ['content-type', 'application/json'];
        const requests: Sent[] = [
          { method: 'POST', path: '/v1/chat/completions', headers: [auth, json, ['x-switchyard-cache-ttl', name], ['x-request-id', name]], body: Buffer.from(JSON.stringify({ model: `mock/${name}`, messages: [{ role: 'user', content: 'hi' }] })) },
          { method: 'POST', path: '/v1/chat/completions', headers: [auth, json], body: Buffer.from(JSON.stringify({ model: `openai/${name}`, messages: [{ role: 'user', content: 'hi' }] })) },
          { method: 'POST', path: '/v1/messages', headers: [auth, json, ['anthropic-beta', name]], body: Buffer.from(JSON.stringify({ model: `${name}/x`, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })) },
          { method: 'POST', path: '/v1/embeddings', headers: [auth, json], body: Buffer.from(JSON.stringify({ model: name, input: 'hi' })) },
          { method: 'POST', path: '/v1/responses', headers: [auth, json], body: Buffer.from(JSON.stringify({ model: `anthropic/${name}`, input: 'hi' })) },
          { method: 'GET', path: `/v1/models/mock/${encodeURIComponent(name)}`, headers: [auth] },
          { method: 'GET', path: `/v1/${encodeURIComponent(name)}`, headers: [auth] },
          { method: 'GET', path: `/admin/requests?model=${encodeURIComponent(name)}&key_id=${encodeURIComponent(name)}`, headers: [auth] },
        ];
        for (const sent of requests) await sendAndCheck(sent, `${sent.path.split('?')[0]!.replace(name, '{name}').replace(encodeURIComponent(name), '{name}')} (made-up names)`);
      }
    };
    const names = fc.sample(fc.stringMatching(/^[a-z0-9._-]{1,24}$/), { seed, numRuns: 40 }).map((name, index) => `${name}${index}`);
    await round(names.slice(0, 20));
    const after = await gatewaySeries(gateway.origin);
    await round(names.slice(20));
    expect(await gatewaySeries(gateway.origin)).toEqual(after);
    await expectStillServing();
  }, 60_000);

  it('left no hostile header value on /metrics or in a log line', async () => {
    const answer = await send({ method: 'GET', path: '/metrics', headers: [] });
    expect(answer.status).toBe(200);
    expect(answer.text).not.toContain(marker);
    expect(gateway.logLines.filter((line) => line.includes(marker))).toEqual([]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
