import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onceModels, recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * What the gateway bills when a stream's usage comes more than once, only in a middle
 * event, or readable and then not: the last readable usage, on the fast path and the
 * translated one alike, and the client reads the counts billed. A later unreadable
 * usage (1e309, -5) does not wipe an earlier readable one. Anthropic's counts are
 * cumulative: a message_delta whose input count is below message_start's (a proxy's
 * `input_tokens: 0`) leaves message_start's standing, as does a Gemini chunk whose
 * running total drops a count an earlier chunk gave (or leaves the prompt's out).
 */

const openAIChunk = (body: object) => `data: ${JSON.stringify({ id: 'chatcmpl-u', object: 'chat.completion.chunk', created: 1764072005, model: 'gpt-4o-mini', ...body })}\n\n`;
const text = (content: string) => openAIChunk({ choices: [{ index: 0, delta: { content }, finish_reason: null }] });
const finish = openAIChunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
const usage = (prompt: number | string, completion: number | string) =>
  `data: {"id":"chatcmpl-u","object":"chat.completion.chunk","created":1764072005,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":${prompt},"completion_tokens":${completion},"total_tokens":0}}\n\n`;

const anthropicEvent = (type: string, body: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;
const messageStart = anthropicEvent('message_start', { message: { id: 'msg_u', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 40, output_tokens: 1 } } });
const textBlock =
  anthropicEvent('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
  anthropicEvent('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hello there' } }) +
  anthropicEvent('content_block_stop', { index: 0 });
const messageDelta = (output: number | string) => `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":${output}}}\n\n`;
const messageStop = anthropicEvent('message_stop', {});
const messageDeltaWithInput = (input: number, output: number) =>
  `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":${input},"output_tokens":${output}}}\n\n`;

const geminiChunk = (text: string, usage: object, finishReason?: string) =>
  `data: ${JSON.stringify({ candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0, ...(finishReason && { finishReason }) }], usageMetadata: usage, modelVersion: 'gemini-2.5-flash', responseId: 'r-u' })}\r\n\r\n`;
const geminiFirst = geminiChunk('Hello', { promptTokenCount: 40, candidatesTokenCount: 1, totalTokenCount: 41 });

interface Case {
  name: string;
  provider: 'openai' | 'anthropic' | 'gemini';
  stream: string;
  billed: { inputTokens: number; outputTokens: number };
}

const cases: Case[] = [
  { name: 'two usages at the end', provider: 'openai', stream: text('Hello') + finish + usage(5, 2) + usage(70, 30) + 'data: [DONE]\n\n', billed: { inputTokens: 70, outputTokens: 30 } },
  { name: 'a usage only in a middle chunk', provider: 'openai', stream: text('Hel') + usage(7, 3) + text('lo') + finish + 'data: [DONE]\n\n', billed: { inputTokens: 7, outputTokens: 3 } },
  { name: 'a readable usage, then 1e309', provider: 'openai', stream: text('Hello') + finish + usage(70, 30) + usage('1e309', 30) + 'data: [DONE]\n\n', billed: { inputTokens: 70, outputTokens: 30 } },
  { name: 'a readable usage, then -5', provider: 'openai', stream: text('Hello') + finish + usage(70, 30) + usage(-5, 30) + 'data: [DONE]\n\n', billed: { inputTokens: 70, outputTokens: 30 } },
  { name: 'two message_delta usages', provider: 'anthropic', stream: messageStart + textBlock + messageDelta(3) + messageDelta(30) + messageStop, billed: { inputTokens: 40, outputTokens: 30 } },
  { name: 'a message_delta with input_tokens 0', provider: 'anthropic', stream: messageStart + textBlock + messageDeltaWithInput(0, 30) + messageStop, billed: { inputTokens: 40, outputTokens: 30 } },
  { name: 'a message_delta with input_tokens below message_start\'s', provider: 'anthropic', stream: messageStart + textBlock + messageDeltaWithInput(3, 30) + messageStop, billed: { inputTokens: 40, outputTokens: 30 } },
  { name: 'a last chunk without the prompt count', provider: 'gemini', stream: geminiFirst + geminiChunk(' there', { candidatesTokenCount: 30, totalTokenCount: 30 }, 'STOP'), billed: { inputTokens: 40, outputTokens: 30 } },
  { name: 'a last chunk with a prompt count of 0', provider: 'gemini', stream: geminiFirst + geminiChunk(' there', { promptTokenCount: 0, candidatesTokenCount: 30, totalTokenCount: 30 }, 'STOP'), billed: { inputTokens: 40, outputTokens: 30 } },
  {
    name: 'a last chunk whose output count went down',
    provider: 'gemini',
    stream: geminiChunk('Hello', { promptTokenCount: 40, candidatesTokenCount: 30, totalTokenCount: 70 }) + geminiChunk(' there', { promptTokenCount: 40, candidatesTokenCount: 3, totalTokenCount: 43 }, 'STOP'),
    billed: { inputTokens: 40, outputTokens: 30 },
  },
  { name: 'a readable message_delta usage, then 1e309', provider: 'anthropic', stream: messageStart + textBlock + messageDelta(30) + messageDelta('1e309') + messageStop, billed: { inputTokens: 40, outputTokens: 30 } },
];

