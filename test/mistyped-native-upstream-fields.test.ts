import Anthropic from '@anthropic-ai/sdk';
import type { RequestRecord } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeConverseEvent } from '../packages/testing/src/mock-bedrock/encode-event-frame.js';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { startGatewayPair, type GatewayPair, type PathName } from './support/start-gateway-pair.js';
import { onceModels } from './support/request-records.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * The Anthropic, Bedrock and Cohere upstreams with a value of the wrong type where
 * text, an index or an object belongs: a text, thinking or tool plan of 12345 or {},
 * a tool name of 5 and an id of {}, tool input that is text, a number or a list,
 * partial JSON of 5, a content block that is null, block indices of "x", 1e300, -1
 * and 4294967296, an event whose data is null. Such a value is not passed on as text
 * ("5", "[object Object]", "undefined") nor as it came (a number where the client
 * reads text); a call without a name is left out; tool input sent as an object or as
 * JSON text is read as its JSON text. The answer is billed: the upstream sends no
 * usage here, so the gateway's estimate is recorded, and it must be whole numbers.
 * The recorded fixtures are the base of every answer, with their content replaced.
 */

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;

const providers = ['anthropic', 'bedrock', 'cohere'] as const;
type Provider = (typeof providers)[number];
const targets: Record<Provider, string> = {
  anthropic: 'anthropic/claude-sonnet-4-5',
  bedrock: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0',
  cohere: 'cohere/command-a-03-2025',
};

