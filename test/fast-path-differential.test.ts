import type { RequestRecord } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The same-dialect fast path against the translated path, over every OpenAI and
 * OpenAI-compatible fixture: two gateways, one with `server.fast_path: false`, in
 * front of one upstream replaying the recorded bytes. What an OpenAI client reads
 * (content, reasoning, tool calls, finish reasons, usage, ids, model, error events)
 * and what the ledger records (usage, cost, status, error code) must be the same.
 * docs/fast-path.md lists what may differ (fields the translation drops).
 */

const apiKey = 'sk-fastpath-SECRET-0123456789abcdef';

interface Case {
  name: string;
  /** The gateway provider (and so the preset) that replays it. */
  provider: 'openai' | 'deepseek' | 'groq' | 'openrouter' | 'perplexity';
  dir: 'openai' | 'openai-compatible';
  file: string;
}

const streamCases: Case[] = [
  { name: 'openai tool-call stream', provider: 'openai', dir: 'openai', file: 'stream.txt' },
  { name: 'openai text stream', provider: 'openai', dir: 'openai', file: 'stream-text-only.txt' },
  { name: 'deepseek reasoner stream (keep-alive comments, reasoning_content)', provider: 'deepseek', dir: 'openai-compatible', file: 'deepseek-stream-reasoner.txt' },
  { name: 'groq stream (x_groq.usage)', provider: 'groq', dir: 'openai-compatible', file: 'groq-stream.txt' },
  { name: 'openrouter stream (comments, trailing usage with cost)', provider: 'openrouter', dir: 'openai-compatible', file: 'openrouter-stream.txt' },
  { name: 'openrouter mid-stream error', provider: 'openrouter', dir: 'openai-compatible', file: 'openrouter-stream-midstream-error.txt' },
];

const responseCases: Case[] = [
  { name: 'openai text answer', provider: 'openai', dir: 'openai', file: 'response.json' },
  { name: 'openai tool-call answer', provider: 'openai', dir: 'openai', file: 'response-tool-call.json' },
  { name: 'deepseek reasoner answer', provider: 'deepseek', dir: 'openai-compatible', file: 'deepseek-response-reasoner.json' },
  { name: 'perplexity answer (citations)', provider: 'perplexity', dir: 'openai-compatible', file: 'perplexity-response.json' },
];

/** A mid-stream error that quotes the gateway's key: both paths must redact it. */
const leakyMidStreamError =
  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Partly"},"finish_reason":null}]}\n\n' +
  `data: {"error":{"message":"Upstream proxy failed with key ${apiKey}","type":"server_error","param":null,"code":null}}\n\n`;

/** What an OpenAI client makes of a streamed answer. */
interface StreamView {
  status: number;
  content: string;
  reasoning: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReasons: string[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | undefined;
  usageChunks: number;
  ids: string[];
  models: string[];
  errors: unknown[];
  done: boolean;
}

function readStream(status: number, text: string): StreamView {
  const view: StreamView = { status, content: '', reasoning: '', toolCalls: [], finishReasons: [], usage: undefined, usageChunks: 0, ids: [], models: [], errors: [], done: false };
  for (const block of text.split('\n\n')) {
    const data = block.split('\n').find((line) => line.startsWith('data: '))?.slice(6);
    if (data === undefined) continue;
    if (data === '[DONE]') {
      view.done = true;
      continue;
    }
    const chunk = JSON.parse(data) as Record<string, any>;
    if (chunk['error']) {
      view.errors.push(chunk['error']);
      continue;
    }
    if (!view.ids.includes(chunk['id'])) view.ids.push(chunk['id']);
    if (!view.models.includes(chunk['model'])) view.models.push(chunk['model']);
    if (chunk['usage']) {
      view.usageChunks++;
      const { prompt_tokens, completion_tokens, total_tokens } = chunk['usage'];
      view.usage = { prompt_tokens, completion_tokens, total_tokens };
    }
    for (const choice of chunk['choices'] ?? []) {
      const delta = choice.delta ?? {};
      view.content += delta.content ?? '';
      view.reasoning += delta.reasoning_content ?? '';
      for (const call of delta.tool_calls ?? []) {
        const entry = (view.toolCalls[call.index] ??= { id: '', name: '', arguments: '' });
        if (call.id) entry.id = call.id;
        if (call.function?.name) entry.name = call.function.name;
        entry.arguments += call.function?.arguments ?? '';
      }
      if (choice.finish_reason) view.finishReasons.push(choice.finish_reason);
    }
  }
  return view;
}

/** What an OpenAI client makes of a whole answer. */
function readWhole(status: number, body: Record<string, any>) {
  if (status !== 200) return { status, error: { code: body['error']?.code, type: body['error']?.type } };
  const choice = body['choices'][0];
  const { prompt_tokens, completion_tokens, total_tokens } = body['usage'];
  return {
    status,
    id: body['id'],
    model: body['model'],
    content: choice.message.content,
    reasoning: choice.message.reasoning_content,
    toolCalls: (choice.message.tool_calls ?? []).map((call: any) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments })),
    finishReason: choice.finish_reason,
    usage: { prompt_tokens, completion_tokens, total_tokens },
  };
}

/** The ledger's view of a request, without what differs by nature (ids, timings). */
function ledgerView(record: RequestRecord) {
  return { status: record.status, errorCode: record.errorCode, usage: record.usage, costUsd: record.costUsd, provider: record.provider, model: record.model, stream: record.stream };
}

