import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { startMockGemini, startMockOpenAI, type MockGemini, type MockOpenAI } from '@switchyard/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import geminiIngress from '../examples/ingress-gemini/src/index.js';
import { gatewaySeries } from './support/gateway-series.js';
import { hostileJsonText } from './support/hostile-json-text.js';
import { mutatedText, pathsOf, type Mutation } from './support/mutate-json.js';
import { sendRawRequest, type RawAnswer as Answer, type RawRequest as Sent } from './support/raw-http-request.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Hostile HTTP at the Gemini ingress example (`/v1beta/models/{model}:generateContent`
 * and `…:streamGenerateContent?alt=sse`), which the other hostile-input properties never
 * reach: a rich valid GenerateContentRequest with any one node replaced, deleted, wrapped
 * in an array, repeated as a duplicate key or given __proto__ siblings; hostile models in
 * the path, hostile `alt` and other query parameters, odd content types and codings, and
 * the key in Gemini's header or the others'. Models are the built-in mock, OpenAI's mock
 * (a translated call) and Gemini's mock (Gemini's own dialect on both sides).
 * After every request:
 * - the status is below 500, and an error is in Google's envelope
 *   `{ error: { code, message, status, details } }` with `code` equal to the status;
 * - a stream is `data:` events only, each a JSON object;
 * - no secret is in the answer, and no prototype was polluted.
 * Afterwards the gateway still answers a good call.
 */
const seed = Number(process.env['FUZZ_SEED'] ?? 20261207);
const scale = Number(process.env['FUZZ_SCALE'] ?? 1);
const openAIKey = 'sk-proj-HostileGeminiUpstream0123456789';
const geminiKey = 'AIzaHostileGeminiUpstream0123456789abcdef';
const prototypeNames = Object.getOwnPropertyNames(Object.prototype).sort();
const statuses = new Map<string, number>();

let gateway: TestGateway;
let dataDir: string;
let openAIUpstream: MockOpenAI;
let geminiUpstream: MockGemini;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-hostile-gemini-'));
  openAIUpstream = await startMockOpenAI({ apiKey: openAIKey });
  geminiUpstream = await startMockGemini({ apiKey: geminiKey });
  gateway = await startTestGateway(
    {
      server: { data_dir: dataDir },
      storage: { use: 'sqlite' },
      providers: {
        mock: { models: ['echo'] },
        openai: { api_key: openAIKey, base_url: openAIUpstream.url },
        gemini: { api_key: geminiKey, base_url: geminiUpstream.url },
      },
      ingress: { gemini: {} },
      chain: ['auth', 'key-scope', 'rate-limit', 'cache', 'route', 'adapter'],
      log: { level: 'info' },
    },
    { serverLimits: true, plugins: [geminiIngress] },
  );
});

