import { SseDecoder, type RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unescapeAll } from './support/secret-variants.js';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { openAIAndGroqOnce, startGatewayPair, type GatewayPair } from './support/start-gateway-pair.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * The same-dialect fast path in front of a hostile or odd OpenAI-compatible upstream:
 * errors in shapes of their own that quote the provider key, model names that are
 * not names, usage that is not counts, events after `[DONE]`, multi-line and non-object
 * events, whole answers that cannot be read. Each request goes through a gateway with
 * the fast path and one without, against the same upstream bytes: the client must get
 * what the translated path gives (an OpenAI-shaped answer or error event, never the
 * key), and the ledger the same, right, usage.
 */

/** A key with a `/`, as some providers' are, so that JSON's `\/` spelling is tried too. */
const apiKey = 'sk-proj-HOSTILE/0123456789abcdefXYZ';
/** What must never reach a client or a log, however the upstream spelled the key (past the `/`, where no key-shaped pattern reaches). */
const keyTail = '0123456789abcdefXYZ';
/** The key as an upstream may write it in JSON: characters as `\uXXXX`, the slash as `\/`. */
const escapedKey = apiKey.replace('p', '\\u0070').replace('/', '\\/').replace('X', '\\u0058');

type Provider = 'openai' | 'groq';
const providers: Provider[] = ['openai', 'groq'];

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;
let fast: TestGateway;
let translated: TestGateway;

