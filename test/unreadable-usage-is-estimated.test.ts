import Anthropic from '@anthropic-ai/sdk';
import type { RequestRecord } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { startGatewayPair, type GatewayPair, type PathName } from './support/start-gateway-pair.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream answer whose usage is missing or unreadable (negative, fractional, text
 * that is not digits, 1e309) is billed the gateway's estimate, never 0: the same
 * estimate a usage-less answer of the same content bills, whole or streamed, and the
 * client reads those numbers. Every provider's recorded answer is replayed with its
 * usage mutated, through a gateway with the fast path and one without, and each
 * ledger record is compared with the record of the same answer without usage.
 */

type Path = PathName;
const paths: Path[] = ['fast', 'translated'];

/** A placeholder for 1e309, which JSON.stringify cannot write (it is Infinity once read). */
const huge = '__1e309__';
type Variant = 'missing' | 'negative' | 'fractional' | 'text' | 'huge';
const hostile: Variant[] = ['negative', 'fractional', 'text', 'huge'];
const countOf: Record<Exclude<Variant, 'missing'>, unknown> = { negative: -9, fractional: 9.5, text: 'lots', huge };

/** Every count of a usage object replaced by the variant's value (absent for `missing`). */
function mutated(usage: unknown, variant: Variant): unknown {
  if (variant === 'missing') return undefined;
  const replace = (value: unknown): unknown =>
    typeof value === 'number' ? countOf[variant] : typeof value === 'object' && value !== null && !Array.isArray(value) ? mapValues(value as Record<string, unknown>, replace) : value;
  return replace(usage);
}

function mapValues(object: Record<string, unknown>, map: (value: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, map(value)]));
}

/** A JSON text with the usage field `key` of `holder` (found by `at`) mutated. */
function withUsage(json: string, variant: Variant, key: string, at: (body: Record<string, unknown>) => Record<string, unknown> | undefined = (body) => body): string {
  const body = JSON.parse(json) as Record<string, unknown>;
  const holder = at(body);
  if (holder && key in holder) {
    const usage = mutated(holder[key], variant);
    if (usage === undefined) delete holder[key];
    else holder[key] = usage;
  }
  return JSON.stringify(body).replaceAll(`"${huge}"`, '1e309');
}

/** An SSE text with every `data:` event's usage mutated as `withUsage` does. */
function sseWithUsage(text: string, variant: Variant, key: string, at?: (body: Record<string, unknown>) => Record<string, unknown> | undefined): string {
  return text.replace(/^data: (\{.*\})$/gm, (_line, data: string) => `data: ${withUsage(data, variant, key, at)}`);
}

const json = (body: string): ReplayScript => ({ body, contentType: 'application/json' });
const sse = (body: string): ReplayScript => ({ body, contentType: 'text/event-stream' });

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;