/** A fast and a translated gateway in front of one replaying upstream (a pair per describe: breakers opened by one describe's errors stay there). */
function gatewayPair() {
  let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
  let fast: TestGateway;
  let translated: TestGateway;
  const records = new Map<TestGateway, RequestRecord[]>();

  beforeAll(async () => {
    replay = await startFixtureReplay();
    const providers = {
      openai: { api_key: apiKey, base_url: replay.url },
      deepseek: { use: 'openai', preset: 'deepseek', api_key: apiKey, base_url: replay.url },
      groq: { use: 'openai', preset: 'groq', api_key: apiKey, base_url: replay.url },
      openrouter: { use: 'openai', preset: 'openrouter', api_key: apiKey, base_url: replay.url },
      perplexity: { use: 'openai', preset: 'perplexity', api_key: apiKey, base_url: replay.url },
    };
    fast = await startTestGateway({ providers });
    translated = await startTestGateway({ providers, server: { fast_path: false } });
    for (const gateway of [fast, translated]) {
      const list: RequestRecord[] = [];
      records.set(gateway, list);
      gateway.gateway.runtime.onRequestFinished((record) => list.push(record));
    }
  });
  afterAll(async () => {
    await fast?.close();
    await translated?.close();
    await replay?.close();
  });

  /** One request by any client: what it read, and the ledger's record of it (awaited, so the next request's record is its own). */
  async function exchange<T>(gateway: TestGateway, request: () => Promise<T>) {
    const before = records.get(gateway)!.length;
    const read = await request();
    await expect.poll(() => records.get(gateway)!.length).toBe(before + 1);
    return { read, record: records.get(gateway)![before]! };
  }

  async function post(gateway: TestGateway, body: unknown) {
    const { read, record } = await exchange(gateway, async () => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, path: response.headers.get('x-switchyard-path'), text: await response.text() };
    });
    return { ...read, record };
  }

  /** One request through both gateways against the same upstream bytes. */
  /** The same upstream bytes streamed through the official client, from the translated gateway, then the fast one, with their records. */
  async function bothWithClient(script: ReplayScript, provider: string, includeUsage: boolean) {
    replay.play(script);
    const viaTranslated = await exchange(translated, () => readStreamWithClient(translated, provider, includeUsage));
    replay.play(script);
    const viaFast = await exchange(fast, () => readStreamWithClient(fast, provider, includeUsage));
    return { viaFast, viaTranslated };
  }

  async function both(body: unknown, script: ReplayScript, fastSplits?: number[]) {
    replay.play(script);
    const viaTranslated = await post(translated, body);
    replay.play({ ...script, ...(fastSplits && { splits: fastSplits }) });
    const viaFast = await post(fast, body);
    return { viaFast, viaTranslated };
  }

  return {
    get replay() {
      return replay;
    },
    get fast() {
      return fast;
    },
    get translated() {
      return translated;
    },
    post,
    both,
    bothWithClient,
    exchange,
  };
}

function streamBody(caseOf: Case, includeUsage: boolean) {
  const request = JSON.parse(readFixture('openai', 'request-stream.json')) as Record<string, unknown>;
  return { ...request, model: `${caseOf.provider}/some-model`, stream: true, stream_options: includeUsage ? { include_usage: true } : undefined };
}