beforeAll(async () => {
  replay = await startFixtureReplay();
  const url = replay.url;
  pair = await startGatewayPair({
    providers: {
      anthropic: { api_key: 'sk-ant-test-mistyped-0123456789', base_url: url },
      cohere: { api_key: 'cohere-test-mistyped-0123456789', base_url: url },
      bedrock: { region: 'us-east-1', endpoint: url, access_key_id: 'AKIDEXAMPLE0123456789', secret_access_key: 'bedrock-test-secret-0123456789' },
    },
    // Reached once: an answer the gateway cannot read is not asked for again.
    models: onceModels(targets),
    chain: ['auth', 'key-scope', 'route', 'adapter'],
  });
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

type Json = Record<string, unknown>;
const json = (text: string) => JSON.parse(text) as Json;

/** The named events of a recorded SSE stream, in order. */
const sseEvents = (text: string): Array<[string, Json]> =>
  [...text.matchAll(/^event: (.+)\ndata: (.+)$/gm)].map(([, name, data]) => [name!, json(data!)]);
const sse = (events: Array<[string, unknown]>) => events.map(([name, data]) => `event: ${name}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`).join('');
const withoutUsage = (body: Json) => {
  delete body['usage'];
  return body;
};

// Anthropic: response-tool-call.json and stream.txt with their content replaced, without usage.
const anthropicWhole = (content: unknown[], stopReason = 'end_turn') => JSON.stringify({ ...withoutUsage(json(readFixture('anthropic', 'response-tool-call.json'))), content, stop_reason: stopReason });
function anthropicStream(...content: Array<[string, unknown]>): string {
  const recorded = sseEvents(readFixture('anthropic', 'stream.txt'));
  const [, start] = recorded.find(([name]) => name === 'message_start')!;
  delete (start['message'] as Json)['usage'];
  const [, delta] = recorded.find(([name]) => name === 'message_delta')!;
  return sse([['message_start', start], ...content, ['message_delta', { ...withoutUsage(delta), delta: { stop_reason: 'end_turn', stop_sequence: null } }], ['message_stop', { type: 'message_stop' }]]);
}
const blockStart = (index: unknown, block: unknown): [string, unknown] => ['content_block_start', { type: 'content_block_start', index, content_block: block }];
const blockDelta = (index: unknown, delta: Json): [string, unknown] => ['content_block_delta', { type: 'content_block_delta', index, delta }];
const text = (index: unknown, value: unknown) => blockDelta(index, { type: 'text_delta', text: value });
const partialJson = (index: unknown, value: unknown) => blockDelta(index, { type: 'input_json_delta', partial_json: value });
const toolUse = (id: unknown, name: unknown, input: unknown = {}) => ({ type: 'tool_use', id, name, input });

// Bedrock: response-tool-call.json and the frames of stream.eventstream.bin (stream-decoded.jsonl) with their content replaced, without usage.
const bedrockWhole = (content: unknown[]) => {
  const body = withoutUsage(json(readFixture('bedrock', 'response-tool-call.json')));
  return JSON.stringify({ ...body, output: { message: { role: 'assistant', content } }, stopReason: 'end_turn' });
};
function bedrockStream(...content: Array<[string, unknown]>): Buffer {
  const recorded = readFixture('bedrock', 'stream-decoded.jsonl')
    .trim()
    .split('\n')
    .map((line) => json(line) as { headers: Record<string, string>; payload: Json });
  const frame = (type: string) => recorded.find((event) => event.headers[':event-type'] === type)!.payload;
  return Buffer.concat(
    [['messageStart', frame('messageStart')], ...content, ['messageStop', { ...frame('messageStop'), stopReason: 'end_turn' }], ['metadata', withoutUsage(frame('metadata'))]].map(([type, payload]) =>
      encodeConverseEvent(type as string, payload as Json),
    ),
  );
}
const converseDelta = (contentBlockIndex: unknown, delta: unknown): [string, unknown] => ['contentBlockDelta', { contentBlockIndex, delta, p: 'abcdefgh' }];
const converseToolStart = (contentBlockIndex: unknown, toolUse: unknown): [string, unknown] => ['contentBlockStart', { contentBlockIndex, start: { toolUse }, p: 'abc' }];

// Cohere: response-tool-call.json and stream.txt with their content replaced, without usage.
const cohereWhole = (message: Json) => JSON.stringify({ ...withoutUsage(json(readFixture('cohere', 'response-tool-call.json'))), message: { role: 'assistant', ...message }, finish_reason: 'COMPLETE' });
function cohereStream(...content: Array<[string, unknown]>): string {
  const recorded = sseEvents(readFixture('cohere', 'stream.txt'));
  const [, start] = recorded.find(([name]) => name === 'message-start')!;
  const [, end] = recorded.find(([name]) => name === 'message-end')!;
  delete (end['delta'] as Json)['usage'];
  return `${sse([['message-start', start], ...content, ['message-end', { ...end, delta: { finish_reason: 'COMPLETE' } }]])}data: [DONE]\n\n`;
}
const cohereText = (value: unknown): [string, unknown] => ['content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { text: value } } } }];
const cohereCall = (index: unknown, call: unknown): [string, unknown] => ['tool-call-start', { type: 'tool-call-start', index, delta: { message: { tool_calls: call } } }];
const cohereArguments = (index: unknown, value: unknown): [string, unknown] => ['tool-call-delta', { type: 'tool-call-delta', index, delta: { message: { tool_calls: { function: { arguments: value } } } } }];

interface Case {
  provider: Provider;
  name: string;
  whole?: string;
  stream?: string | Buffer;
  /** What an OpenAI client reads as content (null: none). */
  text: string | null;
  /** The tool calls it reads, names and arguments. */
  toolCalls?: Array<{ name: string; arguments: string }>;
  /** An event the gateway cannot read at all: the stream ends in upstream_invalid_response saying so. */
  unreadable?: string;
}

const city = { city: 'Paris' };
const cityText = '{"city":"Paris"}';

const cases: Case[] = [
  // Anthropic, whole.
  { provider: 'anthropic', name: 'content blocks that are null or a number', whole: anthropicWhole([null, 5, { type: 'text', text: 'Hi' }]), text: 'Hi' },
  {
    provider: 'anthropic',
    name: 'a thinking of {} or 7, a text of 12345',
    whole: anthropicWhole([{ type: 'thinking', thinking: { a: 1 }, signature: 'sig' }, { type: 'thinking', thinking: 7 }, { type: 'text', text: 12345 }, { type: 'text', text: 'Hi' }]),
    text: 'Hi',
  },
  {
    provider: 'anthropic',
    name: 'a tool name of 5 or none, an id of {}',
    whole: anthropicWhole([toolUse('toolu_1', 5, city), toolUse('toolu_2', undefined, city), toolUse({ a: 1 }, 'get_weather', city)], 'tool_use'),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'anthropic',
    name: 'tool input sent as JSON text, a number, a list or null',
    whole: anthropicWhole([toolUse('toolu_1', 'get_weather', cityText), toolUse('toolu_2', 'get_weather', 5), toolUse('toolu_3', 'get_weather', [1]), toolUse('toolu_4', 'get_weather', null)], 'tool_use'),
    text: null,
    toolCalls: [
      { name: 'get_weather', arguments: cityText },
      { name: 'get_weather', arguments: '{}' },
      { name: 'get_weather', arguments: '{}' },
      { name: 'get_weather', arguments: '{}' },
    ],
  },
  // Anthropic, streamed.
  {
    provider: 'anthropic',
    name: 'a text of 12345 or {} (block index 4294967296)',
    stream: anthropicStream(blockStart(4294967296, { type: 'text', text: 12345 }), text(4294967296, 'Hi'), text(4294967296, 12345), text(4294967296, { a: 1 })),
    text: 'Hi',
  },
  {
    provider: 'anthropic',
    name: 'a thinking of 7 or {} (block index -1)',
    stream: anthropicStream(blockStart(-1, { type: 'thinking', thinking: 7 }), blockDelta(-1, { type: 'thinking_delta', thinking: { a: 1 } }), blockStart(0, { type: 'text', text: '' }), text(0, 'Hi')),
    text: 'Hi',
  },
  {
    provider: 'anthropic',
    name: 'a tool name of 5, an id of {} (block indices 1e300 and "x")',
    stream: anthropicStream(blockStart(1e300, toolUse('toolu_1', 5)), partialJson(1e300, '{"a":1}'), blockStart('x', toolUse({ a: 1 }, 'get_weather')), partialJson('x', cityText)),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'anthropic',
    name: 'partial JSON of 5 or {}',
    stream: anthropicStream(blockStart(0, toolUse('toolu_1', 'get_weather')), partialJson(0, 5), partialJson(0, { a: 1 }), partialJson(0, cityText)),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    // Some Anthropic-compatible servers send the whole input in the start, and no input_json_delta.
    provider: 'anthropic',
    name: 'tool input given whole in its content_block_start, with no fragments after it',
    stream: anthropicStream(blockStart(0, toolUse('toolu_1', 'get_weather', city)), ['content_block_stop', { type: 'content_block_stop', index: 0 }]),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'anthropic',
    name: 'tool input given whole in its content_block_start, then fragments: the fragments make it',
    stream: anthropicStream(blockStart(0, toolUse('toolu_1', 'get_weather', { city: 'Lyon' })), partialJson(0, '{"city":'), partialJson(0, '"Paris"}')),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'anthropic',
    name: 'a text_delta, thinking_delta or input_json_delta without its text',
    stream: anthropicStream(
      blockStart(0, { type: 'thinking', thinking: '' }),
      blockDelta(0, { type: 'thinking_delta' }),
      blockStart(1, { type: 'text', text: '' }),
      text(1, 'Hi'),
      blockDelta(1, { type: 'text_delta' }),
      blockStart(2, toolUse('toolu_1', 'get_weather')),
      blockDelta(2, { type: 'input_json_delta' }),
      partialJson(2, cityText),
    ),
    text: 'Hi',
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'anthropic',
    name: 'a text or thinking block that starts without its text',
    stream: anthropicStream(blockStart(0, { type: 'thinking', signature: '' }), blockDelta(0, { type: 'thinking_delta', thinking: 'Hm' }), blockStart(1, { type: 'text' }), text(1, 'Hi')),
    text: 'Hi',
  },
  {
    provider: 'anthropic',
    name: 'an event whose data is null',
    stream: anthropicStream(blockStart(0, { type: 'text', text: '' }), text(0, 'Hi'), ['content_block_start', 'null']),
    text: 'Hi',
    unreadable: 'sent a stream event that is not an object',
  },
  // Bedrock, whole.
  { provider: 'bedrock', name: 'content blocks that are null or a number', whole: bedrockWhole([null, 5, { text: 'Hi' }]), text: 'Hi' },
  {
    provider: 'bedrock',
    name: 'a tool name of 5, an id of {}, a toolUse of 5',
    whole: bedrockWhole([{ toolUse: { toolUseId: 'tooluse_1', name: 5, input: city } }, { toolUse: 5 }, { toolUse: { toolUseId: { a: 1 }, name: 'get_weather', input: city } }]),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'bedrock',
    name: 'tool input sent as JSON text, a number or a list',
    whole: bedrockWhole([1, 2, 3].map((n, at) => ({ toolUse: { toolUseId: `tooluse_${n}`, name: 'get_weather', input: [cityText, 5, [1]][at] } }))),
    text: null,
    toolCalls: [
      { name: 'get_weather', arguments: cityText },
      { name: 'get_weather', arguments: '{}' },
      { name: 'get_weather', arguments: '{}' },
    ],
  },
  {
    provider: 'bedrock',
    name: 'a reasoning text of {} or 7, a text of 12345',
    whole: bedrockWhole([{ reasoningContent: { reasoningText: { text: { a: 1 }, signature: 'sig' } } }, { reasoningContent: { reasoningText: { text: 7 } } }, { text: 12345 }, { text: 'Hi' }]),
    text: 'Hi',
  },
  // Bedrock, streamed.
  {
    provider: 'bedrock',
    name: 'a reasoning text of 7 or {}, a text of 12345 or {}',
    stream: bedrockStream(converseDelta(0, { reasoningContent: { text: 7 } }), converseDelta(0, { reasoningContent: { text: { a: 1 } } }), converseDelta(1, { text: 'Hi' }), converseDelta(1, { text: 12345 }), converseDelta(1, { text: { a: 1 } })),
    text: 'Hi',
  },
  {
    provider: 'bedrock',
    name: 'a tool name of 5, an id of {}, a toolUse of 5 (block indices 1e300, -1 and "x")',
    stream: bedrockStream(
      converseToolStart(1e300, { toolUseId: 'tooluse_1', name: 5 }),
      converseDelta(1e300, { toolUse: { input: '{"a":1}' } }),
      converseToolStart('x', 5),
      converseDelta('x', { toolUse: { input: '{"b":1}' } }),
      converseToolStart(-1, { toolUseId: { a: 1 }, name: 'get_weather' }),
      converseDelta(-1, { toolUse: { input: cityText } }),
    ),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'bedrock',
    name: 'tool input of 5 or {} (block index 4294967296)',
    stream: bedrockStream(
      converseToolStart(4294967296, { toolUseId: 'tooluse_1', name: 'get_weather' }),
      converseDelta(4294967296, { toolUse: { input: 5 } }),
      converseDelta(4294967296, { toolUse: { input: { a: 1 } } }),
      converseDelta(4294967296, { toolUse: { input: cityText } }),
    ),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'bedrock',
    name: 'an event whose payload is null',
    stream: bedrockStream(converseDelta(0, { text: 'Hi' }), ['contentBlockDelta', null]),
    text: 'Hi',
    unreadable: 'sent a stream event that is not an object',
  },
  // Cohere, whole.
  {
    provider: 'cohere',
    name: 'tool calls that are null, without a function, named by 5, with an id of {}',
    whole: cohereWhole({
      content: [null, { type: 'text', text: 12345 }],
      tool_plan: 7,
      tool_calls: [null, { id: 'c1' }, { id: 'c2', type: 'function', function: { name: 5, arguments: '{}' } }, { id: { a: 1 }, type: 'function', function: { name: 'get_weather', arguments: cityText } }],
    }),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  {
    provider: 'cohere',
    name: 'arguments sent as an object, a number or a list',
    whole: cohereWhole({
      tool_calls: [city, 5, [1]].map((args, at) => ({ id: `c${at}`, type: 'function', function: { name: 'get_weather', arguments: args } })),
    }),
    text: null,
    toolCalls: [
      { name: 'get_weather', arguments: cityText },
      { name: 'get_weather', arguments: '{}' },
      { name: 'get_weather', arguments: '{}' },
    ],
  },
  // Cohere, streamed.
  { provider: 'cohere', name: 'a text of 12345 or {}', stream: cohereStream(cohereText('Hi'), cohereText(12345), cohereText({ a: 1 })), text: 'Hi' },
  {
    provider: 'cohere',
    name: 'a thinking of 7, a tool plan of {}',
    stream: cohereStream(
      ['content-delta', { type: 'content-delta', index: 0, delta: { message: { content: { thinking: 7 } } } }],
      ['tool-plan-delta', { type: 'tool-plan-delta', delta: { message: { tool_plan: { a: 1 } } } }],
      cohereText('Hi'),
    ),
    text: 'Hi',
  },
  {
    provider: 'cohere',
    name: 'tool calls that are null or named by 5, an id of {}, arguments of 5 or {} (indices 1e300 and "x")',
    stream: cohereStream(
      cohereCall(0, null),
      cohereArguments(0, '{"a":1}'),
      cohereCall(1e300, { id: 'c1', type: 'function', function: { name: 5, arguments: '' } }),
      cohereArguments(1e300, '{"b":1}'),
      cohereCall('x', { id: { a: 1 }, type: 'function', function: { name: 'get_weather', arguments: 5 } }),
      cohereArguments('x', { a: 1 }),
      cohereArguments('x', cityText),
    ),
    text: null,
    toolCalls: [{ name: 'get_weather', arguments: cityText }],
  },
  { provider: 'cohere', name: 'an event whose data is null', stream: cohereStream(cohereText('Hi'), ['content-delta', 'null']), text: 'Hi', unreadable: 'sent a stream event that is not an object' },
];

const openai = (gateway: TestGateway) => new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
const anthropic = (gateway: TestGateway) => new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
const question = 'What is the weather in Paris?';

function script(item: Case, streamed: boolean): ReplayScript {
  if (!streamed) return { body: item.whole!, contentType: 'application/json' };
  return { body: item.stream!, contentType: item.provider === 'bedrock' ? 'application/vnd.amazon.eventstream' : 'text/event-stream' };
}

/** One request: what the client read, the ledger's record, and the error-level lines logged meanwhile. */
async function exchange<T>(path: PathName, item: Case, streamed: boolean, request: (gateway: TestGateway) => Promise<T>) {
  replay.play(script(item, streamed));
  const gateway = pair[path];
  const logged = gateway.logLines.length;
  const { read, record } = await pair.exchange(path, request);
  return { read, record, errors: gateway.logLines.slice(logged).filter((line) => /"level":(50|60)/.test(line)) };
}

/** Billed in whole numbers, as the ledger takes them; status 200 (a stream's failure comes after its headers). */
function expectBillable(record: RequestRecord, item: Case, streamed: boolean) {
  expect(record.status).toBe(200);
  expect(record.errorCode).toBe(streamed && item.unreadable ? 'upstream_invalid_response' : undefined);
  expect(Number.isSafeInteger(record.usage?.inputTokens)).toBe(true);
  expect(Number.isSafeInteger(record.usage?.outputTokens)).toBe(true);
  expect(record.usage!.inputTokens).toBeGreaterThan(0);
  expect(Number.isFinite(record.costUsd)).toBe(true);
}

/** The data of each event of an SSE text. */
const eventData = (body: string) => body.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => block.slice('data: '.length));

describe('an OpenAI client in front of an upstream that puts a value of the wrong type where text belongs', () => {
  it.each(cases.filter((item) => item.whole))('$provider, whole: $name', async (item) => {
    const { read, record, errors } = await exchange('translated', item, false, (gateway) =>
      openai(gateway).chat.completions.create({ model: `${item.provider}-once`, messages: [{ role: 'user', content: question }] }),
    );
    expect(errors).toEqual([]);
    expectBillable(record, item, false);
    expect(JSON.stringify(read)).not.toContain('[object Object]');
    const message = read.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: unknown };
    expect(message.content).toBe(item.text);
    if (message.reasoning_content !== undefined) expect(typeof message.reasoning_content).toBe('string');
    const calls = (message.tool_calls ?? []).map((call) => (call.type === 'function' ? { id: call.id, name: call.function.name, arguments: call.function.arguments } : call));
    for (const call of calls) expect(typeof (call as { id: unknown }).id).toBe('string');
    expect(calls.map((call) => ({ name: (call as { name: string }).name, arguments: (call as { arguments: string }).arguments }))).toEqual(item.toolCalls ?? []);
  });

  it.each(cases.filter((item) => item.stream))('$provider, streamed: $name', async (item) => {
    const { read, record, errors } = await exchange('translated', item, true, async (gateway) => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: `${item.provider}-once`, messages: [{ role: 'user', content: question }], stream: true }),
      });
      return { status: response.status, body: await response.text() };
    });
    expect(errors).toEqual([]);
    expect(read.status).toBe(200);
    expectBillable(record, item, true);
    expect(read.body).not.toContain('[object Object]');
    const events = eventData(read.body);
    const chunks = events.filter((data) => data !== '[DONE]').map((data) => JSON.parse(data) as { choices?: Array<{ delta: Json }>; error?: { code: string; message: string } });
    if (item.unreadable) {
      // The documented answer to an event that cannot be read: the stream ends in upstream_invalid_response, saying why.
      expect(chunks.at(-1)!.error).toMatchObject({ code: 'upstream_invalid_response', message: expect.stringContaining(item.unreadable) });
    } else {
      expect(events.at(-1)).toBe('[DONE]');
    }
    const deltas = chunks.flatMap((chunk) => (chunk.choices ?? []).map((choice) => choice.delta));
    // Only text reaches the client where text belongs.
    for (const key of ['content', 'reasoning_content']) for (const delta of deltas) if (delta[key] !== undefined && delta[key] !== null) expect(typeof delta[key], key).toBe('string');
    const content = deltas.map((delta) => delta['content']).filter((value) => typeof value === 'string').join('');
    expect(content === '' ? null : content).toBe(item.text);
    const calls: Array<{ id?: unknown; name: unknown; arguments: string }> = [];
    for (const call of deltas.flatMap((delta) => (delta['tool_calls'] as Array<{ index: number; id?: unknown; function?: { name?: unknown; arguments?: unknown } }> | undefined) ?? [])) {
      if (call.function?.arguments !== undefined) expect(typeof call.function.arguments).toBe('string');
      if (call.id !== undefined) {
        expect(typeof call.id).toBe('string');
        expect(typeof call.function?.name).toBe('string');
        calls[call.index] = { name: call.function!.name, arguments: '' };
      }
      calls[call.index]!.arguments += (call.function?.arguments as string | undefined) ?? '';
    }
    expect(calls).toEqual(item.toolCalls ?? []);
  });
});

