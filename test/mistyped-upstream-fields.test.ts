import type { RequestRecord } from '@switchyard/core';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { openAIAndGroqOnce, startGatewayPair, type GatewayPair, type PathName } from './support/start-gateway-pair.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * An OpenAI-compatible upstream whose answer puts a value of the wrong type where
 * text belongs: a content of 12345 or {}, tool calls that are null, a name that is a
 * number, arguments that are a number or an object, an index of "x". Such a value is
 * not passed on as text ("12345", "[object Object]"); a content, reasoning or refusal
 * of the wrong type is not passed on as it came on the fast path either (the client
 * reads the same text on both paths; the fast path passes a tool call as it came), and the answer is billed: the
 * upstream sends no usage, so the gateway's estimate is what is recorded, and it must
 * be a whole number (a content of 12345 made it NaN, and the ledger refused the record).
 * Arguments sent as an object are read as their JSON text (some compatible servers
 * send them so).
 */

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;

beforeAll(async () => {
  replay = await startFixtureReplay();
  pair = await startGatewayPair(openAIAndGroqOnce(replay.url, 'sk-test-mistyped-0123456789'));
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

const head = '"id":"chatcmpl-1","created":1764072000,"model":"gpt-4o-mini"';
const whole = (message: unknown, finish = 'stop') =>
  `{${head},"object":"chat.completion","choices":[{"index":0,"message":${JSON.stringify(message)},"finish_reason":"${finish}"}]}`;
const chunk = (delta: unknown, finish: string | null = null) =>
  `data: {${head},"object":"chat.completion.chunk","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finish)}}]}\n\n`;
const stream = (...deltas: unknown[]) => `${deltas.map((delta) => chunk(delta)).join('')}${chunk({}, 'stop')}data: [DONE]\n\n`;

const cases: Array<{ name: string; whole: string; stream: string; text: string | null; streamText?: string; toolCalls?: Array<{ name: string; arguments: string }> }> = [
  { name: 'content 12345', whole: whole({ role: 'assistant', content: 12345 }), stream: stream({ role: 'assistant', content: 'Hi' }, { content: 12345 }), text: null, streamText: 'Hi' },
  { name: 'content {}', whole: whole({ role: 'assistant', content: { a: 1 } }), stream: stream({ role: 'assistant', content: 'Hi' }, { content: { a: 1 } }), text: null, streamText: 'Hi' },
  { name: 'reasoning and refusal of the wrong type', whole: whole({ role: 'assistant', content: 'Hi', reasoning_content: 7, refusal: [1] }), stream: stream({ role: 'assistant', content: 'Hi' }, { reasoning_content: 7, refusal: [1] }), text: 'Hi' },
  {
    name: 'tool calls that are null, named by a number, with arguments of the wrong type',
    whole: whole({ role: 'assistant', content: null, tool_calls: [null, { id: 'c0', type: 'function', function: { name: 5, arguments: '{}' } }, { id: 7, type: 'function', function: { name: 'get', arguments: 5 } }] }, 'tool_calls'),
    stream: stream({ role: 'assistant', tool_calls: [null, { index: 'x', id: 7, function: { name: 'get', arguments: 5 } }] }),
    text: null,
    // A whole answer keeps a named call whose id or arguments are unreadable (as none); a stream
    // cannot start a call without an id (its deltas are joined by it), so the stream has none.
    toolCalls: [{ name: 'get', arguments: '' }],
  },
  {
    name: 'arguments sent as an object',
    whole: whole({ role: 'assistant', content: null, tool_calls: [{ id: 'c0', type: 'function', function: { name: 'get', arguments: { city: 'Paris' } } }] }, 'tool_calls'),
    stream: stream({ role: 'assistant', tool_calls: [{ index: 0, id: 'c0', type: 'function', function: { name: 'get', arguments: '' } }] }, { tool_calls: [{ index: 0, function: { arguments: { city: 'Paris' } } }] }),
    text: null,
    toolCalls: [{ name: 'get', arguments: '{"city":"Paris"}' }],
  },
];

/** The fields of a message or delta that hold text (or null). */
const textKeys = ['content', 'reasoning_content', 'reasoning', 'refusal'];
/** `null`, `undefined` or the type of a value. */
const textType = (value: unknown) => (value === null || value === undefined ? value : typeof value);

const client = (gateway: TestGateway) => new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'Hi' }];

/** The data of each event of an SSE text (the gateway writes one `data:` line an event). */
const eventData = (text: string) => text.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => block.slice('data: '.length));

/** The billed usage of a record is whole numbers, as the ledger takes them. */
function expectBillable(record: RequestRecord) {
  expect(record.status).toBe(200);
  expect(Number.isSafeInteger(record.usage?.inputTokens)).toBe(true);
  expect(Number.isSafeInteger(record.usage?.outputTokens)).toBe(true);
  expect(record.usage!.inputTokens).toBeGreaterThan(0);
  expect(Number.isFinite(record.costUsd)).toBe(true);
}

describe.each(['fast', 'translated'] as PathName[])('an upstream field of the wrong type where text belongs (%s path)', (path) => {
  it.each(cases.filter((item) => item.name !== 'arguments sent as an object' || path === 'translated'))('whole answer: $name', async (item) => {
    replay.play({ body: item.whole, contentType: 'application/json' } satisfies ReplayScript);
    const { read, record } = await pair.exchange(path, (gateway) => client(gateway).chat.completions.create({ model: 'openai-once', messages }));
    expectBillable(record);
    const message = read.choices[0]!.message;
    // Both paths: only text (or null) where text belongs, the same text.
    expect(message.content).toBe(item.text);
    for (const key of textKeys) expect([null, undefined, 'string']).toContain(textType((message as unknown as Record<string, unknown>)[key]));
    if (path === 'translated') {
      expect((message.tool_calls ?? []).map((call) => (call.type === 'function' ? { name: call.function.name, arguments: call.function.arguments } : call))).toEqual(item.toolCalls ?? []);
    }
    expect(JSON.stringify(read)).not.toContain('[object Object]');
  });

  it.each(cases)('stream: $name', async (item) => {
    replay.play({ body: item.stream, contentType: 'text/event-stream' } satisfies ReplayScript);
    const { read, record } = await pair.exchange(path, async (gateway) => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai-once', messages, stream: true }),
      });
      return { status: response.status, text: await response.text() };
    });
    expect(read.status).toBe(200);
    expectBillable(record);
    const events = eventData(read.text);
    expect(events.at(-1)).toBe('[DONE]');
    expect(read.text).not.toContain('[object Object]');
    const chunks = events.filter((data) => data !== '[DONE]').map((data) => JSON.parse(data) as { choices: Array<{ delta: Record<string, unknown> }> });
    const deltas = chunks.flatMap((parsed) => parsed.choices.map((choice) => choice.delta));
    // Both paths: only text (or null) reaches the client where text belongs, the same text.
    for (const delta of deltas) for (const key of textKeys) expect([null, undefined, 'string'], key).toContain(textType(delta[key]));
    const text = deltas.map((delta) => delta['content']).filter((content) => typeof content === 'string').join('');
    expect(text === '' ? null : text).toBe(item.streamText ?? item.text);
    if (path === 'translated') {
      const args = chunks.flatMap((parsed) => (parsed.choices[0]?.delta['tool_calls'] as Array<{ function?: { arguments?: unknown } }> | undefined) ?? []).map((call) => call.function?.arguments);
      for (const value of args) if (value !== undefined) expect(typeof value).toBe('string');
    }
  });
});