describe('the same-dialect fast path gives an OpenAI client what the translated path gives', () => {
  const pair = gatewayPair();
  const both: typeof pair.both = (...args) => pair.both(...args);
  const post: typeof pair.post = (...args) => pair.post(...args);

  describe.each(streamCases)('stream: $name', (caseOf) => {
    it.each([true, false])('include_usage %s: same content, tool calls, finish reasons, usage, errors and ledger record', async (includeUsage) => {
      const bytes = readFixture(caseOf.dir, caseOf.file);
      const { viaFast, viaTranslated } = await both(streamBody(caseOf, includeUsage), { body: bytes, contentType: 'text/event-stream' });
      expect(viaFast.path).toBe('fast');
      expect(viaTranslated.path).toBeNull();
      const fastView = readStream(viaFast.status, viaFast.text);
      const translatedView = readStream(viaTranslated.status, viaTranslated.text);
      expect(fastView).toEqual(translatedView);
      // The comparison is not of two empty things.
      expect(fastView.content.length + fastView.toolCalls.length + fastView.errors.length).toBeGreaterThan(0);
      expect(fastView.models.every((model) => model.startsWith(`${caseOf.provider}/`))).toBe(true);
      if (includeUsage && fastView.errors.length === 0) expect(fastView.usageChunks).toBeGreaterThanOrEqual(1);
      if (!includeUsage) expect(fastView.usageChunks).toBe(0);
      expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
      // The upstream's own events went through: fields the translation drops are still there.
      if (caseOf.file === 'stream.txt') {
        expect(viaFast.text).toContain('"system_fingerprint":"fp_560af6e559"');
        expect(viaTranslated.text).not.toContain('system_fingerprint');
      }
      // The fast path still asked upstream for usage and named the deployment's model.
      const sent = JSON.parse(pair.replay.received.at(-1)!.body) as Record<string, any>;
      expect(sent['model']).toBe('some-model');
      if (caseOf.provider !== 'perplexity') expect(sent['stream_options']).toEqual({ include_usage: true });
    });
  });

  describe.each(responseCases)('whole answer: $name', (caseOf) => {
    it('same content, tool calls, finish reason, usage, id, model and ledger record', async () => {
      const request = JSON.parse(readFixture('openai', 'request.json')) as Record<string, unknown>;
      const body = { ...request, model: `${caseOf.provider}/some-model` };
      const { viaFast, viaTranslated } = await both(body, { body: readFixture(caseOf.dir, caseOf.file), contentType: 'application/json' });
      expect(viaFast.path).toBe('fast');
      const fastView = readWhole(viaFast.status, JSON.parse(viaFast.text));
      expect(fastView).toEqual(readWhole(viaTranslated.status, JSON.parse(viaTranslated.text)));
      expect(fastView.status).toBe(200);
      expect((fastView as { model: string }).model.startsWith(`${caseOf.provider}/`)).toBe(true);
      expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    });
  });

  it.each(streamCases)('a stream cut off by the upstream ($name, at 60%) is answered and billed from what was generated, the same on both paths', async (caseOf) => {
    const bytes = Buffer.from(readFixture(caseOf.dir, caseOf.file), 'utf8');
    const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6)).toString('utf8');
    const { viaFast, viaTranslated } = await both(streamBody(caseOf, true), { body: cut, contentType: 'text/event-stream' });
    expect(viaFast.path).toBe('fast');
    const fastView = readStream(viaFast.status, viaFast.text);
    expect(fastView).toEqual(readStream(viaTranslated.status, viaTranslated.text));
    expect(fastView.errors).toHaveLength(1);
    expect(fastView.done).toBe(false);
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    // Billed for the prompt and what was generated before the cut, never 0.
    expect(viaFast.record.usage?.inputTokens).toBeGreaterThan(0);
    expect(viaFast.record.errorCode).toBeDefined();
  });

  it('a mid-stream error quoting the key is redacted the same on both paths', async () => {
    const caseOf: Case = { name: 'leaky', provider: 'openai', dir: 'openai', file: '' };
    const { viaFast, viaTranslated } = await both(streamBody(caseOf, true), { body: leakyMidStreamError, contentType: 'text/event-stream' });
    expect(viaFast.path).toBe('fast');
    const fastView = readStream(viaFast.status, viaFast.text);
    expect(fastView).toEqual(readStream(viaTranslated.status, viaTranslated.text));
    expect(fastView.content).toBe('Partly');
    expect(fastView.errors).toHaveLength(1);
    expect(viaFast.text).not.toContain(apiKey);
    expect(JSON.stringify(fastView.errors[0])).toContain('[REDACTED]');
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    for (const gateway of [pair.fast, pair.translated]) expect(gateway.logLines.join('\n')).not.toContain(apiKey);
  });

  it('property: the upstream bytes cut at any points give the fast-path client what the translated path gave', async () => {
    const expected = new Map<string, StreamView>();
    for (const caseOf of streamCases) {
      for (const includeUsage of [true, false]) {
        pair.replay.play({ body: readFixture(caseOf.dir, caseOf.file), contentType: 'text/event-stream' });
        const { status, text } = await post(pair.translated, streamBody(caseOf, includeUsage));
        expected.set(`${caseOf.file}:${includeUsage}`, readStream(status, text));
      }
    }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...streamCases),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 20_000 }), { maxLength: 12 }),
        async (caseOf, includeUsage, cuts) => {
          const bytes = readFixture(caseOf.dir, caseOf.file);
          const size = Buffer.byteLength(bytes);
          // Cut anywhere, a multi-byte character (°C) included.
          pair.replay.play({ body: bytes, contentType: 'text/event-stream', splits: cuts.map((cut) => cut % size) });
          const { status, text, path } = await post(pair.fast, streamBody(caseOf, includeUsage));
          expect(path).toBe('fast');
          expect(readStream(status, text)).toEqual(expected.get(`${caseOf.file}:${includeUsage}`));
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('upstream errors are answered the same on both paths', () => {
  const pair = gatewayPair();
  const both: typeof pair.both = (...args) => pair.both(...args);
  const errorCases = [
    ...Object.entries(JSON.parse(readFixture('openai', 'errors.json')) as Record<string, any>).map(([name, entry]) => ({ name, provider: 'openai', entry })),
    ...Object.entries(JSON.parse(readFixture('openai-compatible', 'errors-quirks.json')) as Record<string, any>).map(([name, entry]) => ({
      name,
      provider: name.split('_')[0] === 'xai' ? 'openai' : name.split('_')[0]!.replace('vllm', 'openai'),
      entry,
    })),
  ].filter(({ entry }) => typeof entry?.status === 'number');

  it.each(errorCases)('upstream error $name: same status, error code and ledger record on both paths', async ({ provider, entry }) => {
    const request = JSON.parse(readFixture('openai', 'request.json')) as Record<string, unknown>;
    for (const stream of [false, true]) {
      const body = { ...request, model: `${provider}/some-model`, stream };
      const { viaFast, viaTranslated } = await both(body, { body: JSON.stringify(entry.body), contentType: 'application/json', status: entry.status });
      expect(viaFast.status).toBe(viaTranslated.status);
      expect(viaFast.status).toBeGreaterThanOrEqual(400);
      const fastError = JSON.parse(viaFast.text).error;
      const translatedError = JSON.parse(viaTranslated.text).error;
      expect({ code: fastError.code, type: fastError.type }).toEqual({ code: translatedError.code, type: translatedError.type });
      expect(viaFast.text).not.toContain(apiKey);
      expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    }
  });
});

describe('what the lazy tap forwards unread (docs/fast-path.md)', () => {
  const pair = gatewayPair();
  const both: typeof pair.both = (...args) => pair.both(...args);
  const caseOf: Case = { name: 'lazy', provider: 'openai', dir: 'openai', file: '' };
  const chunk = (rest: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini",${rest}}\n\n`;
  const streamWith = (broken: string) =>
    chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null') +
    chunk('"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}],"usage":null') +
    `data: ${broken}\n\n` +
    chunk('"choices":[{"index":0,"delta":{"content":" there"},"finish_reason":null}],"usage":null') +
    chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null') +
    chunk('"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}') +
    'data: [DONE]\n\n';
  const dataEvents = (text: string) => text.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => block.slice(6));

  it('an event that looks like a content chunk but is not JSON goes to the client as it came, and the stream goes on; the translated path ends the stream there', async () => {
    const broken = '{"id":"chatcmpl-1","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"x"}]}';
    const { viaFast, viaTranslated } = await both(streamBody(caseOf, true), { body: streamWith(broken), contentType: 'text/event-stream' });
    expect(viaFast.path).toBe('fast');

    const translatedEvents = dataEvents(viaTranslated.text);
    expect(JSON.parse(translatedEvents.at(-1)!).error.code).toBe('upstream_invalid_response');
    expect(viaTranslated.record.errorCode).toBe('upstream_invalid_response');

    // As it came, its model renamed like in every other event.
    const forwarded = broken.replace('"model":"gpt-4o-mini"', '"model":"openai/gpt-4o-mini"');
    const fastEvents = dataEvents(viaFast.text);
    expect(fastEvents).toContain(forwarded);
    expect(fastEvents.at(-1)).toBe('[DONE]');
    const readable = fastEvents.filter((data) => data !== forwarded);
    expect(readStream(viaFast.status, readable.map((data) => `data: ${data}`).join('\n\n'))).toMatchObject({ content: 'Hello there', finishReasons: ['stop'], errors: [], done: true });
    expect(viaFast.record).toMatchObject({ status: 200, errorCode: undefined, usage: { inputTokens: 9, outputTokens: 2 } });
  });

  it.each([
    ['mentions usage', '{"id":"chatcmpl-1","model":"gpt-4o-mini","usage":{"prompt_tokens":1,"choices":[]}'],
    ['mentions error', '{"error":{"message":"half'],
    ['has a finish reason', '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"stop"]}'],
    ['is not one JSON object', '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"x"'],
  ])('an unreadable event that %s is read, and ends the stream the same on both paths', async (_name, broken) => {
    const { viaFast, viaTranslated } = await both(streamBody(caseOf, true), { body: streamWith(broken), contentType: 'text/event-stream' });
    expect(viaFast.path).toBe('fast');
    const fastView = readStream(viaFast.status, viaFast.text);
    expect(fastView).toEqual(readStream(viaTranslated.status, viaTranslated.text));
    expect(fastView).toMatchObject({ content: 'Hello', done: false, errors: [expect.objectContaining({ code: 'upstream_invalid_response' })] });
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
  });
});

/** What the official client reads when it asks through `gateway` (the openai or deepseek preset; both answer from the replay). */
const differentialMessages = [{ role: 'user' as const, content: 'Say hello' }];
const officialClient = (gateway: TestGateway) => new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });

