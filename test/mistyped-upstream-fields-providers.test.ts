import type { RequestRecord } from '@switchyard/core';
import { readFixture } from '@switchyard/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixtureReplay, type ReplayScript } from './support/start-fixture-replay.js';
import { startGatewayPair, type GatewayPair, type PathName } from './support/start-gateway-pair.js';
import { onceModels } from './support/request-records.js';
import { masterKey, type TestGateway } from './support/start-test-gateway.js';

/**
 * The audit of test/mistyped-upstream-fields.test.ts (OpenAI chat) for the other
 * providers' chat answers: a recorded answer of each (the shared fixtures) with a value
 * of the wrong type where text, a list, an object or a list index belongs. Such a value
 * is not passed on to the client (as a number, an object, "[object Object]", "5"), and
 * the gateway neither fails (a 500, a stream broken off) nor bills NaN: the answers carry
 * no usage, so the gateway's estimate is recorded, and it is whole numbers. Every answer
 * here is otherwise readable, so every one is a 200 with nothing logged at error level.
 */

let replay: Awaited<ReturnType<typeof startFixtureReplay>>;
let pair: GatewayPair;

const targets = {
  gemini: 'gemini/gemini-2.5-flash',
  mistral: 'mistral/mistral-large-latest',
  groq: 'groq/llama-3.3-70b-versatile',
  azure: 'azure/gpt-4o-mini',
};
type Provider = keyof typeof targets;

beforeAll(async () => {
  replay = await startFixtureReplay();
  const url = replay.url;
  pair = await startGatewayPair({
    providers: {
      gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: url },
      mistral: { api_key: 'mistral-test-key-0123456789', base_url: url },
      groq: { use: 'openai', preset: 'groq', api_key: 'gsk-mistyped-test-0123456789', base_url: url },
      azure: { api_key: 'azure-test-key-0123456789', endpoint: url },
    },
    models: onceModels(targets),
    chain: ['auth', 'key-scope', 'route', 'adapter'],
  });
});

afterAll(async () => {
  await pair?.close();
  await replay?.close();
});

type Json = Record<string, any>;

/** The `data:` payloads of an SSE text. */
const eventData = (text: string) => text.split(/\r?\n\r?\n/).filter((block) => block.startsWith('data: ')).map((block) => block.slice('data: '.length));
const sse = (events: unknown[]) => events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('');

// Gemini: response.json, and the first event of stream.txt, with the parts replaced and no usage.
const geminiWhole = (parts: unknown, fields: Json = {}) => {
  const body = JSON.parse(readFixture('gemini', 'response.json')) as Json;
  delete body['usageMetadata'];
  body['candidates'][0].content.parts = parts;
  return JSON.stringify({ ...body, ...fields });
};
const geminiStream = (partsPerEvent: unknown[], fields: Json = {}) => {
  const first = JSON.parse(eventData(readFixture('gemini', 'stream.txt'))[0]!) as Json;
  delete first['usageMetadata'];
  return sse(partsPerEvent.map((parts, at) => ({
    ...first,
    candidates: [{ ...first['candidates'][0], content: { role: 'model', parts }, ...(at === partsPerEvent.length - 1 && { finishReason: 'STOP' }) }],
    ...fields,
  })));
};