afterAll(async () => {
  console.log(`hostile-gemini: seed ${seed}; upstream calls: openai ${openAIUpstream?.requests.length}, gemini ${geminiUpstream?.requests.length}; by status: ${[...statuses].sort().map(([key, count]) => `${key} ${count}`).join(', ')}`);
  await gateway?.close();
  await openAIUpstream?.close();
  await geminiUpstream?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const send = (sent: Sent): Promise<Answer> => sendRawRequest(gateway.origin, sent);

const oddStringText = fc.oneof(
  fc.string({ maxLength: 16 }).map((text) => JSON.stringify(text)),
  fc.constantFrom('"\\ud800"', '"a\\udfffb"', '"\\u0000"', '"__proto__"', '"constructor"', '"\\r\\nx-evil: 1"', '""', '"models/"', '"AUTO"', '"ANY"', '"application/json"', '"image/png"', '"user"', '"model"'),
  fc.integer({ min: 2_000, max: 70_000 }).map((length) => JSON.stringify('s'.repeat(length))),
);
const hostileJson = hostileJsonText(['text', 'parts', 'role', 'name', 'args', 'id', 'response', '__proto__', 'x'], oddStringText);

const tinyPng = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
/** A GenerateContentRequest using every field the ingress reads, camelCase and snake_case. */
const richBody: Record<string, unknown> = {
  systemInstruction: { parts: [{ text: 'be brief' }] },
  contents: [
    { role: 'user', parts: [{ text: 'weather?' }, { inlineData: { mimeType: 'image/png', data: tinyPng } }, { file_data: { file_uri: 'https://generativelanguage.googleapis.com/v1beta/files/abc123' } }] },
    { role: 'model', parts: [{ text: 'thinking', thought: true }, { functionCall: { id: 'c1', name: 'get_weather', args: { city: 'a' } } }, { functionCall: { name: 'get_weather', args: { city: 'b' } } }] },
    { role: 'user', parts: [{ functionResponse: { id: 'c1', name: 'get_weather', response: { sunny: true } } }, { functionResponse: { name: 'get_weather', response: { rain: 1 } } }, { text: 'thanks' }] },
  ],
  tools: [{ functionDeclarations: [{ name: 'get_weather', description: 'weather', parameters: schema }] }],
  toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
  generationConfig: {
    temperature: 0.2,
    topP: 0.9,
    topK: 40,
    maxOutputTokens: 32,
    candidateCount: 1,
    seed: 7,
    presencePenalty: 0.1,
    frequency_penalty: 0.1,
    stopSequences: ['\n\n'],
    responseMimeType: 'application/json',
    responseJsonSchema: schema,
    thinkingConfig: { thinkingBudget: 512 },
  },
};

const mutatedBody = fc
  .tuple(fc.constantFrom(...pathsOf(richBody)), fc.constantFrom<Mutation>('replace', 'replace', 'replace', 'delete', 'wrap-in-array', 'duplicate-key', 'proto-sibling'), hostileJson)
  .map(([at, mutation, hostile]) => Buffer.from(mutatedText(richBody, at, mutation, hostile)));
const otherBody = fc.oneof(
  hostileJson.map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 32 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom('', '{', '\ufeff{"contents":[{"parts":[{"text":"hi"}]}]}', '{"contents":[{"parts":[{"text":"hi"}]}]}x').map((text) => Buffer.from(text)),
);

const model = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('mock%2Fecho', 'models%2Fmock%2Fecho', 'openai%2Fgpt-4o-mini', 'gemini%2Fgemini-2.5-flash', 'gemini-2.5-flash') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'models%2F', '%00', '%ED%A0%80', '%FF', '%E0%A4', '__proto__', 'constructor', 'mock%2F__proto__', 'a%0D%0Ab', 'mock%2F..%2F..%2Fetc', '%2F%2F', 'x'.repeat(5000), 'mock%2Fecho%3AgenerateContent', ':', '%3A'),
  },
);
const method = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(':generateContent', ':streamGenerateContent?alt=sse') }, { weight: 1, arbitrary: fc.constantFrom(':streamGenerateContent', ':streamGenerateContent?alt=sse&alt=sse', ':streamGenerateContent?alt[x]=sse', ':streamGenerateContent?alt=SSE', ':generateContent?alt=sse&key=x', ':countTokens', ':embedContent', '', ':generateContent/extra') });
const keyHeaders = fc.oneof({ weight: 5, arbitrary: fc.constantFrom<Array<[string, string]>>([['x-goog-api-key', '@k']], [['authorization', 'Bearer @k']], [['x-api-key', '@k']]) }, { weight: 1, arbitrary: fc.constantFrom<Array<[string, string]>>(
  [],
  [['x-goog-api-key', '@k'], ['x-goog-api-key', '@k']],
  [['x-goog-api-key', ' @k ']],
  [['x-goog-api-key', 'nope-0123456789abcdef']],
  [['x-goog-api-key', `${'g'.repeat(9000)}`]],
  [['x-goog-api-key', '\u00ff\u00e9']],
) });
const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant<string | null>('application/json') }, { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'text/plain', 'application/json; charset=utf-16le', 'application/json; charset=latin1') });
const encoding = fc.constantFrom<string | null>(null, null, null, null, 'gzip', 'x-unknown');

function checkAnswer(sent: Sent, answer: Answer): void {
  const tally = `${sent.method} ${answer.status}${String(answer.headers['content-type']).startsWith('text/event-stream') ? ' (stream)' : ''}`;
  statuses.set(tally, (statuses.get(tally) ?? 0) + 1);
  const where = `${sent.method} ${sent.path.slice(0, 200)} ${JSON.stringify(sent.headers).slice(0, 200)} body ${(sent.body?.toString('latin1') ?? '').slice(0, 400)}\n→ ${answer.status} ${JSON.stringify(answer.headers).slice(0, 300)} ${answer.text.slice(0, 600)}`;
  expect(answer.status, where).toBeGreaterThanOrEqual(200);
  expect(answer.status, where).toBeLessThan(500);
  for (const secret of [masterKey, openAIKey, geminiKey]) expect(`${JSON.stringify(answer.headers)} ${answer.text}`.includes(secret), `a secret in the answer: ${where}`).toBe(false);
  expect(({} as Record<string, unknown>)['polluted'], where).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort(), where).toEqual(prototypeNames);
  if (String(answer.headers['content-type']).startsWith('text/event-stream')) {
    const events = answer.text.split('\n\n').filter((event) => event !== '');
    expect(events.length, where).toBeGreaterThan(0);
    for (const event of events) {
      expect(event, where).toMatch(/^data: \{/);
      expect(() => JSON.parse(event.slice('data: '.length)) as unknown, where).not.toThrow();
    }
    return;
  }
  if (answer.status < 400) {
    expect(JSON.parse(answer.text), where).toHaveProperty('candidates');
    return;
  }
  expect(String(answer.headers['content-type']), where).toMatch(/^application\/json/);
  const body = JSON.parse(answer.text) as { error?: Record<string, unknown> };
  expect(Object.keys(body), where).toEqual(['error']);
  expect(body.error!['code'], where).toBe(answer.status);
  expect(typeof body.error!['message'], where).toBe('string');
  expect(typeof body.error!['status'], where).toBe('string');
  expect(Array.isArray(body.error!['details']), where).toBe(true);
}