describe('a Responses client in front of an Anthropic upstream that sends a tool input whole in its content_block_start', () => {
  const wholeInputCases = cases.filter((item) => item.provider === 'anthropic' && item.stream && item.name.startsWith('tool input given whole'));

  it.each(wholeInputCases)('streamed: $name', async (item) => {
    const { read, record, errors } = await exchange('translated', item, true, async (gateway) => {
      const stream = await openai(gateway).responses.stream({ model: 'anthropic-once', input: question });
      return stream.finalResponse();
    });
    expect(errors).toEqual([]);
    expectBillable(record, item, true);
    const calls = read.output.flatMap((entry) => (entry.type === 'function_call' ? [{ name: entry.name, arguments: entry.arguments }] : []));
    expect(calls).toEqual(item.toolCalls);
  });
});

describe('an Anthropic client in front of an Anthropic upstream that puts a value of the wrong type where text belongs', () => {
  const paths: PathName[] = ['fast', 'translated'];
  const anthropicCases = cases.filter((item) => item.provider === 'anthropic');
  const params = { model: 'anthropic-once', max_tokens: 100, messages: [{ role: 'user' as const, content: question }] };
  const view = (content: unknown[]) => ({
    text: content.filter((block): block is Anthropic.TextBlock => (block as Json)['type'] === 'text').map((block) => block.text).join('') || null,
    toolCalls: content.filter((block): block is Anthropic.ToolUseBlock => (block as Json)['type'] === 'tool_use').map((block) => ({ name: block.name, arguments: JSON.stringify(block.input) })),
  });
  /** Blocks that are objects, and only text in a text or thinking block. */
  function expectOnlyTextBlocks(content: unknown[]) {
    for (const block of content as Json[]) {
      expect(typeof block === 'object' && block !== null).toBe(true);
      if (block['type'] === 'text') expect(typeof block['text']).toBe('string');
      if (block['type'] === 'thinking') expect(typeof block['thinking']).toBe('string');
    }
  }
  /** Only text where text belongs, and tool input that is an object. */
  function expectOnlyText(content: unknown[]) {
    for (const block of content as Json[]) {
      if (block['type'] === 'text') expect(typeof block['text']).toBe('string');
      if (block['type'] === 'thinking') expect(typeof block['thinking']).toBe('string');
      if (block['type'] === 'tool_use') {
        expect(typeof block['id']).toBe('string');
        expect(typeof block['name']).toBe('string');
        expect(typeof block['input'] === 'object' && block['input'] !== null && !Array.isArray(block['input'])).toBe(true);
      }
    }
  }

  // Both paths: billed in whole numbers, nothing logged as an error, no "[object Object]", only text where text
  // belongs and the same text, and the same tool calls (ids, names, input).
  it.each(anthropicCases.filter((item) => item.whole))('whole: $name', async (item) => {
    const toolUses: Record<string, unknown> = {};
    for (const path of paths) {
      const { read, record, errors } = await exchange(path, item, false, (gateway) => anthropic(gateway).messages.create(params).withResponse());
      expect(read.response.headers.get('x-switchyard-path') ?? 'translated', path).toBe(path);
      expect(errors, path).toEqual([]);
      expectBillable(record, item, false);
      expect(JSON.stringify(read.data), path).not.toContain('[object Object]');
      expectOnlyTextBlocks(read.data.content);
      expect(view(read.data.content).text, path).toBe(item.text);
      toolUses[path] = read.data.content.filter((block) => block.type === 'tool_use').map((block) => ({ id: block.id, name: block.name, input: block.input }));
      expectOnlyText(read.data.content);
      expect(view(read.data.content), path).toEqual({ text: item.text, toolCalls: item.toolCalls ?? [] });
    }
    expect(toolUses['fast']).toEqual(toolUses['translated']);
  });

  it.each(anthropicCases.filter((item) => item.stream))('streamed: $name', async (item) => {
    for (const path of paths) {
      const { read, record, errors } = await exchange(path, item, true, async (gateway) => {
        const { data: stream, response } = await anthropic(gateway).messages.create({ ...params, stream: true }).withResponse();
        const events: Anthropic.RawMessageStreamEvent[] = [];
        const via = response.headers.get('x-switchyard-path') ?? 'translated';
        try {
          for await (const event of stream) events.push(event);
          return { via, events };
        } catch (error) {
          return { via, events, error: error as Error };
        }
      });
      expect(read.via).toBe(path);
      expect(errors, path).toEqual([]);
      expectBillable(record, item, true);
      expect(JSON.stringify(read.events), path).not.toContain('[object Object]');
      if (item.unreadable) expect(read.error?.message, path).toContain(item.unreadable);
      else expect(read.error, path).toBeUndefined();
      const blocks: Json[] = [];
      for (const event of read.events) {
        // As the SDK reads a tool_use: the start's input, replaced by the fragments' JSON when fragments come.
        if (event.type === 'content_block_start') blocks.push({ ...(event.content_block as unknown as Json) });
        if (event.type !== 'content_block_delta') continue;
        const block = blocks.at(-1)!;
        const delta = event.delta as unknown as Json;
        for (const key of ['text', 'thinking', 'partial_json']) if (key in delta) expect(typeof delta[key], `${path}: ${key}`).toBe('string');
        // A delta of a kind that holds text holds it: the SDK appends it to the block (`undefined` became the text "undefined").
        const field = ({ text_delta: 'text', thinking_delta: 'thinking', input_json_delta: 'partial_json' } as Record<string, string>)[delta['type'] as string];
        if (field !== undefined) expect(typeof delta[field], `${path}: ${String(delta['type'])}`).toBe('string');
        if (delta['type'] === 'text_delta') block['text'] = `${block['text'] as string}${delta['text'] as string}`;
        if (delta['type'] === 'input_json_delta') block['json'] = `${(block['json'] as string | undefined) ?? ''}${delta['partial_json'] as string}`;
      }
      expectOnlyTextBlocks(blocks);
      expect(view(blocks).text, path).toBe(item.text);
      const content = blocks.map(({ json, ...block }) => (block['type'] === 'tool_use' && json !== undefined ? { ...block, input: JSON.parse((json as string) || '{}') as unknown } : block));
      expectOnlyText(content);
      expect(view(content), path).toEqual({ text: item.text, toolCalls: item.toolCalls ?? [] });
    }
  });
});
