import Anthropic from '@anthropic-ai/sdk';
import type { RequestRecord, Usage } from '@switchyard/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { startGatewayPair, type GatewayPair, type PathName } from './support/start-gateway-pair.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * The usage a client reads is the usage the gateway billed. An upstream whose usage is
 * missing or unreadable (negative, fractional, text, 1e309) is billed the gateway's
 * estimate; its client must read that estimate, not zeros, and a whole answer's text
 * counts (`"9"`) must reach the client as the numbers billed. Read with the official
 * clients, through a gateway with the fast path and one without, against the same
 * upstream bytes; each answer is compared with the ledger's record of it.
 */

const apiKey = 'sk-proj-USAGE-0123456789abcdef';

type Path = PathName;
const paths: Path[] = ['fast', 'translated'];

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;

beforeAll(async () => {
  replay = await startFixtureReplay();
  const config = {
    providers: {
      openai: { api_key: apiKey, base_url: replay.url },
      // The Responses API translated to Chat Completions, whichever path the gateway takes.
      'openai-chat-only': { use: 'openai', api_key: apiKey, base_url: replay.url, responses_api: false },
    },
    models: {
      once: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 } },
      'chat-only': { deployments: [{ target: 'openai-chat-only/gpt-4o-mini' }], retries: { attempts: 0 } },
    },
    chain: ['auth', 'key-scope', 'route', 'adapter'],
  };
  pair = await startGatewayPair(config);
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

/** Runs one request against the next upstream answer; resolves with what the client read and the ledger's record. */
function run<T>(path: Path, script: ReplayScript, request: (gateway: TestGateway) => Promise<T>): Promise<{ read: T; record: RequestRecord }> {
  replay.play(script);
  return pair.exchange(path, request);
}

const openai = (gateway: TestGateway) => new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });

/** A usage in OpenAI's three counts, as the ledger's record says it. */
const openAICounts = (usage: Usage | undefined) => ({
  prompt_tokens: usage?.inputTokens,
  completion_tokens: usage?.outputTokens,
  total_tokens: (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0),
});