/**
 * What the official client reads of a stream: everything but what differs by nature (the
 * fast path's ids and extra fields), and every finish_reason that is not null, whatever its type.
 */
async function readStreamWithClient(gateway: TestGateway, provider: string, includeUsage: boolean) {
  const events = await officialClient(gateway).chat.completions.create({
    model: `${provider}/some-model`,
    messages: differentialMessages,
    stream: true,
    ...(includeUsage && { stream_options: { include_usage: true } }),
  });
  const read = { content: '', finishReasons: [] as unknown[], usage: undefined as unknown, models: new Set<string>() };
  for await (const event of events) {
    read.models.add(event.model);
    if (event.usage) read.usage = { prompt_tokens: event.usage.prompt_tokens, completion_tokens: event.usage.completion_tokens, total_tokens: event.usage.total_tokens };
    for (const choice of event.choices) {
      read.content += choice.delta.content ?? '';
      if (choice.finish_reason !== null && choice.finish_reason !== undefined) read.finishReasons.push(choice.finish_reason);
    }
  }
  return { ...read, models: [...read.models] };
}

describe('a finish reason OpenAI does not define reaches the client as the translated path writes it (docs/fast-path.md)', () => {
  const pair = gatewayPair();
  type Provider = 'openai' | 'deepseek';
  const providers: Provider[] = ['openai', 'deepseek'];
  /**
   * The finish reason as the upstream's JSON text holds it, what an OpenAI client must
   * read on both paths (by provider: the compatible presets map Mistral's `model_length`
   * to `length`), and whether it is a word OpenAI defines (whose bytes the fast path
   * passes as they came).
   */
  const cases: Array<{ name: string; member: string; reads: Record<Provider, string>; defined: boolean }> = [
    { name: "vLLM's abort", member: '"finish_reason":"abort"', reads: { openai: 'stop', deepseek: 'stop' }, defined: false },
    { name: "DeepSeek's insufficient_system_resource", member: '"finish_reason":"insufficient_system_resource"', reads: { openai: 'stop', deepseek: 'stop' }, defined: false },
    { name: "Mistral's model_length", member: '"finish_reason":"model_length"', reads: { openai: 'stop', deepseek: 'length' }, defined: false },
    { name: 'a word of 10 KB', member: `"finish_reason":"${'overlong-'.repeat(1200)}"`, reads: { openai: 'stop', deepseek: 'stop' }, defined: false },
    { name: '__proto__', member: '"finish_reason":"__proto__"', reads: { openai: 'stop', deepseek: 'stop' }, defined: false },
    { name: 'toString', member: '"finish_reason":"toString"', reads: { openai: 'stop', deepseek: 'stop' }, defined: false },
    { name: 'an unknown word spelled with escapes', member: '"finish_reason":"ab\\u006frt"', reads: { openai: 'stop', deepseek: 'stop' }, defined: false },
    { name: 'an escaped model_length', member: '"finish_reason":"model_\\u006cength"', reads: { openai: 'stop', deepseek: 'length' }, defined: false },
    { name: 'an unknown word under a key spelled with escapes', member: '"fin\\u0069sh_reason":"abort"', reads: { openai: 'stop', deepseek: 'stop' }, defined: false },
    { name: 'a defined word spelled with escapes', member: '"finish_reason":"st\\u006fp"', reads: { openai: 'stop', deepseek: 'stop' }, defined: true },
    { name: 'a defined word under a key spelled with escapes', member: '"fin\\u0069sh_reason":"length"', reads: { openai: 'length', deepseek: 'length' }, defined: true },
    { name: 'content_filter', member: '"finish_reason":"content_filter"', reads: { openai: 'content_filter', deepseek: 'content_filter' }, defined: true },
  ];
  const chunk = (rest: string) => `data: {"id":"chatcmpl-f","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini",${rest}}\n\n`;
  const usage = '{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}';
  /** With `usageOnFinish`, the finishing chunk carries the usage too (as some compatible servers send it): both are rewritten at once. */
  const stream = (member: string, usageOnFinish: boolean) =>
    chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null') +
    chunk('"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}],"usage":null') +
    chunk('"choices":[{"index":0,"delta":{"content":" there"},"finish_reason":null}],"usage":null') +
    (usageOnFinish
      ? chunk(`"choices":[{"index":0,"delta":{},${member}}],"usage":${usage}`)
      : chunk(`"choices":[{"index":0,"delta":{},${member}}],"usage":null`) + chunk(`"choices":[],"usage":${usage}`)) +
    'data: [DONE]\n\n';
  const whole = (member: string) =>
    `{"id":"chatcmpl-w","object":"chat.completion","created":1764072000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},"logprobs":null,${member}}],"usage":${usage},"system_fingerprint":"fp_w"}`;

  const streamCases = cases.flatMap((caseOf) => providers.flatMap((provider) => [true, false].map((usageOnFinish) => ({ ...caseOf, provider, usageOnFinish }))));

  it.each(streamCases)('stream, $provider, $name (usage on the finishing chunk: $usageOnFinish): the official client reads the same on both paths', async ({ member, reads, defined, provider, usageOnFinish }) => {
    const script: ReplayScript = { body: stream(member, usageOnFinish), contentType: 'text/event-stream' };
    for (const includeUsage of [true, false]) {
      const { viaFast, viaTranslated } = await pair.bothWithClient(script, provider, includeUsage);
      expect(viaFast.read).toEqual(viaTranslated.read);
      expect(viaFast.read).toMatchObject({ content: 'Hello there', finishReasons: [reads[provider]], models: [`${provider}/gpt-4o-mini`] });
      expect(viaFast.read.usage).toEqual(includeUsage ? JSON.parse(usage) : undefined);
      expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    }
    // The bytes as they went: a defined word as the upstream wrote it (escapes and all; unless the event carries a usage, written again for that), an undefined one nowhere.
    const { viaFast, viaTranslated } = await pair.both(streamBody({ name: '', provider, dir: 'openai', file: '' }, true), script);
    expect(viaFast.path).toBe('fast');
    expect(readStream(viaFast.status, viaFast.text)).toEqual(readStream(viaTranslated.status, viaTranslated.text));
    const word = member.slice(member.indexOf(':') + 1);
    if (!defined) expect(viaFast.text).not.toContain(word);
    else if (!usageOnFinish) expect(viaFast.text).toContain(member);
  });

  const wholeCases = cases.flatMap((caseOf) => providers.map((provider) => ({ ...caseOf, provider })));

  it.each(wholeCases)('whole answer, $provider, $name: the official client reads the same on both paths', async ({ member, reads, defined, provider }) => {
    const script: ReplayScript = { body: whole(member), contentType: 'application/json' };
    const ask = (gateway: TestGateway) => async () => {
      const completion = await officialClient(gateway).chat.completions.create({ model: `${provider}/some-model`, messages: differentialMessages });
      const choice = completion.choices[0]!;
      const { prompt_tokens, completion_tokens, total_tokens } = completion.usage!;
      return { model: completion.model, content: choice.message.content, finishReason: choice.finish_reason, usage: { prompt_tokens, completion_tokens, total_tokens } };
    };
    pair.replay.play(script);
    const viaTranslated = await pair.exchange(pair.translated, ask(pair.translated));
    pair.replay.play(script);
    const viaFast = await pair.exchange(pair.fast, ask(pair.fast));
    expect(viaFast.read).toEqual(viaTranslated.read);
    expect(viaFast.read).toMatchObject({ model: `${provider}/gpt-4o-mini`, content: 'Hello there', finishReason: reads[provider], usage: JSON.parse(usage) });
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    // The upstream's own body went through (its system_fingerprint, which the translation drops), the finish reason written only when undefined.
    pair.replay.play(script);
    const raw = await pair.post(pair.fast, { model: `${provider}/some-model`, messages: differentialMessages });
    expect(raw.path).toBe('fast');
    expect(JSON.parse(raw.text)).toMatchObject({ id: 'chatcmpl-w', system_fingerprint: 'fp_w', choices: [{ index: 0, logprobs: null, finish_reason: reads[provider] }] });
    if (!defined) expect(raw.text).not.toContain(member.slice(member.indexOf(':') + 1));
  });
});