beforeAll(async () => {
  replay = await startFixtureReplay();
  const url = replay.url;
  const config = {
    providers: {
      openai: { api_key: 'sk-proj-USAGE-0123456789abcdef', base_url: url },
      groq: { use: 'openai', preset: 'groq', api_key: 'gsk-usage-test-0123456789', base_url: url },
      azure: { api_key: 'azure-test-key-0123456789', endpoint: url },
      mistral: { api_key: 'mistral-test-key-0123456789', base_url: url },
      anthropic: { api_key: 'sk-ant-test-0123456789', base_url: url },
      gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: url },
      cohere: { api_key: 'cohere-test-key-0123456789', base_url: url },
      bedrock: { region: 'us-east-1', endpoint: url, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-test-secret-0123456789' },
    },
    chain: ['auth', 'key-scope', 'route', 'adapter'],
  };
  pair = await startGatewayPair(config);
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

/** One request against the next upstream answer: what the client read, and the ledger's record. */
function run<T>(path: Path, script: ReplayScript, request: (gateway: TestGateway) => Promise<T>): Promise<{ read: T; record: RequestRecord }> {
  replay.play(script);
  return pair.exchange(path, request);
}

const openai = (gateway: TestGateway) => new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
const anthropic = (gateway: TestGateway) => new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
const question = 'What is the weather in Paris?';

/** What an OpenAI client reads as usage, in the ledger's terms. */
const fromOpenAI = (usage: OpenAI.CompletionUsage | null | undefined) => ({ inputTokens: usage?.prompt_tokens, outputTokens: usage?.completion_tokens, total: usage?.total_tokens });
const fromRecord = (record: RequestRecord) => ({ inputTokens: record.usage?.inputTokens, outputTokens: record.usage?.outputTokens, total: (record.usage?.inputTokens ?? 0) + (record.usage?.outputTokens ?? 0) });

/** The estimate is a real bill: counts above 0, a finite cost above 0. */
function expectEstimate(record: RequestRecord): void {
  expect(record.usage!.inputTokens).toBeGreaterThan(0);
  expect(record.usage!.outputTokens).toBeGreaterThan(0);
  expect(Number.isFinite(record.costUsd)).toBe(true);
  expect(record.costUsd).toBeGreaterThan(0);
}

interface WholeCase {
  provider: string;
  model: string;
  answer: (variant: Variant) => string;
}

/** Whole answers each provider reads, with its usage where its wire format puts it. */
const wholeCases: WholeCase[] = [
  { provider: 'openai', model: 'gpt-4o-mini', answer: (variant) => withUsage(readFixture('openai', 'response.json'), variant, 'usage') },
  { provider: 'openai (tool call)', model: 'gpt-4o-mini', answer: (variant) => withUsage(readFixture('openai', 'response-tool-call.json'), variant, 'usage') },
  { provider: 'groq', model: 'llama-3.3-70b-versatile', answer: (variant) => withUsage(readFixture('openai', 'response.json'), variant, 'usage') },
  { provider: 'azure', model: 'gpt-4o-mini', answer: (variant) => withUsage(readFixture('azure-openai', 'response.json'), variant, 'usage') },
  { provider: 'mistral', model: 'mistral-large-latest', answer: (variant) => withUsage(readFixture('mistral', 'response.json'), variant, 'usage') },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', answer: (variant) => withUsage(readFixture('anthropic', 'response.json'), variant, 'usage') },
  { provider: 'gemini', model: 'gemini-2.5-flash', answer: (variant) => withUsage(readFixture('gemini', 'response.json'), variant, 'usageMetadata') },
  { provider: 'cohere', model: 'command-a-03-2025', answer: (variant) => withUsage(readFixture('cohere', 'response.json'), variant, 'usage') },
  { provider: 'bedrock', model: 'anthropic.claude-sonnet-4-5-20250929-v1:0', answer: (variant) => withUsage(readFixture('bedrock', 'response.json'), variant, 'usage') },
];

const target = (wholeCase: WholeCase) => `${wholeCase.provider.split(' ')[0]}/${wholeCase.model}`;

describe('a whole answer read by an OpenAI client', () => {
  const askOpenAI = (wholeCase: WholeCase, path: Path, variant: Variant) =>
    run(path, json(wholeCase.answer(variant)), (gateway) => openai(gateway).chat.completions.create({ model: target(wholeCase), messages: [{ role: 'user', content: question }] }));

  const cases = wholeCases.flatMap((wholeCase) => paths.map((path) => ({ ...wholeCase, path })));

  it.each(cases)('$provider ($path gateway): a usage that is missing or unreadable bills the estimate, and the client reads it', async (wholeCase) => {
    const missing = await askOpenAI(wholeCase, wholeCase.path, 'missing');
    expectEstimate(missing.record);
    expect(fromOpenAI(missing.read.usage)).toEqual(fromRecord(missing.record));
    for (const variant of hostile) {
      const { read, record } = await askOpenAI(wholeCase, wholeCase.path, variant);
      expect(record.usage, variant).toEqual(missing.record.usage);
      expect(record.costUsd, variant).toBe(missing.record.costUsd);
      expect(fromOpenAI(read.usage), variant).toEqual(fromRecord(record));
    }
  });

  it.each(paths)('openai (%s gateway): the estimate of a whole answer is what the same answer streamed without usage bills', async (path) => {
    const whole = await askOpenAI(wholeCases[0]!, path, 'missing');
    const content = whole.read.choices[0]!.message.content!;
    const chunk = (delta: string, finish: string | null) =>
      `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":${delta},"finish_reason":${finish}}]}\n\n`;
    const stream = chunk(`{"role":"assistant","content":${JSON.stringify(content)}}`, 'null') + chunk('{}', '"stop"') + 'data: [DONE]\n\n';
    const streamed = await run(path, sse(stream), async (gateway) => {
      const events = await openai(gateway).chat.completions.create({ model: target(wholeCases[0]!), messages: [{ role: 'user', content: question }], stream: true });
      for await (const _event of events);
    });
    expect(streamed.record.usage).toEqual(whole.record.usage);
    expect(streamed.record.costUsd).toBe(whole.record.costUsd);
  });

  it.each(paths)('a valid usage (%s gateway) is billed as the upstream sent it', async (path) => {
    const { read, record } = await run(path, json(readFixture('openai', 'response.json')), (gateway) =>
      openai(gateway).chat.completions.create({ model: target(wholeCases[0]!), messages: [{ role: 'user', content: question }] }),
    );
    expect(record.usage).toEqual({ inputTokens: 121, outputTokens: 14 });
    expect(fromOpenAI(read.usage)).toEqual(fromRecord(record));
  });
});

describe('an Anthropic client in front of Anthropic', () => {
  const anthropicUsage = (usage: Anthropic.Usage) => ({
    inputTokens: usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
    outputTokens: usage.output_tokens,
  });
  const recordCounts = (record: RequestRecord) => ({ inputTokens: record.usage?.inputTokens, outputTokens: record.usage?.outputTokens });

  const ask = (path: Path, variant: Variant) =>
    run(path, json(withUsage(readFixture('anthropic', 'response.json'), variant, 'usage')), (gateway) =>
      anthropic(gateway).messages.create({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: question }] }),
    );

  /** The stream with the usage of message_delta mutated, and of message_start too when `start` says so. */
  const stream = (path: Path, variant: Variant, start: Variant | undefined = undefined) =>
    run(
      path,
      sse(
        sseWithUsage(readFixture('anthropic', 'stream-text-only.txt'), variant, 'usage', (body) =>
          body['type'] === 'message_delta' ? body : undefined,
        ).replace(/^data: (\{"type":"message_start".*\})$/m, (_line, data: string) => `data: ${start ? withUsage(data, start, 'usage', (body) => body['message'] as Record<string, unknown>) : data}`),
      ),
      async (gateway) => {
        const events = anthropic(gateway).messages.stream({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: question }] });
        return (await events.finalMessage()).usage;
      },
    );

  it.each(paths)('whole (%s gateway): a missing or unreadable usage bills the estimate, and the client reads it', async (path) => {
    const missing = await ask(path, 'missing');
    expectEstimate(missing.record);
    expect(anthropicUsage(missing.read.usage)).toEqual(recordCounts(missing.record));
    for (const variant of hostile) {
      const { read, record } = await ask(path, variant);
      expect(record.usage, variant).toEqual(missing.record.usage);
      expect(record.costUsd, variant).toBe(missing.record.costUsd);
      expect(anthropicUsage(read.usage), variant).toEqual(recordCounts(record));
    }
  });

  it.each(paths)('streamed (%s gateway): a missing or unreadable usage bills the estimate, and the client reads it', async (path) => {
    const missing = await stream(path, 'missing');
    expectEstimate(missing.record);
    expect(anthropicUsage(missing.read)).toEqual(recordCounts(missing.record));
    for (const variant of hostile) {
      const { read, record } = await stream(path, variant);
      expect(record.usage, variant).toEqual(missing.record.usage);
      expect(record.costUsd, variant).toBe(missing.record.costUsd);
      expect(anthropicUsage(read), variant).toEqual(recordCounts(record));
    }
  });

  it.each(paths)('streamed (%s gateway): unreadable in message_start too, the prompt is estimated as well', async (path) => {
    const reference = await stream(path, 'missing', 'negative');
    expectEstimate(reference.record);
    expect(anthropicUsage(reference.read)).toEqual(recordCounts(reference.record));
    // message_start's real input tokens (74 + 512 cached) are not there to take.
    expect(reference.record.usage!.inputTokens).not.toBe(586);
    for (const variant of hostile) {
      const { read, record } = await stream(path, variant, variant);
      expect(record.usage, variant).toEqual(reference.record.usage);
      expect(anthropicUsage(read), variant).toEqual(recordCounts(record));
    }
  });

  it('a text count that is digits is added, not concatenated', async () => {
    const body = JSON.parse(readFixture('anthropic', 'response.json')) as { usage: Record<string, unknown> };
    body.usage = { input_tokens: '74', cache_read_input_tokens: '512', cache_creation_input_tokens: 0, output_tokens: '17' };
    const { record } = await run('translated', json(JSON.stringify(body)), (gateway) =>
      anthropic(gateway).messages.create({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: question }] }),
    );
    expect(record.usage).toEqual({ inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 });
  });
});