// OpenAI's shape (Mistral, the Groq preset, Azure): each one's recorded answer, and the first chunk of its
// recorded stream that has a choice, with the message or deltas replaced and no usage.
const chatFixtures = {
  mistral: { whole: ['mistral', 'response.json'], stream: ['mistral', 'stream.txt'] },
  groq: { whole: ['openai', 'response.json'], stream: ['openai-compatible', 'groq-stream.txt'] },
  azure: { whole: ['azure-openai', 'response.json'], stream: ['azure-openai', 'stream.txt'] },
} as const;
type ChatProvider = keyof typeof chatFixtures;
const chatWhole = (provider: ChatProvider, message: unknown, finish = 'stop') => {
  const [folder, file] = chatFixtures[provider].whole;
  const body = JSON.parse(readFixture(folder, file)) as Json;
  delete body['usage'];
  body['choices'] = [{ ...body['choices'][0], message, finish_reason: finish }];
  return JSON.stringify(body);
};
const chatStream = (provider: ChatProvider, ...deltas: unknown[]) => {
  const [folder, file] = chatFixtures[provider].stream;
  const first = eventData(readFixture(folder, file)).filter((data) => data !== '[DONE]').map((data) => JSON.parse(data) as Json).find((chunk) => chunk['choices']?.length > 0)!;
  const { usage: _usage, x_groq: _groq, ...template } = first;
  const chunk = (delta: unknown, finish: string | null) => ({ ...template, choices: [{ ...first['choices'][0], delta, finish_reason: finish }] });
  return `${sse([...deltas.map((delta) => chunk(delta, null)), chunk({}, 'stop')])}data: [DONE]\n\n`;
};

/** The same answers from each OpenAI-shaped provider. */
const chatCases = (provider: ChatProvider): Case[] => [
  {
    provider,
    name: 'a tool call with an id of {}, arguments of 5, and one named by a number (passed on as "[object Object]", "5" and a call named "5")',
    whole: chatWhole(provider, { role: 'assistant', content: null, tool_calls: [{ id: {}, type: 'function', function: { name: 'get', arguments: 5 } }, { id: 'c1', type: 'function', function: { name: 5, arguments: '{}' } }] }, 'tool_calls'),
    text: null,
    toolCalls: [{ name: 'get', arguments: '' }],
  },
  {
    provider,
    name: 'arguments that are a list or true (passed on as "[1]" and "true"); as an object, their JSON text',
    whole: chatWhole(provider, { role: 'assistant', content: null, tool_calls: [1, true, { city: 'Paris' }].map((args, at) => ({ id: `c${at}`, type: 'function', function: { name: 'get', arguments: args } })) }, 'tool_calls'),
    // Streamed whole in one delta, as some compatible servers (vLLM, Ollama's imitations) send a call: the object was dropped.
    stream: chatStream(provider, { role: 'assistant', content: '' }, { tool_calls: [1, true, { city: 'Paris' }].map((args, index) => ({ index, id: `c${index}`, type: 'function', function: { name: 'get', arguments: args } })) }),
    text: null,
    toolCalls: [{ name: 'get', arguments: '' }, { name: 'get', arguments: '' }, { name: 'get', arguments: '{"city":"Paris"}' }],
  },
  {
    provider,
    name: 'tool call indices that are no place in a list (1e300, -1, 4294967296, 0.5: passed on as they came)',
    // Whole in one delta, as Mistral sends its calls: each call is read at its place in the delta.
    stream: chatStream(provider, { role: 'assistant', content: '' }, { tool_calls: [1e300, -1, 4294967296, 0.5].map((index, at) => ({ index, id: `c${at}`, function: { name: `get${at}`, arguments: '{}' } })) }),
    text: null,
    toolCalls: [0, 1, 2, 3].map((at) => ({ name: `get${at}`, arguments: '{}' })),
  },
  {
    provider,
    name: 'a content of 12345, a refusal of {} (guard: already read as text only)',
    whole: chatWhole(provider, { role: 'assistant', content: 12345, refusal: {} }),
    stream: chatStream(provider, { role: 'assistant', content: '' }, { content: 12345, refusal: {} }),
    text: null,
  },
];

interface Case {
  provider: Provider;
  name: string;
  whole?: string;
  stream?: string;
  /** The text the client reads (whole, or the stream's deltas joined), null for none. */
  text: string | null;
  toolCalls?: Array<{ name: string; arguments: string }>;
  /** The model the client reads, where the case is about it. */
  model?: string;
}