describe('a finish_reason that is not a word reaches the client as the translated path writes it (docs/fast-path.md)', () => {
  const pair = gatewayPair();
  type Provider = 'openai' | 'deepseek';
  const providers: Provider[] = ['openai', 'deepseek'];
  /**
   * A finishing chunk's `finish_reason` as the upstream's JSON text holds it, when it is
   * not a non-empty string: the decoders read no finish from it, and the translated path
   * writes `null` there (and no finish reason later), so an OpenAI client reads none.
   */
  const cases: Array<{ name: string; member: string }> = [
    { name: 'a number', member: '"finish_reason":5' },
    { name: 'zero', member: '"finish_reason":0' },
    { name: 'an empty string', member: '"finish_reason":""' },
    { name: 'true', member: '"finish_reason":true' },
    { name: 'false', member: '"finish_reason":false' },
    { name: 'an object', member: '"finish_reason":{"reason":"stop"}' },
    { name: 'an array', member: '"finish_reason":["stop"]' },
    { name: 'a number under a key spelled with escapes', member: '"fin\\u0069sh_reason":5' },
  ];
  const chunk = (rest: string) => `data: {"id":"chatcmpl-f","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini",${rest}}\n\n`;
  const usage = '{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}';
  /** `finishing` is how the finishing chunk goes: with an empty delta, with the last word in its delta, or with the usage on it too. */
  type Finishing = 'empty delta' | 'content' | 'usage';
  const stream = (member: string, finishing: Finishing) =>
    chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null') +
    chunk('"choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}],"usage":null') +
    (finishing === 'content'
      ? chunk(`"choices":[{"index":0,"delta":{"content":" there"},${member}}],"usage":null`)
      : chunk('"choices":[{"index":0,"delta":{"content":" there"},"finish_reason":null}],"usage":null')) +
    (finishing === 'usage'
      ? chunk(`"choices":[{"index":0,"delta":{},${member}}],"usage":${usage}`)
      : (finishing === 'empty delta' ? chunk(`"choices":[{"index":0,"delta":{},${member}}],"usage":null`) : '') + chunk(`"choices":[],"usage":${usage}`)) +
    'data: [DONE]\n\n';
  const whole = (member: string) =>
    `{"id":"chatcmpl-w","object":"chat.completion","created":1764072000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there","refusal":null},"logprobs":null${member === '' ? '' : `,${member}`}}],"usage":${usage},"system_fingerprint":"fp_w"}`;

  const finishings: Finishing[] = ['empty delta', 'content', 'usage'];
  const streamCases = cases.flatMap((caseOf) => providers.flatMap((provider) => finishings.map((finishing) => ({ ...caseOf, provider, finishing }))));

  it.each(streamCases)('stream, $provider, $name (finishing chunk: $finishing): the official client reads the same on both paths', async ({ member, provider, finishing }) => {
    const script: ReplayScript = { body: stream(member, finishing), contentType: 'text/event-stream' };
    for (const includeUsage of [true, false]) {
      const { viaFast, viaTranslated } = await pair.bothWithClient(script, provider, includeUsage);
      expect(viaFast.read).toEqual(viaTranslated.read);
      expect(viaFast.read).toMatchObject({ content: 'Hello there', finishReasons: [], models: [`${provider}/gpt-4o-mini`] });
      expect(viaFast.read.usage).toEqual(includeUsage ? JSON.parse(usage) : undefined);
      expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    }
    // The bytes: every finish_reason the fast path wrote is null, the value nowhere; the chunk's other fields as they came.
    const { viaFast, viaTranslated } = await pair.both(streamBody({ name: '', provider, dir: 'openai', file: '' }, true), script);
    expect(viaFast.path).toBe('fast');
    expect(readStream(viaFast.status, viaFast.text)).toEqual(readStream(viaTranslated.status, viaTranslated.text));
    expect(viaFast.text).not.toContain(member);
    const finishValues = viaFast.text.split('\n\n').filter((block) => block.startsWith('data: {')).flatMap((block) => (JSON.parse(block.slice(6)).choices as Array<Record<string, unknown>>).map((choice) => choice['finish_reason']));
    expect(finishValues.every((value) => value === null)).toBe(true);
  });

  it('the finish_reason of a further choice that is not a word is written null too', async () => {
    const script: ReplayScript = {
      body:
        chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null},{"index":1,"delta":{"role":"assistant","content":"Ho"},"finish_reason":null}],"usage":null') +
        chunk('"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":null},{"index":1,"delta":{},"finish_reason":7}],"usage":null') +
        chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null') +
        chunk(`"choices":[],"usage":${usage}`) +
        'data: [DONE]\n\n',
      contentType: 'text/event-stream',
    };
    pair.replay.play(script);
    // The gateway refuses n > 1, but an upstream may send further choices all the same.
    const raw = await pair.post(pair.fast, { model: 'openai/some-model', messages: differentialMessages, stream: true });
    expect(raw.path).toBe('fast');
    expect(raw.text).toContain('"choices":[{"index":0,"delta":{"content":"!"},"finish_reason":null},{"index":1,"delta":{},"finish_reason":null}]');
    expect(raw.text).not.toContain('"finish_reason":7');
  });

  const wholeCases = [...cases, { name: 'null', member: '"finish_reason":null' }, { name: 'none', member: '' }].flatMap((caseOf) => providers.map((provider) => ({ ...caseOf, provider })));

  it.each(wholeCases)('whole answer, $provider, $name: the official client reads stop on both paths', async ({ member, provider }) => {
    const script: ReplayScript = { body: whole(member), contentType: 'application/json' };
    const ask = (gateway: TestGateway) => async () => {
      const completion = await officialClient(gateway).chat.completions.create({ model: `${provider}/some-model`, messages: differentialMessages });
      return { model: completion.model, content: completion.choices[0]!.message.content, finishReason: completion.choices[0]!.finish_reason };
    };
    pair.replay.play(script);
    const viaTranslated = await pair.exchange(pair.translated, ask(pair.translated));
    pair.replay.play(script);
    const viaFast = await pair.exchange(pair.fast, ask(pair.fast));
    expect(viaFast.read).toEqual(viaTranslated.read);
    expect(viaFast.read).toEqual({ model: `${provider}/gpt-4o-mini`, content: 'Hello there', finishReason: 'stop' });
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
  });
});

