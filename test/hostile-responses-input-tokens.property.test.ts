import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mutatedText, pathsOf, type Mutation } from './support/mutate-json.js';
import { sendRawRequest, type RawAnswer } from './support/raw-http-request.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Hostile input at `POST /v1/responses/input_tokens` (OpenAI's input token count), which
 * the other hostile-input properties never send a body to: a rich Responses body with
 * any one node replaced, deleted, wrapped in an array, repeated as a duplicate key or
 * given a __proto__ sibling, every field optional as the route reads it, and a
 * `previous_response_id` that names a stored response, a made-up one or anything else.
 * After every request: below 500; an error in OpenAI's shape; a count a finite
 * non-negative integer; no prototype polluted; and the gateway still counts a good body.
 */
const seed = Number(process.env['FUZZ_SEED'] ?? 20261207);
const scale = Number(process.env['FUZZ_SCALE'] ?? 1);
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
const statuses = new Map<number, number>();

let gateway: TestGateway;
let dataDir: string;
let storedId: string;

/** POSTs `body` as JSON with the master key. */
function post(pathname: string, body: Buffer): Promise<RawAnswer> {
  return sendRawRequest(gateway.origin, { method: 'POST', path: pathname, headers: [['authorization', `Bearer ${masterKey}`], ['content-type', 'application/json']], body });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-hostile-input-tokens-'));
  gateway = await startTestGateway({ server: { data_dir: dataDir }, storage: { use: 'sqlite' }, providers: { mock: { models: ['echo'] } } }, { serverLimits: true });
  const stored = await post('/v1/responses', Buffer.from(JSON.stringify({ model: 'mock/echo', input: 'remember this', store: true })));
  expect(stored.status, stored.text).toBe(200);
  storedId = (JSON.parse(stored.text) as { id: string }).id;
});

afterAll(async () => {
  console.log(`hostile-input-tokens: seed ${seed}; by status: ${[...statuses].sort().map(([status, count]) => `${status} ${count}`).join(', ')}`);
  await gateway?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const tinyPng = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
/** @p stands for the stored response's id. */
const richBody: Record<string, unknown> = {
  model: 'mock/echo',
  previous_response_id: '@p',
  instructions: 'be brief',
  input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'weather?' }, { type: 'input_image', image_url: `data:image/png;base64,${tinyPng}` }] },
    { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"a"}' },
    { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
    { role: 'assistant', content: 'noted' },
  ],
  tools: [{ type: 'function', name: 'get_weather', description: 'weather', parameters: schema, strict: true }],
  tool_choice: { type: 'function', name: 'get_weather' },
  text: { format: { type: 'json_schema', name: 'answer', schema } },
  reasoning: { effort: 'low' },
  truncation: 'auto',
  parallel_tool_calls: true,
};

const hostileJson = fc.oneof(
  fc.constantFrom('null', 'true', 'false', '[]', '{}', '1e309', '-1e309', '-0', '9007199254740993', '1e-400', '"1"', '-1', '0', '1.5', '1e308'),
  fc.constantFrom('"\\ud800"', '"a\\udfffb"', '"\\u0000"', '"__proto__"', '"constructor"', '""', '"@p"', '"resp_"', '"resp_00000000000000000000000000000000"', '"message"', '"function_call"', '"input_text"', '"user"', '"developer"', '"system"', '"auto"', '"required"', '"none"'),
  fc.constantFrom('{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"toString":"x","valueOf":1,"hasOwnProperty":null}', '[{"type":"message"}]', '[null]', '[[]]', '{"type":"function","name":"__proto__"}'),
  fc.string({ maxLength: 16 }).map((text) => JSON.stringify(text)),
  fc.integer({ min: 2_000, max: 300_000 }).map((length) => JSON.stringify('s'.repeat(length))),
  fc.tuple(fc.integer({ min: 50, max: 2000 }), fc.boolean()).map(([depth, arrays]) => (arrays ? `${'['.repeat(depth)}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
);

const body = fc
  .tuple(fc.constantFrom(...pathsOf(richBody)), fc.constantFrom<Mutation>('replace', 'replace', 'replace', 'delete', 'wrap-in-array', 'duplicate-key', 'proto-sibling'), hostileJson, fc.subarray(Object.keys(richBody)))
  .map(([at, mutation, hostile, kept]) => {
    // Every field is optional here: the body keeps any subset of the rich one's fields, mutated at one node.
    const base = Object.fromEntries(Object.entries(richBody).filter(([key]) => key === at[0] || kept.includes(key)));
    return mutatedText(base, at, mutation, hostile);
  });

function checkAnswer(sent: string, answer: RawAnswer): void {
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  const where = `body ${sent.slice(0, 600)}\n→ ${answer.status} ${answer.text.slice(0, 600)}`;
  expect(answer.status, where).toBeGreaterThanOrEqual(200);
  expect(answer.status, where).toBeLessThan(500);
  expect(({} as Record<string, unknown>)['polluted'], where).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort(), where).toEqual(prototypeNames);
  expect(String(answer.headers['content-type']), where).toMatch(/^application\/json/);
  const parsed = JSON.parse(answer.text) as Record<string, unknown>;
  if (answer.status < 400) {
    expect(parsed['object'], where).toBe('response.input_tokens');
    expect(Number.isSafeInteger(parsed['input_tokens']) && (parsed['input_tokens'] as number) >= 0, where).toBe(true);
    return;
  }
  expect(Object.keys(parsed), where).toEqual(['error']);
  const error = parsed['error'] as Record<string, unknown>;
  expect(Object.keys(error).sort(), where).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof error['message'], where).toBe('string');
}

describe('hostile input at /v1/responses/input_tokens', () => {
  it('counts or refuses with a 4xx in OpenAI’s shape, whatever node of the body is hostile', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const sent = text.replaceAll('@p', storedId);
        checkAnswer(sent, await post('/v1/responses/input_tokens', Buffer.from(sent)));
      }),
      { seed, numRuns: Math.round(200 * scale) },
    );
    const good = await post('/v1/responses/input_tokens', Buffer.from(JSON.stringify({ model: 'mock/echo', input: 'count me', previous_response_id: storedId })));
    expect(good.status, good.text).toBe(200);
    expect((JSON.parse(good.text) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
  }, 180_000);
});