describe('an Anthropic stream whose message_start or message_delta usage is not what the SDK reads', () => {
  type UsageEdit = (usage: Record<string, unknown>) => Record<string, unknown> | undefined;
  const asRecorded: UsageEdit = (usage) => usage;
  const removed: UsageEdit = () => undefined;
  const outputOnly: UsageEdit = (usage) => ({ output_tokens: usage['output_tokens'] });
  const countsAsDigits: UsageEdit = (usage) => mapValues(usage, (value) => (typeof value === 'number' ? String(value) : value));

  /** The recorded stream with message_start's and message_delta's usage objects edited (undefined: left out). */
  function edited(start: UsageEdit, delta: UsageEdit): string {
    const set = (holder: Record<string, unknown>, usage: Record<string, unknown> | undefined) => {
      if (usage === undefined) delete holder['usage'];
      else holder['usage'] = usage;
    };
    return readFixture('anthropic', 'stream-text-only.txt').replace(/^data: (\{.*\})$/gm, (_line, data: string) => {
      const body = JSON.parse(data) as Record<string, unknown> & { message?: Record<string, unknown> };
      if (body['type'] === 'message_start') set(body.message!, start(body.message!['usage'] as Record<string, unknown>));
      if (body['type'] === 'message_delta') set(body, delta(body['usage'] as Record<string, unknown>));
      return `data: ${JSON.stringify(body)}`;
    });
  }

  /** The stream through the official SDK: its final usage, and the usage of the message_start it was given. */
  const stream = (path: Path, body: string) =>
    run(path, sse(body), async (gateway) => {
      const events = anthropic(gateway).messages.stream({ model: 'anthropic/claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: question }] });
      let startUsage: unknown;
      events.on('streamEvent', (event) => {
        if (event.type === 'message_start') startUsage = structuredClone(event.message.usage);
      });
      return { final: (await events.finalMessage()).usage, startUsage };
    });

  const counts = (usage: Anthropic.Usage) => ({
    inputTokens: usage.input_tokens + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0),
    outputTokens: usage.output_tokens,
  });
  const recordCounts = (record: RequestRecord) => ({ inputTokens: record.usage?.inputTokens, outputTokens: record.usage?.outputTokens });
  const numericCounts = (usage: unknown) => {
    const wire = usage as Record<string, unknown>;
    for (const key of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens']) {
      if (key in wire) expect(typeof wire[key], key).toBe('number');
    }
    expect(typeof wire['input_tokens']).toBe('number');
  };

  it.each(paths)('(%s gateway) a message_start without usage, or without input_tokens: the SDK reads the stream, billed as message_delta says', async (path) => {
    for (const [name, start] of [['removed', removed], ['output only', outputOnly]] as const) {
      const { read, record } = await stream(path, edited(start, asRecorded));
      expect(record.usage, name).toEqual({ inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 });
      expect(counts(read.final), name).toEqual(recordCounts(record));
      numericCounts(read.startUsage);
    }
  });

  it.each(paths)('(%s gateway) input_tokens in neither event: the prompt is estimated, the output count kept, and the client reads both', async (path) => {
    // The estimate of the prompt: message_start's counts unreadable, message_delta without usage.
    const prompt = (await stream(path, edited(() => ({ input_tokens: -9, output_tokens: 1 }), removed))).record.usage!.inputTokens;
    expect(prompt).toBeGreaterThan(0);
    for (const [name, start] of [['removed', removed], ['output only', outputOnly]] as const) {
      const { read, record } = await stream(path, edited(start, outputOnly));
      expect(record.usage, name).toEqual({ inputTokens: prompt, outputTokens: 17 });
      expect(record.costUsd, name).toBeGreaterThan(0);
      expect(counts(read.final), name).toEqual(recordCounts(record));
      numericCounts(read.startUsage);
    }
  });

  it.each(paths)('(%s gateway) counts written as digits are billed and reach the client as numbers', async (path) => {
    const { read, record } = await stream(path, edited(countsAsDigits, countsAsDigits));
    expect(record.usage).toEqual({ inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 });
    numericCounts(read.final);
    numericCounts(read.startUsage);
    expect(counts(read.final)).toEqual(recordCounts(record));
  });

  it('(fast gateway) a readable usage is the upstream\'s own, not written again', async () => {
    const { read, record } = await stream('fast', readFixture('anthropic', 'stream-text-only.txt'));
    expect(record.usage).toEqual({ inputTokens: 586, outputTokens: 17, cachedInputTokens: 512 });
    // service_tier and cache_creation are the upstream's own: message_start was not written again.
    expect(read.startUsage).toMatchObject({ input_tokens: 74, output_tokens: 1, service_tier: 'standard', cache_creation: { ephemeral_5m_input_tokens: 0 } });
    expect(counts(read.final)).toEqual(recordCounts(record));
  });
});

describe('streams of the other providers, read by an OpenAI client', () => {
  const streams = [
    { provider: 'gemini/gemini-2.5-flash', fixture: ['gemini', 'stream-text-only.txt'], key: 'usageMetadata', at: undefined },
    { provider: 'cohere/command-a-03-2025', fixture: ['cohere', 'stream-text-only.txt'], key: 'usage', at: (body: Record<string, unknown>) => body['delta'] as Record<string, unknown> | undefined },
  ] as const;

  const ask = (provider: string, body: string, path: Path) =>
    run(path, sse(body), async (gateway) => {
      const events = await openai(gateway).chat.completions.create({ model: provider, messages: [{ role: 'user', content: question }], stream: true, stream_options: { include_usage: true } });
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const event of events) if (event.usage) usage = event.usage;
      return usage;
    });

  it.each(streams)('$provider: a missing or unreadable usage bills the estimate, and the client reads it', async ({ provider, fixture, key, at }) => {
    const text = readFixture(fixture[0], fixture[1]);
    const missing = await ask(provider, sseWithUsage(text, 'missing', key, at), 'translated');
    expectEstimate(missing.record);
    expect(fromOpenAI(missing.read)).toEqual(fromRecord(missing.record));
    for (const variant of hostile) {
      const { read, record } = await ask(provider, sseWithUsage(text, variant, key, at), 'translated');
      expect(record.usage, variant).toEqual(missing.record.usage);
      expect(record.costUsd, variant).toBe(missing.record.costUsd);
      expect(fromOpenAI(read), variant).toEqual(fromRecord(record));
    }
  });
});

describe('a whole Responses answer on the fast path', () => {
  const response = (variant: Variant) =>
    withUsage(
      JSON.stringify({
        id: 'resp_up',
        object: 'response',
        created_at: 1764072000,
        status: 'completed',
        model: 'gpt-4o-mini',
        output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: "It's currently 18°C and partly cloudy in Paris.", annotations: [] }] }],
        usage: { input_tokens: 9, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 11 },
      }),
      variant,
      'usage',
    );

  it('a missing or unreadable usage bills the estimate, and the client reads it', async () => {
    const ask = (variant: Variant) => run('fast', json(response(variant)), (gateway) => openai(gateway).responses.create({ model: 'openai/gpt-4o-mini', input: question }));
    const missing = await ask('missing');
    expect(replay.received.at(-1)!.path).toBe('/responses');
    expectEstimate(missing.record);
    for (const variant of hostile) {
      const { read, record } = await ask(variant);
      expect(record.usage, variant).toEqual(missing.record.usage);
      expect(record.costUsd, variant).toBe(missing.record.costUsd);
      expect(read.usage, variant).toMatchObject({ input_tokens: record.usage!.inputTokens, output_tokens: record.usage!.outputTokens });
    }
  });
});