let answer = '';
let gateway: TestGateway;
const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(answer);
  });
});

beforeAll(async () => {
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    providers: {
      openai: { api_key: 'sk-openai-test-0123456789', base_url: `${url}/v1` },
      anthropic: { api_key: 'sk-ant-test-0123456789', base_url: url },
      gemini: { api_key: 'AIzaSyTest0123456789abcdef', base_url: `${url}/` },
    },
    models: onceModels({ openai: 'openai/gpt-4o-mini', anthropic: 'anthropic/claude-sonnet-4-5', gemini: 'gemini/gemini-2.5-flash' }),
  });
});
afterAll(async () => {
  await gateway?.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

type Dialect = 'chat' | 'messages';

/** The usage the client read (the last one written) and the request's record. */
async function streamed(provider: string, dialect: Dialect): Promise<{ read: { inputTokens: number; outputTokens: number }; record: RequestRecord }> {
  const model = `${provider}-once`;
  const record = recordQueue(gateway).next();
  const messages = [{ role: 'user', content: 'hi' }];
  const response = await fetch(`${gateway.baseURL}/${dialect === 'chat' ? 'chat/completions' : 'messages'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(dialect === 'chat' ? { model, messages, stream: true, stream_options: { include_usage: true } } : { model, messages, stream: true, max_tokens: 256 }),
  });
  expect(response.status).toBe(200);
  let read = { inputTokens: -1, outputTokens: -1 };
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const event = JSON.parse(line.slice('data: '.length)) as { usage?: Record<string, number> | null; message?: { usage?: Record<string, number> } };
    const seen = event.usage ?? event.message?.usage;
    if (!seen) continue;
    if (dialect === 'chat') read = { inputTokens: seen['prompt_tokens']!, outputTokens: seen['completion_tokens']! };
    else read = { inputTokens: seen['input_tokens'] ?? read.inputTokens, outputTokens: seen['output_tokens']! };
  }
  return { read, record: await record };
}

describe('a stream whose usage comes more than once, or in the middle', () => {
  it.each(cases.flatMap((item) => (['chat', 'messages'] as Dialect[]).map((dialect) => ({ ...item, dialect }))))(
    '$provider, $name, to $dialect: the last readable usage is billed, and read by the client',
    async ({ provider, stream, billed, dialect }) => {
      answer = stream;
      const { read, record } = await streamed(provider, dialect);
      expect(record.status).toBe(200);
      expect(record.usage).toMatchObject(billed);
      expect(read).toEqual(billed);
      expect(Number.isFinite(record.costUsd) && record.costUsd > 0).toBe(true);
    },
  );
});
