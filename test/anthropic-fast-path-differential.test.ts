import Anthropic from '@anthropic-ai/sdk';
import type { RequestRecord } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay } from './support/start-fixture-replay.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * The Anthropic same-dialect fast path against the translated path, over every
 * Anthropic fixture: what the official SDK makes of the answer (text, tool calls,
 * stop reason, usage, id, model) and the ledger record must be the same.
 */

const apiKey = 'sk-ant-differential-0123456789abcdef';
let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let fast: TestGateway;
let translated: TestGateway;
const records = new Map<TestGateway, RequestRecord[]>();

beforeAll(async () => {
  replay = await startFixtureReplay();
  const providers = { anthropic: { api_key: apiKey, base_url: replay.url } };
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

/** What a client reads of a message, without what the canonical form cannot carry (signatures, citations). */
function view(message: Anthropic.Message) {
  return {
    id: message.id,
    model: message.model,
    stopReason: message.stop_reason,
    content: message.content.map((block) =>
      block.type === 'text' ? { type: 'text', text: block.text } : block.type === 'tool_use' ? { type: 'tool_use', id: block.id, name: block.name, input: block.input } : { type: block.type },
    ),
    usage: {
      input: message.usage.input_tokens,
      output: message.usage.output_tokens,
      cacheRead: message.usage.cache_read_input_tokens ?? 0,
      cacheWrite: message.usage.cache_creation_input_tokens ?? 0,
    },
  };
}

async function ask(gateway: TestGateway, stream: boolean) {
  const before = records.get(gateway)!.length;
  const client = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
  const request = JSON.parse(readFixture('anthropic', 'request.json')) as Anthropic.MessageCreateParamsNonStreaming;
  const body = { ...request, model: 'anthropic/claude-sonnet-4-5' };
  const message = stream ? await client.messages.stream(body).finalMessage() : await client.messages.create(body);
  await expect.poll(() => records.get(gateway)!.length).toBe(before + 1);
  const record = records.get(gateway)![before]!;
  return { message, record: { status: record.status, errorCode: record.errorCode, usage: record.usage, costUsd: record.costUsd } };
}

describe.each([
  ['stream.txt', true, 'text/event-stream'],
  ['stream-text-only.txt', true, 'text/event-stream'],
  ['response.json', false, 'application/json'],
  ['response-tool-call.json', false, 'application/json'],
] as const)('anthropic/%s', (file, stream, contentType) => {
  it('gives the SDK the same text, tool calls, stop reason, usage, id and model, and the ledger the same record, on both paths', async () => {
    replay.play({ body: readFixture('anthropic', file), contentType });
    const viaTranslated = await ask(translated, stream);
    replay.play({ body: readFixture('anthropic', file), contentType, splits: [17, 301, 302, 900] });
    const viaFast = await ask(fast, stream);
    // The fast gateway sent the client's own body, only the model replaced.
    const { stream: _stream, ...sent } = JSON.parse(replay.received.at(-1)!.body) as Record<string, unknown>;
    const { stream: _fixtureStream, ...clientBody } = JSON.parse(readFixture('anthropic', 'request.json')) as Record<string, unknown>;
    expect(sent).toEqual({ ...clientBody, model: 'claude-sonnet-4-5' });
    expect(view(viaFast.message)).toEqual(view(viaTranslated.message));
    expect(viaFast.message.model.startsWith('anthropic/')).toBe(true);
    expect(viaFast.message.content.length).toBeGreaterThan(0);
    expect(viaFast.record).toEqual(viaTranslated.record);
    expect(viaFast.record.usage?.inputTokens).toBeGreaterThan(0);
  });
});

/** The recorded request streamed raw to `/v1/messages`, once its record is in: the path it took, the text the client got, the record. */
async function postStream(gateway: TestGateway) {
  const before = records.get(gateway)!.length;
  const request = JSON.parse(readFixture('anthropic', 'request.json')) as Record<string, unknown>;
  const response = await fetch(`${gateway.origin}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': masterKey, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ ...request, model: 'anthropic/claude-sonnet-4-5', stream: true }),
  });
  const text = await response.text();
  await expect.poll(() => records.get(gateway)!.length).toBe(before + 1);
  return { path: response.headers.get('x-switchyard-path'), text, record: records.get(gateway)![before]! };
}

describe('what the lazy tap forwards unread (docs/fast-path.md)', () => {
  /** The raw events a client receives for one streamed request: [event name, data]. */
  async function streamRaw(gateway: TestGateway) {
    const { text, record } = await postStream(gateway);
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((block) => [/^event: (.*)$/m.exec(block)?.[1], /^data: (.*)$/m.exec(block)?.[1]] as const);
    return { events, record };
  }

  it('a content_block_delta that is not JSON goes to the client as it came, and the stream goes on; the translated path ends it there', async () => {
    // A delta of a kind that holds no text (a text_delta not in Anthropic's exact shape is read: see the next test).
    const broken = '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"x"}';
    const body = readFixture('anthropic', 'stream-text-only.txt').replace(
      'event: content_block_stop',
      `event: content_block_delta\ndata: ${broken}\n\nevent: content_block_stop`,
    );
    replay.play({ body, contentType: 'text/event-stream' });
    const viaTranslated = await streamRaw(translated);
    replay.play({ body, contentType: 'text/event-stream' });
    const viaFast = await streamRaw(fast);

    expect(viaTranslated.events.at(-1)![0]).toBe('error');
    expect(viaTranslated.record.errorCode).toBe('upstream_invalid_response');

    expect(viaFast.events).toContainEqual(['content_block_delta', broken]);
    expect(viaFast.events.at(-1)![0]).toBe('message_stop');
    expect(viaFast.record).toMatchObject({ status: 200, errorCode: undefined, usage: { inputTokens: 74 + 512, outputTokens: 17 } });
  });

  it('a cut stream whose tool_use started with a whole input, then fragments, is billed the same on both paths (the fragments alone)', async () => {
    // The fragments replace the start's input: the tap reads them in order to know it, not after the block's stop.
    const whole = readFixture('anthropic', 'stream.txt').replace('"name":"get_weather","input":{}}', `"name":"get_weather","input":{"note":"${'a long note that the fragments replace '.repeat(20)}"}}`);
    const body = whole.slice(0, whole.indexOf('event: message_delta'));
    replay.play({ body, contentType: 'text/event-stream' });
    const viaTranslated = await streamRaw(translated);
    replay.play({ body, contentType: 'text/event-stream' });
    const viaFast = await streamRaw(fast);
    expect(viaTranslated.record.errorCode).toBe('upstream_invalid_response');
    expect(viaFast.record).toMatchObject({ errorCode: viaTranslated.record.errorCode, usage: viaTranslated.record.usage, costUsd: viaTranslated.record.costUsd });
    expect(viaFast.record.usage?.outputTokens).toBeLessThan(100);
  });

  it('a text_delta that is not JSON is read, and ends the stream the same on both paths', async () => {
    const broken = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}';
    const body = readFixture('anthropic', 'stream-text-only.txt').replace('event: content_block_stop', `event: content_block_delta\ndata: ${broken}\n\nevent: content_block_stop`);
    replay.play({ body, contentType: 'text/event-stream' });
    const viaTranslated = await streamRaw(translated);
    replay.play({ body, contentType: 'text/event-stream' });
    const viaFast = await streamRaw(fast);
    for (const via of [viaTranslated, viaFast]) {
      expect(via.events.at(-1)![0]).toBe('error');
      expect(via.events).not.toContainEqual(['content_block_delta', broken]);
      expect(via.record.errorCode).toBe('upstream_invalid_response');
    }
  });
});

describe('a stop_reason Anthropic does not define reaches the client as the translated path writes it (docs/fast-path.md)', () => {
  /** The stop reason as the upstream's JSON text holds it, and what the SDK must read on both paths. */
  const cases: Array<{ name: string; value: string; reads: string; defined: boolean }> = [
    { name: 'a word of its own', value: '"abort"', reads: 'end_turn', defined: false },
    { name: 'a word of 10 KB', value: `"${'overlong-'.repeat(1200)}"`, reads: 'end_turn', defined: false },
    { name: '__proto__', value: '"__proto__"', reads: 'end_turn', defined: false },
    { name: 'toString', value: '"toString"', reads: 'end_turn', defined: false },
    { name: 'an unknown word spelled with escapes', value: '"ab\\u006frt"', reads: 'end_turn', defined: false },
    { name: 'a number', value: '5', reads: 'end_turn', defined: false },
    { name: 'a defined word spelled with escapes', value: '"max_t\\u006fkens"', reads: 'max_tokens', defined: true },
    { name: 'a defined word', value: '"refusal"', reads: 'refusal', defined: true },
  ];

  const streamWith = (value: string) => readFixture('anthropic', 'stream-text-only.txt').replace('"stop_reason":"end_turn"', `"stop_reason":${value}`);
  const wholeWith = (value: string) => readFixture('anthropic', 'response.json').replace('"stop_reason": "end_turn"', `"stop_reason": ${value}`);

  it.each(cases.flatMap((caseOf) => [true, false].map((stream) => ({ ...caseOf, stream }))))(
    '$name (stream: $stream): the SDK reads the same stop reason, text and usage on both paths',
    async ({ value, reads, defined, stream }) => {
      const body = stream ? streamWith(value) : wholeWith(value);
      expect(body).toContain(value);
      const contentType = stream ? 'text/event-stream' : 'application/json';
      replay.play({ body, contentType });
      const viaTranslated = await ask(translated, stream);
      replay.play({ body, contentType, splits: [17, 301, 302, 900] });
      const viaFast = await ask(fast, stream);
      expect(view(viaFast.message)).toEqual(view(viaTranslated.message));
      expect(viaFast.message.stop_reason).toBe(reads);
      expect(viaFast.record).toEqual(viaTranslated.record);
      if (!stream) return;
      // The bytes as they went: a defined word as the upstream wrote it, escapes and all; an undefined one nowhere.
      replay.play({ body, contentType });
      const { path, text } = await postStream(fast);
      expect(path).toBe('fast');
      if (defined) expect(text).toContain(`"stop_reason":${value}`);
      else expect(text).not.toContain(`"stop_reason":${value}`);
      if (!defined) expect(text).toContain(`"stop_reason":"${reads}"`);
    },
  );
});

describe('a stream the upstream ends without its message_stop (docs/fast-path.md)', () => {
  it('the SDK reads the same whole message on both paths: the gateway writes the message_stop', async () => {
    for (const fixture of ['stream-text-only.txt', 'stream.txt']) {
      const body = readFixture('anthropic', fixture).replace(/event: message_stop\r?\ndata: .*\r?\n(\r?\n)?/, '');
      expect(body).not.toContain('message_stop');
      const streamed = async (gateway: TestGateway) => {
        replay.play({ body, contentType: 'text/event-stream' });
        const before = records.get(gateway)!.length;
        const client = new Anthropic({ apiKey: masterKey, baseURL: gateway.origin, maxRetries: 0 });
        const request = JSON.parse(readFixture('anthropic', 'request.json')) as Anthropic.MessageCreateParamsNonStreaming;
        const message = await client.messages.stream({ ...request, model: 'anthropic/claude-sonnet-4-5' }).finalMessage();
        await expect.poll(() => records.get(gateway)!.length).toBe(before + 1);
        const record = records.get(gateway)![before]!;
        return { message: view(message), record: { status: record.status, errorCode: record.errorCode, usage: record.usage } };
      };
      const viaTranslated = await streamed(translated);
      const viaFast = await streamed(fast);
      expect(viaFast).toEqual(viaTranslated);
      expect(viaFast.record).toMatchObject({ status: 200, errorCode: undefined });
    }
  });
});

describe('a message without a stop reason reaches the client as the translated path writes it (docs/fast-path.md)', () => {
  /**
   * How the upstream leaves the stop reason out, as a change to the fixture's text: the
   * tap reads no stop reason from any of these, and the translated path writes `end_turn`.
   */
  const streamCases: Array<{ name: string; from: string; to: string }> = [
    { name: 'stop_reason null', from: '"stop_reason":"end_turn"', to: '"stop_reason":null' },
    { name: 'stop_reason ""', from: '"stop_reason":"end_turn"', to: '"stop_reason":""' },
    { name: 'stop_reason 0', from: '"stop_reason":"end_turn"', to: '"stop_reason":0' },
    { name: 'stop_reason false', from: '"stop_reason":"end_turn"', to: '"stop_reason":false' },
    { name: 'stop_reason null under a key spelled with escapes', from: '"stop_reason":"end_turn"', to: '"st\\u006fp_reason":null' },
    { name: 'no stop_reason', from: '"stop_reason":"end_turn",', to: '' },
    { name: 'no delta', from: '"delta":{"stop_reason":"end_turn","stop_sequence":null},', to: '' },
  ];
  const wholeCases: Array<{ name: string; from: string; to: string }> = [
    { name: 'stop_reason null', from: '"stop_reason": "end_turn"', to: '"stop_reason": null' },
    { name: 'stop_reason ""', from: '"stop_reason": "end_turn"', to: '"stop_reason": ""' },
    { name: 'stop_reason 0', from: '"stop_reason": "end_turn"', to: '"stop_reason": 0' },
    { name: 'stop_reason false', from: '"stop_reason": "end_turn"', to: '"stop_reason": false' },
    { name: 'no stop_reason', from: '"stop_reason": "end_turn",', to: '' },
  ];
  const messageDeltas = (text: string) => text.split('\n\n').filter((block) => block.startsWith('event: message_delta')).map((block) => JSON.parse(/^data: (.*)$/m.exec(block)![1]!));

  it.each(streamCases)('stream, $name: the SDK reads end_turn, the same text and usage on both paths', async ({ from, to }) => {
    const body = readFixture('anthropic', 'stream-text-only.txt').replace(from, to);
    expect(body).not.toContain(from);
    replay.play({ body, contentType: 'text/event-stream' });
    const viaTranslated = await ask(translated, true);
    replay.play({ body, contentType: 'text/event-stream', splits: [17, 301, 302, 900] });
    const viaFast = await ask(fast, true);
    expect(view(viaFast.message)).toEqual(view(viaTranslated.message));
    expect(viaFast.message.stop_reason).toBe('end_turn');
    expect(viaFast.record).toEqual(viaTranslated.record);
    // The bytes: the fast path's one message_delta holds the translated path's stop reason, its usage as the upstream wrote it.
    replay.play({ body, contentType: 'text/event-stream' });
    const raw = await postStream(fast);
    expect(raw.path).toBe('fast');
    expect(messageDeltas(raw.text)).toEqual([
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 74, cache_creation_input_tokens: 0, cache_read_input_tokens: 512, output_tokens: 17 } },
    ]);
  });

  it.each(wholeCases)('whole message, $name: the SDK reads end_turn, the same text and usage on both paths', async ({ from, to }) => {
    const body = readFixture('anthropic', 'response.json').replace(from, to);
    expect(body).not.toContain(from);
    replay.play({ body, contentType: 'application/json' });
    const viaTranslated = await ask(translated, false);
    replay.play({ body, contentType: 'application/json' });
    const viaFast = await ask(fast, false);
    expect(view(viaFast.message)).toEqual(view(viaTranslated.message));
    expect(viaFast.message.stop_reason).toBe('end_turn');
    expect(viaFast.record).toEqual(viaTranslated.record);
  });
});

describe('a streamed block field of the wrong type reaches the client as the translated path writes it (docs/fast-path.md)', () => {
  type Event = [string, unknown];
  const recorded = [...readFixture('anthropic', 'stream.txt').matchAll(/^event: (.+)\ndata: (.+)$/gm)].map(([, name, data]) => [name!, JSON.parse(data!)] as Event);
  /** stream.txt (its message_start, message_delta with stop_reason tool_use, usage) with these content events. */
  const streamOf = (content: Event[]) =>
    [recorded.find(([name]) => name === 'message_start')!, ...content, ...recorded.filter(([name]) => name === 'message_delta' || name === 'message_stop')]
      .map(([name, data]) => `event: ${name}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
      .join('');
  const start = (index: unknown, block: unknown): Event => ['content_block_start', { type: 'content_block_start', index, content_block: block }];
  const delta = (index: unknown, value: unknown): Event => ['content_block_delta', { type: 'content_block_delta', index, delta: value }];
  const stop = (index: unknown): Event => ['content_block_stop', { type: 'content_block_stop', index }];
  const text = (index: unknown, value: string): Event[] => [start(index, { type: 'text', text: '' }), delta(index, { type: 'text_delta', text: value }), stop(index)];
  const json = (index: unknown, value: unknown): Event => delta(index, { type: 'input_json_delta', partial_json: value });
  const call = (index: unknown, block: Record<string, unknown>, ...fragments: unknown[]): Event[] => [
    start(index, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {}, ...block }),
    ...fragments.map((fragment) => json(index, fragment)),
    stop(index),
  ];
  const city = '{"city":"Paris"}';
  const weather = { id: 'toolu_2', name: 'get_weather', input: { city: 'Paris' } };
  /** A call of its own after the case's blocks, at `index`: it must reach the client whole, whatever came before. */
  const nextCall = (index: unknown) => call(index, { id: 'toolu_2' }, '{"city":', '"Paris"}');

  interface Case {
    name: string;
    content: Event[];
    /** What the SDK must read on both paths: the text of the text blocks, and the tool calls. */
    text: string;
    calls: Array<{ id: string; name: string; input: unknown }>;
  }
  const cases: Case[] = [
    ...[5, '', null, { a: 1 }, undefined].map((name) => ({
      name: `a tool name of ${JSON.stringify(name) ?? 'none'}: the call is left out, the later blocks numbered after it`,
      content: [...text(0, 'Hi'), ...call(1, { name }, '{"a":1}'), ...nextCall(2), ...text(3, ' there')],
      text: 'Hi there',
      calls: [weather],
    })),
    ...[5, { a: 1 }, null, undefined].map((id) => ({
      name: `a tool id of ${JSON.stringify(id) ?? 'none'}: written ""`,
      content: [...call(0, { id }, city), ...nextCall(1)],
      text: '',
      calls: [{ id: '', name: 'get_weather', input: { city: 'Paris' } }, weather],
    })),
    ...[city, 5, null, [1], true].map((input) => ({
      name: `a tool input of ${JSON.stringify(input)} with no fragments after it: written {}, as the translated path reads nothing there`,
      content: [...call(0, { input }), ...nextCall(1)],
      text: '',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: {} }, weather],
    })),
    {
      name: 'a whole tool input in the start and no fragments (some Anthropic-compatible servers): that input on both paths',
      content: [...call(0, { input: { city: 'Lyon', unit: 'celsius' } }), ...nextCall(1)],
      text: '',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Lyon', unit: 'celsius' } }, weather],
    },
    {
      name: 'a whole tool input in a start never stopped: that input on both paths',
      content: [...text(0, 'Hi'), start(1, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Lyon' } })],
      text: 'Hi',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Lyon' } }],
    },
    {
      name: "{} in the start, then fragments (Anthropic's shape): the fragments make the input",
      content: [...call(0, {}, '', '{"city":', '"Lyon"}'), ...nextCall(1)],
      text: '',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Lyon' } }, weather],
    },
    {
      name: 'a whole tool input in the start, then fragments: the fragments alone make the input (as the SDK reads it)',
      content: [...call(0, { input: { city: 'Nice' } }, '{"city":', '"Lyon"}'), ...nextCall(1)],
      text: '',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Lyon' } }, weather],
    },
    {
      name: 'a whole tool input in the start, then one empty fragment: {} (the SDK reads the fragments alone)',
      content: [...call(0, { input: { city: 'Nice' } }, ''), ...nextCall(1)],
      text: '',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: {} }, weather],
    },
    {
      name: 'a tool input of JSON text, then its fragments: the fragments make the input',
      content: [...call(0, { input: '{"x":1}' }, '{"city":', '"Lyon"}'), ...nextCall(1)],
      text: '',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Lyon' } }, weather],
    },
    ...[['3}'], ['', ' ', '[1,', '2]'], ['"abc"'], ['', 'true']].map((fragments) => ({
      name: `tool input fragments ${JSON.stringify(fragments)}, which begin no JSON object: {} on both paths, as a whole answer reads it`,
      content: [...call(0, { input: { city: 'Nice' } }, ...fragments), ...nextCall(1)],
      text: '',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: {} }, weather],
    })),
    {
      name: 'partial JSON of 5, {}, null or none: not written',
      content: [...call(0, {}, '{"city":', 5, { a: 1 }, null, undefined, '"Lyon"}')],
      text: '',
      calls: [{ id: 'toolu_1', name: 'get_weather', input: { city: 'Lyon' } }],
    },
    ...[null, 5, 'x', [1], {}, { type: 5 }].map((block) => ({
      name: `a content block of ${JSON.stringify(block)}: left out, the later blocks numbered after it`,
      content: [...text(0, 'Hi'), start(1, block), json(1, '{"a":1}'), delta(1, { type: 'text_delta', text: 'no' }), stop(1), ...nextCall(2), ...text(3, ' there')],
      text: 'Hi there',
      calls: [weather],
    })),
    {
      name: 'block indices of "x", 1e300, -1, "1" and none: numbered in order',
      content: [...text('x', 'Hi'), ...call(1e300, {}, city), ...text(-1, ' there'), ...call('1', { id: 'toolu_2' }, '{"city":"Nice"}'), start(undefined, { type: 'text', text: '' }), delta(4, { type: 'text_delta', text: '!' })],
      text: 'Hi there!',
      calls: [
        { id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        { id: 'toolu_2', name: 'get_weather', input: { city: 'Nice' } },
      ],
    },
    {
      name: 'a delta that is null, 5 or a list: not written',
      content: [start(0, { type: 'text', text: '' }), delta(0, null), delta(0, 5), delta(0, [1]), delta(0, { type: 'text_delta', text: 'Hi' }), stop(0), ...nextCall(1)],
      text: 'Hi',
      calls: [weather],
    },
    {
      name: 'a delta before any block: not written (the SDK threw)',
      content: [delta(0, { type: 'text_delta', text: 'no' }), stop(0), ...text(0, 'Hi'), ...nextCall(1)],
      text: 'Hi',
      calls: [weather],
    },
    {
      name: 'a delta whose index names no block, "0", 0.5 or none, among blocks in their places: not written',
      content: [...text(0, 'Hi'), delta('0', { type: 'text_delta', text: ' no' }), delta(0.5, { type: 'text_delta', text: ' no' }), delta(undefined, { type: 'text_delta', text: ' no' }), ...nextCall(1)],
      text: 'Hi',
      calls: [weather],
    },
    {
      name: 'a delta or stop of a block that was left out, or never started: not written',
      content: [...call(0, { name: 5 }), json(0, '{"a":1}'), ...nextCall(1), json(7, '{"b":1}'), delta(0, { type: 'text_delta', text: 'no' }), stop(7)],
      text: '',
      calls: [weather],
    },
  ];

  /** What a client reads: all text blocks' text, the tool calls, the stop reason, usage, id and model. */
  const read = (message: Anthropic.Message) => ({
    id: message.id,
    model: message.model,
    stopReason: message.stop_reason,
    text: message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join(''),
    calls: message.content.flatMap((block) => (block.type === 'tool_use' ? [{ id: block.id, name: block.name, input: block.input }] : [])),
    usage: view(message).usage,
  });

  it.each(cases)('$name', async ({ content, text: expectedText, calls }) => {
    const body = streamOf(content);
    replay.play({ body, contentType: 'text/event-stream' });
    const viaTranslated = await ask(translated, true);
    replay.play({ body, contentType: 'text/event-stream', splits: [17, 301, 302, 900] });
    const viaFast = await ask(fast, true);
    expect(read(viaFast.message)).toEqual(read(viaTranslated.message));
    expect(read(viaFast.message)).toMatchObject({ text: expectedText, calls, stopReason: 'tool_use' });
    expect(viaFast.record).toEqual(viaTranslated.record);

    // The bytes on the fast path: blocks numbered 0, 1, 2 … in order, every delta and stop naming one started, a tool_use typed.
    replay.play({ body, contentType: 'text/event-stream' });
    const raw = await postStream(fast);
    expect(raw.path).toBe('fast');
    let started = 0;
    for (const block of raw.text.split('\n\n').filter(Boolean)) {
      const name = /^event: (.*)$/m.exec(block)![1];
      const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { index?: unknown; content_block?: Record<string, unknown>; delta?: unknown };
      if (name === 'content_block_start') {
        expect(data.index).toBe(started++);
        // A block the translated path leaves out (not an object, no type) is not written.
        expect(typeof data.content_block === 'object' && data.content_block !== null && typeof data.content_block['type'] === 'string').toBe(true);
        if (data.content_block!['type'] === 'tool_use') {
          expect(typeof data.content_block!['id']).toBe('string');
          expect(data.content_block!['name']).toEqual(expect.any(String));
          // An object: `{}`, or a whole input the start carried (kept, as the SDK reads it).
          expect(Object.prototype.toString.call(data.content_block!['input'])).toBe('[object Object]');
        }
      } else if (name === 'content_block_delta' || name === 'content_block_stop') {
        expect(Number.isInteger(data.index) && (data.index as number) < started).toBe(true);
        if (name === 'content_block_delta') expect(typeof data.delta === 'object' && data.delta !== null && !Array.isArray(data.delta)).toBe(true);
      }
    }
    expect(started).toBeGreaterThan(0);
  });
});