beforeAll(async () => {
  replay = await startFixtureReplay();
  // Each request reaches the upstream once: no retries of the failing ones, no circuit breaker opened by them.
  pair = await startGatewayPair(openAIAndGroqOnce(replay.url, apiKey));
  ({ fast, translated } = pair);
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

interface Answer {
  status: number;
  path: string | null;
  text: string;
  record: RequestRecord;
  /** What the gateway logged while it answered. */
  logs: string[];
}

async function post(gateway: TestGateway, body: unknown): Promise<Answer> {
  const logsFrom = gateway.logLines.length;
  const recorded = pair.nextRecord(gateway);
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const record = await recorded;
  return { status: response.status, path: response.headers.get('x-switchyard-path'), text, record, logs: gateway.logLines.slice(logsFrom) };
}

/** The same request through both gateways, against the same upstream bytes. */
async function both(body: unknown, script: ReplayScript) {
  replay.play(script);
  const viaTranslated = await post(translated, body);
  replay.play(script);
  const viaFast = await post(fast, body);
  expect(viaFast.path === 'fast' || viaFast.status >= 400).toBe(true);
  return { viaFast, viaTranslated };
}

const streamRequest = (provider: Provider, includeUsage = true) => ({
  model: `${provider}-once`,
  messages: [{ role: 'user', content: 'Say hi' }],
  stream: true,
  ...(includeUsage && { stream_options: { include_usage: true } }),
});

const wholeRequest = (provider: Provider) => ({ model: `${provider}-once`, messages: [{ role: 'user', content: 'Say hi' }] });

const sse = (body: string): ReplayScript => ({ body, contentType: 'text/event-stream' });

/** The model as raw JSON text, or null for a chunk without one. */
type ModelText = string | null;

/** One `data:` event of a chunk. */
const chunk = (rest: string, model: ModelText = '"gpt-4o-mini"') =>
  `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764072000,${model === null ? '' : `"model":${model},`}${rest}}\n\n`;
const opening = (model?: ModelText) => chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null', model);
const token = (text: string, model?: ModelText) => chunk(`"choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null}],"usage":null`, model);
const finishing = (model?: ModelText) => chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null', model);
const usageChunk = (usage: string, model?: ModelText) => chunk(`"choices":[],"usage":${usage}`, model);
const validUsage = '{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}';
const done = 'data: [DONE]\n\n';

/** A whole stream with `middle` between its two content events. */
const streamAround = (middle: string, usage = validUsage) => opening() + token('Hi') + middle + token(' there') + finishing() + usageChunk(usage) + done;

/** What an OpenAI client makes of a stream, read by an SSE parser as a client's would. */
interface StreamView {
  status: number;
  content: string;
  finishReasons: string[];
  usage: unknown[];
  models: unknown[];
  errors: string[];
  /** Events a client could not read as a JSON object. */
  unreadable: string[];
  done: boolean;
}

function readStream({ status, text }: Answer): StreamView {
  const view: StreamView = { status, content: '', finishReasons: [], usage: [], models: [], errors: [], unreadable: [], done: false };
  const parser = new SseDecoder();
  for (const event of [...parser.feed(text), ...parser.end()]) {
    if (event.data === '[DONE]') {
      view.done = true;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(event.data);
    } catch {
      view.unreadable.push(event.data);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      view.unreadable.push(event.data);
      continue;
    }
    const data = value as Record<string, any>;
    if (data['error']) {
      view.errors.push(data['error'].code);
      continue;
    }
    if (!view.models.includes(data['model'])) view.models.push(data['model']);
    if (data['usage']) view.usage.push([data['usage'].prompt_tokens, data['usage'].completion_tokens, data['usage'].total_tokens]);
    for (const choice of data['choices'] ?? []) {
      view.content += choice.delta?.content ?? '';
      if (choice.finish_reason) view.finishReasons.push(choice.finish_reason);
    }
  }
  return view;
}

const ledgerView = (record: RequestRecord) => ({ status: record.status, errorCode: record.errorCode, usage: record.usage, costUsd: record.costUsd });

function expectNoKey(...answers: Answer[]) {
  for (const answer of answers) {
    expect(unescapeAll(answer.text)).not.toContain(keyTail);
    expect(JSON.stringify(answer.record)).not.toContain(keyTail);
    expect(answer.logs.length).toBeGreaterThan(0);
    expect(unescapeAll(answer.logs.join('\n'))).not.toContain(keyTail);
  }
}

describe('an upstream error that quotes the provider key, in a shape of its own, mid-stream', () => {
  const shapes = [
    ["OpenAI's own envelope", (key: string) => `data: {"error":{"message":"Upstream proxy failed with key ${key}","type":"server_error","param":null,"code":null}}\n\n`],
    ["an event named error with OpenAI's envelope", (key: string) => `event: error\ndata: {"error":{"message":"Upstream proxy failed with key ${key}","type":"server_error"}}\n\n`],
    ['an event named error with a flat body', (key: string) => `event: error\ndata: {"message":"Incorrect API key provided: ${key}"}\n\n`],
    ['a flat object:"error" (vLLM)', (key: string) => `data: {"object":"error","message":"Incorrect API key provided: ${key}","type":"invalid_request_error","code":401}\n\n`],
    ['an object with a message and no choices, without the word the lazy tap looks for', (key: string) => `data: {"message":"Unauthorized: ${key}","request_id":"req_1"}\n\n`],
  ] as const;
  const cases = shapes.flatMap(([name, event]) =>
    providers.flatMap((provider) => [
      { name, provider, spelled: 'as it is', event: event(apiKey) },
      { name, provider, spelled: 'JSON-escaped', event: event(escapedKey) },
    ]),
  );

  it.each(cases)('$name ($provider, key $spelled): never reaches the client or the logs, and the client reads what the translated path gives', async ({ provider, event }) => {
    const { viaFast, viaTranslated } = await both(streamRequest(provider), sse(streamAround(event)));
    expectNoKey(viaFast, viaTranslated);
    const view = readStream(viaFast);
    expect(view).toEqual(readStream(viaTranslated));
    expect(view.unreadable).toEqual([]);
    expect(view.content.startsWith('Hi')).toBe(true);
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
  });

  it.each(providers)('a whole answer (%s) with choices and an error beside them quoting the key is that error, not a 200 carrying the key', async (provider) => {
    const body = JSON.stringify({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1764072000,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
      error: { message: `Upstream proxy failed with key ${apiKey}`, type: 'server_error' },
    });
    const { viaFast, viaTranslated } = await both(wholeRequest(provider), { body, contentType: 'application/json' });
    expectNoKey(viaFast, viaTranslated);
    expect(viaFast.status).toBe(502);
    expect(JSON.parse(viaFast.text).error.code).toBe('upstream_server_error');
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
  });
});

describe('whole answers that cannot be read are a clear 502, never a 500', () => {
  const answer = (message: unknown) =>
    JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', created: 1764072000, model: 'gpt-4o-mini', choices: [{ index: 0, message, finish_reason: 'stop' }] });
  const bodies = [
    ['a message that is null', answer(null), providers],
    // The compatible presets' parser passes over tool calls it cannot read; OpenAI's refuses the answer.
    ['tool calls that are not a list', answer({ role: 'assistant', content: null, tool_calls: { id: 'call_1' } }), ['openai']],
    ['no choices', JSON.stringify({ id: 'chatcmpl-1', model: 'gpt-4o-mini', usage: { prompt_tokens: 9, completion_tokens: 2 } }), providers],
    ['a JSON array', '[1,2]', providers],
    ['not JSON', 'Hello, not JSON', providers],
  ] as const;

  it.each(bodies.flatMap(([name, body, on]) => on.map((provider) => ({ provider, name, body }))))('$name ($provider)', async ({ provider, body }) => {
    const { viaFast, viaTranslated } = await both(wholeRequest(provider), { body, contentType: 'application/json' });
    expect(viaFast.status).toBe(502);
    expect(JSON.parse(viaFast.text).error.code).toBe('upstream_invalid_response');
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
  });
});

describe('model names that are not names', () => {
  const models = [
    ['empty', '""'],
    ['null', 'null'],
    ['a number', '42'],
    ['an object', '{"v":1}'],
    ['missing', null],
  ] as const;

  it.each(providers.flatMap((provider) => models.map(([name, model]) => ({ provider, name, model }))))('a model that is $name ($provider): every chunk names provider/deployment model', async ({ provider, model }) => {
    const body = opening(model) + token('Hi', model) + finishing(model) + usageChunk(validUsage, model) + done;
    for (const includeUsage of [true, false]) {
      const { viaFast, viaTranslated } = await both(streamRequest(provider, includeUsage), sse(body));
      const view = readStream(viaFast);
      expect(view.models).toEqual([`${provider}/gpt-4o-mini`]);
      expect(view).toEqual(readStream(viaTranslated));
    }
  });

  it.each([
    ['a quote', String.raw`"gpt\"4"`, 'gpt"4'],
    ['a backslash', String.raw`"gpt\\4"`, 'gpt\\4'],
    ['a unicode escape', String.raw`"gpt\u002d4"`, 'gpt-4'],
  ])('a model with %s is renamed in every chunk, and "model" in the content is left alone', async (_name, model, decoded) => {
    const body = opening(model) + token('"model":"gpt-4o-mini"', model) + finishing(model) + usageChunk(validUsage, model) + done;
    const { viaFast, viaTranslated } = await both(streamRequest('openai'), sse(body));
    const view = readStream(viaFast);
    expect(view.models).toEqual([`openai/${decoded}`]);
    expect(view.content).toBe('"model":"gpt-4o-mini"');
    expect(view).toEqual(readStream(viaTranslated));
  });
});

describe('usage that is not counts', () => {
  const streamWith = (usage: string) => opening() + token('Hi') + token(' there') + finishing() + usageChunk(usage) + done;

  it.each(providers)('counts written as text (%s) are billed as the numbers they spell, and reach the client as numbers', async (provider) => {
    const { viaFast, viaTranslated } = await both(streamRequest(provider), sse(streamWith('{"prompt_tokens":"9","completion_tokens":"2","total_tokens":"11"}')));
    expect(viaFast.record.usage).toEqual({ inputTokens: 9, outputTokens: 2 });
    expect(viaFast.record.costUsd).toBeGreaterThan(0);
    expect(readStream(viaFast).usage).toEqual([[9, 2, 11]]);
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
  });

  const unreadable = [
    ['negative', '{"prompt_tokens":-9,"completion_tokens":-2,"total_tokens":-11}'],
    ['past Infinity (1e309)', '{"prompt_tokens":1e309,"completion_tokens":2,"total_tokens":11}'],
    ['huge (1e300)', '{"prompt_tokens":1e300,"completion_tokens":1e300,"total_tokens":11}'],
    ['fractional', '{"prompt_tokens":9.5,"completion_tokens":2.25,"total_tokens":11.75}'],
    ['null counts', '{"prompt_tokens":null,"completion_tokens":null}'],
    ['a string', '"lots"'],
    ['an array', '[9,2]'],
  ] as const;

  it.each(providers.flatMap((provider) => unreadable.map(([name, usage]) => ({ provider, name, usage }))))(
    'a usage that is $name ($provider) is billed as a stream without usage is, and the client reads numbers',
    async ({ provider, usage }) => {
      const withoutUsage = opening() + token('Hi') + token(' there') + finishing() + done;
      const { viaFast: control } = await both(streamRequest(provider), sse(withoutUsage));
      for (const includeUsage of [true, false]) {
        const { viaFast, viaTranslated } = await both(streamRequest(provider, includeUsage), sse(streamWith(usage)));
        expect(viaFast.record.usage).toEqual(control.record.usage);
        expect(viaFast.record.usage!.outputTokens).toBeGreaterThan(0);
        expect(Number.isFinite(viaFast.record.costUsd)).toBe(true);
        const view = readStream(viaFast);
        expect(view.usage.flat().every((count) => typeof count === 'number' && Number.isSafeInteger(count) && count >= 0)).toBe(true);
        expect(view.usage).toHaveLength(includeUsage ? 1 : 0);
        expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
      }
    },
  );

  it.each(providers)('nothing after [DONE] (%s) is billed, nor passed on by the fast path', async (provider) => {
    const body = opening() + token('Hi') + finishing() + usageChunk(validUsage) + done + token('EXTRA') + usageChunk('{"prompt_tokens":100,"completion_tokens":200,"total_tokens":300}') + done;
    const { viaFast, viaTranslated } = await both(streamRequest(provider), sse(body));
    expect(viaFast.record.usage).toEqual({ inputTokens: 9, outputTokens: 2 });
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    expect(readStream(viaFast)).toMatchObject({ content: 'Hi', usage: [[9, 2, 11]], errors: [], done: true });
  });

  it.each(providers)('a usage on every chunk, counts so far (%s): the client reads one usage, the billed one, at the end, as on the translated path', async (provider) => {
    const soFar = (output: number) => `{"prompt_tokens":9,"completion_tokens":${output},"total_tokens":${9 + output}}`;
    const withUsage = (event: string, output: number) => event.replace('"usage":null', `"usage":${soFar(output)}`);
    // vLLM's continuous usage stats; a hostile upstream's middle count is no count the gateway bills.
    const counted = withUsage(opening(), 0) + withUsage(token('Hi'), 500) + withUsage(token(' there'), 2) + withUsage(finishing(), 2);
    for (const body of [counted + usageChunk(soFar(2)) + done, counted + done]) {
      const { viaFast, viaTranslated } = await both(streamRequest(provider), sse(body));
      expect(viaFast.record.usage).toEqual({ inputTokens: 9, outputTokens: 2 });
      const view = readStream(viaFast);
      expect(view).toMatchObject({ content: 'Hi there', finishReasons: ['stop'], usage: [[9, 2, 11]], errors: [], done: true });
      expect(view).toEqual(readStream(viaTranslated));
      expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    }
  });

  it("Groq's x_groq.usage reaches a client that asked for usage in OpenAI's place", async () => {
    const body = opening() + token('Hi') + chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}') + done;
    const { viaFast, viaTranslated } = await both(streamRequest('groq'), sse(body));
    expect(viaFast.record.usage).toEqual({ inputTokens: 9, outputTokens: 2 });
    expect(readStream(viaFast).usage).toEqual([[9, 2, 11]]);
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
  });
});

describe('events in odd framing or of odd shapes', () => {
  it.each(providers)('an event whose data spans several lines (%s) reaches the client as one readable event', async (provider) => {
    const multiLine =
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini",\n' +
      'data: "choices":[{"index":0,"delta":{"content":" there"},"finish_reason":null}]}\n\n';
    const body = opening() + token('Hi') + multiLine + finishing() + usageChunk(validUsage) + done;
    const { viaFast, viaTranslated } = await both(streamRequest(provider), sse(body));
    const view = readStream(viaFast);
    expect(view.unreadable).toEqual([]);
    expect(view).toMatchObject({ content: 'Hi there', models: [`${provider}/gpt-4o-mini`], done: true });
    expect(view).toEqual(readStream(viaTranslated));
  });

  it.each(['[1,2,3]', '"hello"', 'null', '42'])('an event that is JSON but not an object (%s) ends the stream with an error event, on both paths', async (data) => {
    for (const provider of providers) {
      const { viaFast, viaTranslated } = await both(streamRequest(provider), sse(streamAround(`data: ${data}\n\n`)));
      const view = readStream(viaFast);
      expect(view).toEqual(readStream(viaTranslated));
      expect(view).toMatchObject({ content: 'Hi', unreadable: [], errors: ['upstream_invalid_response'], done: false });
      expect(viaFast.record.errorCode).toBe('upstream_invalid_response');
    }
  });

  it.each([
    ['CRLF line endings', (body: string) => body.replace(/\n/g, '\r\n')],
    ['keep-alive comments', (body: string) => `: keep-alive\n\n${body.replace(/\n\n/g, '\n\n: keep-alive\n\n')}`],
    ['data: without a space', (body: string) => body.replace(/data: /g, 'data:')],
    ['no [DONE]', (body: string) => body.replace(done, '')],
  ])('%s: the same answer as the translated path', async (_name, reframe) => {
    const body = reframe(opening() + token('Hi') + token(' there') + finishing() + usageChunk(validUsage) + done);
    for (const provider of providers) {
      const { viaFast, viaTranslated } = await both(streamRequest(provider), sse(body));
      const view = readStream(viaFast);
      expect(view).toEqual(readStream(viaTranslated));
      expect(view).toMatchObject({ content: 'Hi there', finishReasons: ['stop'], usage: [[9, 2, 11]], errors: [], unreadable: [], done: true });
      expect(viaFast.record.usage).toEqual({ inputTokens: 9, outputTokens: 2 });
    }
  });
});