const cases: Case[] = [
  {
    provider: 'gemini',
    name: 'a part that is null (a 500; a stream broken off)',
    whole: geminiWhole([null, { text: 'Hi' }]),
    stream: geminiStream([[null, { text: 'Hi' }], [null]]),
    text: 'Hi',
  },
  {
    provider: 'gemini',
    name: 'parts that are an object, not a list (a 500; a 502)',
    whole: geminiWhole({ text: 'Hi' }),
    stream: geminiStream([{ text: 'Hi' }]),
    text: null,
  },
  {
    provider: 'gemini',
    name: 'a call named by a number, a call that is true (passed on as a name of 5, a call without a name)',
    whole: geminiWhole([{ functionCall: { name: 5, args: {} } }, { functionCall: true }, { text: 'Hi' }]),
    stream: geminiStream([[{ text: 'Hi' }], [{ functionCall: { name: 5, args: {} } }, { functionCall: true }]]),
    text: 'Hi',
  },
  {
    provider: 'gemini',
    name: 'args that are a number, a list or text (passed on as "5", "[1]", and JSON text of a string)',
    whole: geminiWhole([{ functionCall: { name: 'get', args: 5 } }, { functionCall: { name: 'get', args: [1] } }, { functionCall: { name: 'get', args: '{"city":"Paris"}' } }]),
    stream: geminiStream([[{ functionCall: { name: 'get', args: 5 } }, { functionCall: { name: 'get', args: [1] } }, { functionCall: { name: 'get', args: '{"city":"Paris"}' } }]]),
    text: null,
    // Text is read as the JSON text it holds (the tolerant reading); a number or a list is no arguments.
    toolCalls: [{ name: 'get', arguments: '' }, { name: 'get', arguments: '' }, { name: 'get', arguments: '{"city":"Paris"}' }],
  },
  {
    provider: 'gemini',
    name: 'a thoughtSignature that is a number or an object (a 500; a stream broken off)',
    whole: geminiWhole([{ text: 'Let me think.', thought: true, thoughtSignature: {} }, { functionCall: { name: 'get', args: { city: 'Paris' } }, thoughtSignature: 5 }]),
    stream: geminiStream([[{ text: 'Let me think.', thought: true, thoughtSignature: {} }], [{ functionCall: { name: 'get', args: { city: 'Paris' } }, thoughtSignature: 5 }]]),
    text: null,
    toolCalls: [{ name: 'get', arguments: '{"city":"Paris"}' }],
  },
  {
    provider: 'gemini',
    name: 'a responseId that is an object, a modelVersion that is a number (passed on as the id {} and the model "gemini/5")',
    whole: geminiWhole([{ text: 'Hi' }], { responseId: {}, modelVersion: 5 }),
    stream: geminiStream([[{ text: 'Hi' }]], { responseId: {}, modelVersion: 5 }),
    text: 'Hi',
    // As for an answer that names no model.
    model: 'gemini/unknown',
  },
  ...chatCases('mistral'),
  {
    provider: 'mistral',
    name: 'content chunks of the wrong type (guard: already read as text only)',
    whole: chatWhole('mistral', { role: 'assistant', content: [{ type: 'text', text: 5 }, null, { type: 'text', text: 'Hi' }, { type: 'thinking', thinking: [null, { type: 'text', text: {} }] }] }),
    stream: chatStream('mistral', { role: 'assistant', content: 'Hi' }, { content: [{ type: 'text', text: { a: 1 } }, { type: 'thinking', thinking: 7 }] }),
    text: 'Hi',
  },
  ...chatCases('groq'),
  ...chatCases('azure'),
];