describe('a tool call field of the wrong type reaches the client as the translated path writes it (docs/fast-path.md)', () => {
  const pair = gatewayPair();
  const chunk = (rest: string) => `data: {"id":"chatcmpl-t","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini",${rest}}\n\n`;
  const toolCalls = (entries: string) => chunk(`"choices":[{"index":0,"delta":{"tool_calls":${entries}},"finish_reason":null}],"usage":null`);
  const usage = '{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21}';
  const start = '{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}';
  const piece = (text: string) => `{"index":0,"function":{"arguments":${JSON.stringify(text)}}}`;
  /** A stream of one tool call: its start, then two pieces of arguments; each case swaps one of the three. */
  const stream = ({ first = `[${start}]`, second = `[${piece('{"city":')}]`, third = `[${piece('"Paris"}')}]` }: { first?: string; second?: string; third?: string }) =>
    chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}],"usage":null') +
    toolCalls(first) +
    toolCalls(second) +
    toolCalls(third) +
    chunk('"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null') +
    chunk(`"choices":[],"usage":${usage}`) +
    'data: [DONE]\n\n';
  const streamCases: Array<{ name: string; parts: Parameters<typeof stream>[0] }> = [
    { name: 'well typed (the baseline)', parts: {} },
    { name: 'arguments a number in a piece', parts: { second: '[{"index":0,"function":{"arguments":5}}]' } },
    { name: 'arguments an object in the start', parts: { first: '[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]' } },
    { name: 'arguments true in a piece', parts: { third: '[{"index":0,"function":{"arguments":true}}]' } },
    { name: 'an id that is a number', parts: { first: '[{"index":0,"id":42,"type":"function","function":{"name":"get_weather","arguments":""}}]' } },
    { name: 'an empty id', parts: { first: '[{"index":0,"id":"","type":"function","function":{"name":"get_weather","arguments":""}}]' } },
    { name: 'a name that is a number', parts: { first: '[{"index":0,"id":"call_1","type":"function","function":{"name":7,"arguments":""}}]' } },
    { name: 'a type that is a number', parts: { first: '[{"index":0,"id":"call_1","type":5,"function":{"name":"get_weather","arguments":""}}]' } },
    { name: 'an index that is a string', parts: { first: '[{"index":"1","id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]', second: `[${piece('{"city":').replace('"index":0', '"index":"0"')}]` } },
    { name: 'an index that is negative or a fraction', parts: { second: `[${piece('{"city":').replace('"index":0', '"index":-1')}]`, third: `[${piece('"Paris"}').replace('"index":0', '"index":0.5')}]` } },
    { name: 'an entry that is not an object', parts: { second: `[7,null,${piece('{"city":')}]` } },
    { name: 'a function that is not an object', parts: { second: '[{"index":0,"function":"{\\"city\\":"}]' } },
    { name: 'tool_calls that is not a list', parts: { second: '{"index":0,"function":{"arguments":"{\\"city\\":"}}' } },
  ];

  /** What a client accumulating tool calls reads from the official client's chunks: per index as written (its type kept), every value each field took. */
  async function readToolCallStream(gateway: TestGateway) {
    const events = await officialClient(gateway).chat.completions.create({ model: 'openai/some-model', messages: differentialMessages, stream: true, stream_options: { include_usage: true } });
    const calls: Record<string, { ids: unknown[]; types: unknown[]; functions: unknown[]; names: unknown[]; arguments: unknown[] }> = {};
    const strays: unknown[] = [];
    const read = { calls, strays, finishReasons: [] as unknown[], usage: undefined as unknown };
    for await (const event of events) {
      if (event.usage) read.usage = { prompt_tokens: event.usage.prompt_tokens, completion_tokens: event.usage.completion_tokens, total_tokens: event.usage.total_tokens };
      for (const choice of event.choices) {
        if (choice.finish_reason) read.finishReasons.push(choice.finish_reason);
        const list: unknown = choice.delta.tool_calls;
        if (list === undefined || list === null) continue;
        if (!Array.isArray(list)) {
          strays.push(list);
          continue;
        }
        for (const call of list as unknown[]) {
          if (typeof call !== 'object' || call === null) {
            strays.push(call);
            continue;
          }
          const { index, id, type, function: fn } = call as Record<string, unknown>;
          const entry = (calls[JSON.stringify(index)] ??= { ids: [], types: [], functions: [], names: [], arguments: [] });
          if (id !== undefined) entry.ids.push(id);
          // `function` is every call's type, written or not (some servers write it on every piece): only another value is news.
          if (type !== undefined && type !== 'function') entry.types.push(type);
          if (fn === undefined) continue;
          if (typeof fn !== 'object' || fn === null) {
            entry.functions.push(fn);
            continue;
          }
          const { name, arguments: args } = fn as Record<string, unknown>;
          if (name !== undefined) entry.names.push(name);
          if (args !== undefined && args !== '') entry.arguments.push(args);
        }
      }
    }
    return read;
  }

  it.each(streamCases)('stream, $name: the official client reads the same tool calls on both paths', async ({ name, parts }) => {
    const script: ReplayScript = { body: stream(parts), contentType: 'text/event-stream' };
    pair.replay.play(script);
    const viaTranslated = await pair.exchange(pair.translated, () => readToolCallStream(pair.translated));
    pair.replay.play(script);
    const viaFast = await pair.exchange(pair.fast, () => readToolCallStream(pair.fast));
    expect(viaFast.read).toEqual(viaTranslated.read);
    expect(viaFast.read).toMatchObject({ finishReasons: ['tool_calls'], usage: JSON.parse(usage), strays: [] });
    if (name.startsWith('well typed')) expect(viaFast.read.calls).toEqual({ '0': { ids: ['call_1'], types: [], functions: [], names: ['get_weather'], arguments: ['{"city":', '"Paris"}'] } });
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    pair.replay.play(script);
    expect((await pair.post(pair.fast, { model: 'openai/some-model', messages: differentialMessages, stream: true })).path).toBe('fast');
  });

  const call = '{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}';
  const whole = (calls: string) =>
    `{"id":"chatcmpl-w","object":"chat.completion","created":1764072000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":${calls},"refusal":null},"logprobs":null,"finish_reason":"tool_calls"}],"usage":${usage},"system_fingerprint":"fp_w"}`;
  const wholeCases: Array<{ name: string; calls: string }> = [
    { name: 'well typed (the baseline)', calls: `[${call}]` },
    { name: 'an id that is a number', calls: `[${call.replace('"call_1"', '42')}]` },
    { name: 'arguments a number', calls: '[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":5}}]' },
    { name: 'arguments an object', calls: '[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]' },
    { name: 'arguments a list', calls: '[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":["Paris"]}}]' },
    { name: 'a type that is a number', calls: `[${call.replace('"type":"function"', '"type":5')}]` },
    { name: 'a name that is a number, beside a good call', calls: `[{"id":"call_0","type":"function","function":{"name":7,"arguments":"{}"}},${call}]` },
    { name: 'entries that are not objects, beside a good call', calls: `[7,null,"call",${call}]` },
    { name: 'a function that is not an object, alone', calls: '[{"id":"call_1","type":"function","function":"get_weather"}]' },
  ];

  it.each(wholeCases)('whole answer, $name: the official client reads the same tool calls on both paths', async ({ name, calls }) => {
    const script: ReplayScript = { body: whole(calls), contentType: 'application/json' };
    const ask = (gateway: TestGateway) => async () => {
      const completion = await officialClient(gateway).chat.completions.create({ model: 'openai/some-model', messages: differentialMessages });
      const message = completion.choices[0]!.message as unknown as Record<string, unknown>;
      return { finishReason: completion.choices[0]!.finish_reason, toolCalls: message['tool_calls'] };
    };
    pair.replay.play(script);
    const viaTranslated = await pair.exchange(pair.translated, ask(pair.translated));
    pair.replay.play(script);
    const viaFast = await pair.exchange(pair.fast, ask(pair.fast));
    expect(viaFast.read).toEqual(viaTranslated.read);
    if (name.startsWith('well typed')) expect(viaFast.read.toolCalls).toEqual(JSON.parse(`[${call}]`));
    expect(ledgerView(viaFast.record)).toEqual(ledgerView(viaTranslated.record));
    pair.replay.play(script);
    const raw = await pair.post(pair.fast, { model: 'openai/some-model', messages: differentialMessages });
    expect(raw.path).toBe('fast');
    // The upstream's own body all the same (its system_fingerprint, which the translation drops).
    expect(JSON.parse(raw.text)).toMatchObject({ id: 'chatcmpl-w', system_fingerprint: 'fp_w' });
  });
});