const sse = (body: string): ReplayScript => ({ body, contentType: 'text/event-stream' });
const chunk = (rest: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764072000,"model":"gpt-4o-mini",${rest}}\n\n`;
const token = (text: string) => chunk(`"choices":[{"index":0,"delta":{"content":${JSON.stringify(text)}},"finish_reason":null}],"usage":null`);
const finishing = chunk('"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null');
const usageChunk = (usage: string) => chunk(`"choices":[],"usage":${usage}`);
const done = 'data: [DONE]\n\n';
/** Long enough that an estimate of it is clearly more than nothing. */
const words = ['Streams ', 'without ', 'a usage ', 'are billed ', 'from what ', 'was delivered.'];
const streamWithUsage = (usage: string | undefined) =>
  chunk('"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null') +
  words.map(token).join('') +
  finishing +
  (usage === undefined ? '' : usageChunk(usage)) +
  done;

const unreadableUsages: Array<[string, string | undefined]> = [
  ['missing', undefined],
  ['negative', '{"prompt_tokens":-9,"completion_tokens":-2,"total_tokens":-11}'],
  ['fractional', '{"prompt_tokens":9.5,"completion_tokens":2.25,"total_tokens":11.75}'],
  ['past Infinity (1e309)', '{"prompt_tokens":1e309,"completion_tokens":2,"total_tokens":11}'],
  ['text that is not digits', '{"prompt_tokens":"lots","completion_tokens":"many","total_tokens":"all"}'],
  ['null counts', '{"prompt_tokens":null,"completion_tokens":null}'],
];

describe('a streamed chat completion asked with include_usage', () => {
  const cases = paths.flatMap((path) => unreadableUsages.map(([name, usage]) => ({ path, name, usage })));

  it.each(cases)('usage $name ($path path): the closing usage chunk says what the ledger billed, the estimate', async ({ path, usage }) => {
    const { read, record } = await run(path, sse(streamWithUsage(usage)), async (gateway) => {
      const stream = await openai(gateway).chat.completions.create({
        model: 'once',
        messages: [{ role: 'user', content: 'Say something about usage' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const usages: unknown[] = [];
      let content = '';
      for await (const event of stream) {
        content += event.choices[0]?.delta.content ?? '';
        if (event.usage) usages.push(event.usage);
      }
      return { content, usages };
    });
    expect(read.content).toBe(words.join(''));
    expect(record.usage!.outputTokens).toBeGreaterThan(0);
    expect(record.usage!.inputTokens).toBeGreaterThan(0);
    expect(read.usages).toHaveLength(1);
    expect(read.usages[0]).toMatchObject(openAICounts(record.usage));
  });

  it.each(paths)('a valid usage (%s path) is read as the upstream sent it, which is what was billed', async (path) => {
    const { read, record } = await run(path, sse(streamWithUsage('{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}')), async (gateway) => {
      const stream = await openai(gateway).chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
      const usages: unknown[] = [];
      for await (const event of stream) if (event.usage) usages.push(event.usage);
      return usages;
    });
    expect(record.usage).toEqual({ inputTokens: 9, outputTokens: 7 });
    expect(read).toEqual([expect.objectContaining(openAICounts(record.usage))]);
  });
});

describe('a whole chat completion on the fast path', () => {
  const answer = (usage: string) =>
    `{"id":"chatcmpl-1","object":"chat.completion","created":1764072000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":${usage}}`;
  const json = (body: string): ReplayScript => ({ body, contentType: 'application/json' });

  const cases: Array<[string, string]> = [
    ['counts written as text', '{"prompt_tokens":"9","completion_tokens":"2","total_tokens":"11"}'],
    ['negative counts', '{"prompt_tokens":-9,"completion_tokens":-2,"total_tokens":-11}'],
    ['huge counts', '{"prompt_tokens":1e300,"completion_tokens":2,"total_tokens":11}'],
    ['a total that is not the sum', '{"prompt_tokens":9,"completion_tokens":2,"total_tokens":"eleven"}'],
  ];

  it.each(cases)('usage with %s: the client reads the usage billed, in numbers', async (_name, usage) => {
    for (const path of paths) {
      const { read, record } = await run(path, json(answer(usage)), (gateway) =>
        openai(gateway).chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'Hi' }] }),
      );
      expect(read.usage, path).toMatchObject(openAICounts(record.usage));
    }
  });

  it('valid detail counts are kept, detail counts that are not counts are dropped', async () => {
    const usage =
      '{"prompt_tokens":"9","completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":-1},"completion_tokens_details":{"reasoning_tokens":"x","accepted_prediction_tokens":0}}';
    const { read, record } = await run('fast', json(answer(usage)), (gateway) => openai(gateway).chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(record.usage).toEqual({ inputTokens: 9, outputTokens: 2, cachedInputTokens: 4 });
    expect(read.usage).toEqual({ ...openAICounts(record.usage), prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { accepted_prediction_tokens: 0 } });
  });

  it('a detail count past what one call can hold (100,000,000) is dropped, as billing reads it as no count', async () => {
    const usage =
      '{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":9007199254740991,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":100000001}}';
    const { read, record } = await run('fast', json(answer(usage)), (gateway) => openai(gateway).chat.completions.create({ model: 'once', messages: [{ role: 'user', content: 'Hi' }] }));
    expect(record.usage).toEqual({ inputTokens: 9, outputTokens: 2 });
    expect(read.usage).toEqual({ ...openAICounts(record.usage), prompt_tokens_details: { audio_tokens: 0 }, completion_tokens_details: {} });
  });

  it('a valid usage passes byte for byte, extras and all', async () => {
    const usage = '{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"cost":0.00012}';
    replay.play(json(answer(usage)));
    const recorded = pair.nextRecord(pair.fast);
    const response = await fetch(`${pair.fast.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'once', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(response.headers.get('x-switchyard-path')).toBe('fast');
    expect(await response.text()).toContain(`"usage":${usage}`);
    expect((await recorded).usage).toEqual({ inputTokens: 9, outputTokens: 2 });
  });
});

describe('the same defect in the other dialects', () => {
  it.each(paths)('an Anthropic client in front of an upstream without usage (%s gateway) reads the billed estimate in message_delta', async (path) => {
    const { read, record } = await run(path, sse(streamWithUsage(undefined)), async (gateway) => {
      const client = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
      const stream = client.messages.stream({ model: 'once', max_tokens: 100, messages: [{ role: 'user', content: 'Say something about usage' }] });
      const usages: unknown[] = [];
      for await (const event of stream) if (event.type === 'message_delta') usages.push(event.usage);
      return usages;
    });
    expect(record.usage!.outputTokens).toBeGreaterThan(0);
    expect(read).toEqual([expect.objectContaining({ input_tokens: record.usage!.inputTokens, output_tokens: record.usage!.outputTokens })]);
  });

  it.each(paths)('a Responses client translated to Chat Completions without usage (%s gateway) reads the billed estimate', async (path) => {
    const { read, record } = await run(path, sse(streamWithUsage(undefined)), async (gateway) => {
      const stream = await openai(gateway).responses.create({ model: 'chat-only', input: 'Say something about usage', stream: true });
      let usage: unknown;
      for await (const event of stream) if (event.type === 'response.completed') usage = event.response.usage;
      return usage;
    });
    expect(record.usage!.outputTokens).toBeGreaterThan(0);
    expect(read).toMatchObject({ input_tokens: record.usage!.inputTokens, output_tokens: record.usage!.outputTokens, total_tokens: record.usage!.inputTokens + record.usage!.outputTokens });
  });

  /** OpenAI's Responses stream, its final Response carrying `usage`. */
  const responsesStream = (usage: string) => {
    const response = (status: string, rest = '') =>
      `{"id":"resp_up","object":"response","created_at":1764072000,"status":"${status}","model":"gpt-4o-mini","output":[]${rest}}`;
    const named = (type: string, sequence: number, fields: string) => `event: ${type}\ndata: {"type":"${type}","sequence_number":${sequence},${fields}}\n\n`;
    const item = '{"id":"msg_1","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":"' + words.join('') + '","annotations":[]}]}';
    return (
      named('response.created', 0, `"response":${response('in_progress', ',"usage":null')}`) +
      words.map((delta, index) => named('response.output_text.delta', index + 1, `"item_id":"msg_1","output_index":0,"content_index":0,"delta":${JSON.stringify(delta)}`)).join('') +
      named('response.output_item.done', words.length + 1, `"output_index":0,"item":${item}`) +
      named('response.completed', words.length + 2, `"response":${response('completed', `,"usage":${usage}`).replace('"output":[]', `"output":[${item}]`)}`)
    );
  };

  it.each([
    ['missing', 'null'],
    ['negative', '{"input_tokens":-9,"output_tokens":-2,"total_tokens":-11}'],
  ])('the Responses fast path with a usage %s: response.completed says what the ledger billed', async (_name, usage) => {
    const { read, record } = await run('fast', sse(responsesStream(usage)), async (gateway) => {
      const stream = await openai(gateway).responses.create({ model: 'once', input: 'Say something about usage', stream: true });
      let completed: OpenAI.Responses.Response | undefined;
      for await (const event of stream) if (event.type === 'response.completed') completed = event.response;
      return completed;
    });
    expect(replay.received.at(-1)!.path).toBe('/responses');
    expect(JSON.stringify(read?.output)).toContain(words.join(''));
    expect(read?.usage).toMatchObject({ input_tokens: record.usage!.inputTokens, output_tokens: record.usage!.outputTokens, total_tokens: record.usage!.inputTokens + record.usage!.outputTokens });
  });
});