const client = (gateway: TestGateway) => new OpenAI({ apiKey: masterKey, baseURL: gateway.baseURL, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];

/** The billed usage of a record is whole numbers, as the ledger takes them. */
function expectBillable(record: RequestRecord) {
  expect(record.status).toBe(200);
  expect(record.errorCode).toBeUndefined();
  expect(Number.isSafeInteger(record.usage?.inputTokens)).toBe(true);
  expect(Number.isSafeInteger(record.usage?.outputTokens)).toBe(true);
  expect(record.usage!.inputTokens).toBeGreaterThan(0);
  expect(Number.isFinite(record.costUsd)).toBe(true);
}

/** One request to the gateway on `path`, with what it logged at error level (pino's 50) meanwhile. */
async function exchange<T>(path: PathName, request: (gateway: TestGateway) => Promise<T>) {
  const gateway = pair[path];
  const from = gateway.logLines.length;
  const result = await pair.exchange(path, request);
  return { ...result, errorLines: gateway.logLines.slice(from).filter((line) => line.includes('"level":50')) };
}

describe.each(['fast', 'translated'] as PathName[])('a provider answer with a value of the wrong type (%s gateway)', (path) => {
  it.each(cases.filter((item) => item.whole))('$provider, whole: $name', async (item) => {
    replay.play({ body: item.whole!, contentType: 'application/json' } satisfies ReplayScript);
    const { read, record, errorLines } = await exchange(path, (gateway) => client(gateway).chat.completions.create({ model: `${item.provider}-once`, messages }).withResponse());
    expectBillable(record);
    expect(errorLines).toEqual([]);
    expect(JSON.stringify(read.data)).not.toContain('[object Object]');
    expect(typeof read.data.id).toBe('string');
    if (item.model) expect(read.data.model).toBe(item.model);
    if (read.response.headers.get('x-switchyard-path') === 'fast') return; // the upstream's own bytes, by design
    const message = read.data.choices[0]!.message;
    expect(message.content).toBe(item.text);
    expect((message.tool_calls ?? []).map((call) => (call.type === 'function' ? { name: call.function.name, arguments: call.function.arguments } : call))).toEqual(item.toolCalls ?? []);
    for (const call of message.tool_calls ?? []) expect(typeof call.id).toBe('string');
  });

  it.each(cases.filter((item) => item.stream))('$provider, streamed: $name', async (item) => {
    replay.play({ body: item.stream!, contentType: 'text/event-stream' } satisfies ReplayScript);
    const { read, record, errorLines } = await exchange(path, async (gateway) => {
      const response = await fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: `${item.provider}-once`, messages, stream: true }),
      });
      return { status: response.status, fast: response.headers.get('x-switchyard-path') === 'fast', text: await response.text() };
    });
    expect(read.status).toBe(200);
    expectBillable(record);
    expect(errorLines).toEqual([]);
    const events = eventData(read.text);
    expect(events.at(-1)).toBe('[DONE]');
    expect(read.text).not.toContain('[object Object]');
    if (read.fast) return; // the upstream's own bytes, by design
    const chunks = events.slice(0, -1).map((data) => JSON.parse(data) as Json);
    let text: string | null = null;
    const calls = new Map<number, { name: string; arguments: string }>();
    for (const chunk of chunks) {
      expect(chunk['error']).toBeUndefined();
      expect(typeof chunk['id']).toBe('string');
      expect(typeof chunk['model']).toBe('string');
      if (item.model) expect(chunk['model']).toBe(item.model);
      const delta = chunk['choices'][0]?.delta ?? {};
      if (delta.content !== undefined && delta.content !== null) {
        expect(typeof delta.content).toBe('string');
        text = (text ?? '') + delta.content;
      }
      for (const call of delta.tool_calls ?? []) {
        // Only a place in a list: a client collects a call's pieces by it.
        expect(Number.isSafeInteger(call.index) && call.index >= 0, `index ${call.index}`).toBe(true);
        if (call.function?.name !== undefined) {
          expect(typeof call.function.name).toBe('string');
          expect(typeof call.id).toBe('string');
          calls.set(call.index, { name: call.function.name, arguments: '' });
        }
        if (call.function?.arguments !== undefined) {
          expect(typeof call.function.arguments).toBe('string');
          calls.get(call.index)!.arguments += call.function.arguments;
        }
      }
    }
    expect(text || null).toBe(item.text);
    expect([...calls.values()]).toEqual(item.toolCalls ?? []);
  });
});