async function expectStillServing(): Promise<void> {
  const answer = await send({
    method: 'POST',
    path: '/v1beta/models/mock%2Fecho:generateContent',
    headers: [['x-goog-api-key', masterKey], ['content-type', 'application/json']],
    body: Buffer.from(JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'still there?' }] }] })),
  });
  expect(answer.status, answer.text.slice(0, 300)).toBe(200);
  expect(answer.text).toContain('still there?');
}

describe('hostile input at the Gemini ingress', () => {
  it('generateContent and streamGenerateContent: hostile bodies, models, queries, keys, types and codings', async () => {
    const call = fc.record({
      body: fc.oneof({ weight: 5, arbitrary: mutatedBody }, { weight: 1, arbitrary: otherBody }),
      model,
      method,
      keys: keyHeaders,
      contentType,
      encoding,
    });
    await fc.assert(
      fc.asyncProperty(call, async (input) => {
        const headers: Array<[string, string]> = input.keys.map(([name, value]) => [name, value.replace('@k', masterKey)]);
        if (input.contentType !== null) headers.push(['content-type', input.contentType]);
        let body = input.body;
        if (input.encoding !== null) {
          headers.push(['content-encoding', input.encoding]);
          if (input.encoding === 'gzip') body = gzipSync(body);
        }
        const sent: Sent = { method: 'POST', path: `/v1beta/models/${input.model}${input.method}`, headers, body };
        checkAnswer(sent, await send(sent));
      }),
      { seed, numRuns: Math.round(150 * scale) },
    );
    await expectStillServing();
  }, 180_000);

  it('other methods and paths under the base path answer in Google’s envelope', async () => {
    const call = fc.record({
      verb: fc.constantFrom('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'POST'),
      at: fc.constantFrom('/v1beta', '/v1beta/', '/v1beta/models', '/v1beta/models/mock%2Fecho', '/v1beta/models/mock%2Fecho:generateContent', '/v1beta/models/mock%2Fecho:streamGenerateContent?alt=sse', '/v1beta//models/x:generateContent', '/v1beta/models/%ED%A0%80:generateContent', '/v1beta/files', `/v1beta/${'p'.repeat(4000)}`),
      keys: keyHeaders,
    });
    await fc.assert(
      fc.asyncProperty(call, async (input) => {
        const headers: Array<[string, string]> = input.keys.map(([name, value]) => [name, value.replace('@k', masterKey)]);
        const sent: Sent = { method: input.verb, path: input.at, headers };
        const answer = await send(sent);
        if (input.verb === 'HEAD' || input.verb === 'OPTIONS') {
          expect(answer.status, `${input.verb} ${input.at} → ${answer.status}`).toBeLessThan(500);
          return;
        }
        checkAnswer(sent, answer);
      }),
      { seed, numRuns: Math.round(60 * scale) },
    );
    await expectStillServing();
  }, 120_000);

  it('keeps no state per made-up name: a second round of new models and methods in the path adds no series', async () => {
    const round = async (names: string[]) => {
      for (const name of names) {
        const body = Buffer.from(JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }));
        const headers: Array<[string, string]> = [['x-goog-api-key', masterKey], ['content-type', 'application/json']];
        for (const at of [`/v1beta/models/mock%2F${name}:generateContent`, `/v1beta/models/${name}:streamGenerateContent?alt=sse`, `/v1beta/models/gemini%2F${name}:generateContent`, `/v1beta/models/mock%2Fecho:${name}`, `/v1beta/${name}`]) {
          const sent: Sent = { method: 'POST', path: at, headers, body };
          checkAnswer(sent, await send(sent));
        }
      }
    };
    const names = fc.sample(fc.stringMatching(/^[a-z0-9._-]{1,24}$/), { seed, numRuns: 30 }).map((name, index) => `${name}${index}`);
    await round(names.slice(0, 15));
    const after = await gatewaySeries(gateway.origin);
    await round(names.slice(15));
    expect(await gatewaySeries(gateway.origin)).toEqual(after);
    await expectStillServing();
  }, 60_000);
});
