import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import { encodeEventFrame, providerFixturesDir, readFixture } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInDialect, dialects, type Dialect } from './support/call-in-dialect.js';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { providerOfPath, providersUnderPrefixes } from './support/providers-under-prefixes.js';
import { onceModels, recordQueue } from './support/request-records.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A stream that goes on after its own end marker (`data: [DONE]`, Anthropic's
 * `message_stop`, Cohere's `message-end`, Bedrock's `messageStop` and `metadata`), in the same network read: more text, a second
 * finish, a usage of 50,000 tokens. The answer ended at the marker, so the client reads
 * and the ledger bills exactly what the same stream without the tail gives, on the fast
 * path and the translated one.
 */

const openAIChunk = (body: object) => `data: ${JSON.stringify({ id: 'chatcmpl-tail', object: 'chat.completion.chunk', created: 1764072005, model: 'gpt-4o-mini', ...body })}\n\n`;
const openAITail =
  openAIChunk({ choices: [{ index: 0, delta: { content: 'EXTRA' }, finish_reason: null }] }) +
  openAIChunk({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }], usage: { prompt_tokens: 50_000, completion_tokens: 50_000, total_tokens: 100_000 } }) +
  'data: [DONE]\n\n';
const anthropicEvent = (type: string, body: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;
const anthropicTail =
  anthropicEvent('content_block_start', { index: 7, content_block: { type: 'text', text: '' } }) +
  anthropicEvent('content_block_delta', { index: 7, delta: { type: 'text_delta', text: 'EXTRA' } }) +
  anthropicEvent('content_block_stop', { index: 7 }) +
  anthropicEvent('message_delta', { delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { input_tokens: 50_000, output_tokens: 50_000 } }) +
  anthropicEvent('message_stop', {});
const cohereEvent = (type: string, body: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...body })}\n\n`;
const cohereTail =
  cohereEvent('content-delta', { index: 0, delta: { message: { content: { text: 'EXTRA' } } } }) +
  cohereEvent('message-end', { delta: { finish_reason: 'MAX_TOKENS', usage: { billed_units: { input_tokens: 50_000, output_tokens: 50_000 } } } });

const bedrockFrame = (type: string, payload: object) => encodeEventFrame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, payload);
const bedrockTail = Buffer.concat([
  bedrockFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'EXTRA' } }),
  bedrockFrame('messageStop', { stopReason: 'max_tokens' }),
  bedrockFrame('metadata', { usage: { inputTokens: 50_000, outputTokens: 50_000, totalTokens: 100_000 } }),
]);

const providers = {
  openai: { target: 'openai/gpt-4o-mini', stream: readFixture('openai', 'stream-text-only.txt'), tail: openAITail },
  azure: { target: 'azure/gpt-4o-mini', stream: readFixture('azure-openai', 'stream-text-only.txt'), tail: openAITail },
  mistral: { target: 'mistral/mistral-large-latest', stream: readFixture('mistral', 'stream-text-only.txt'), tail: openAITail },
  anthropic: { target: 'anthropic/claude-sonnet-4-5', stream: readFixture('anthropic', 'stream-text-only.txt'), tail: anthropicTail },
  cohere: { target: 'cohere/command-a-03-2025', stream: readFixture('cohere', 'stream-text-only.txt'), tail: cohereTail },
  bedrock: {
    target: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0',
    stream: readFileSync(join(providerFixturesDir(), 'bedrock', 'stream-text-only.eventstream.bin')),
    tail: bedrockTail,
  },
} as const;
type Provider = keyof typeof providers;

let withTail = false;
let upstream: LoopbackUpstream;
let gateway: TestGateway;
beforeAll(async () => {
  upstream = await startLoopbackUpstream((req, _body, res) => {
    const { stream, tail } = providers[providerOfPath(req.url) as Provider];
    const binary = Buffer.isBuffer(stream);
    res.writeHead(200, { 'content-type': binary ? 'application/vnd.amazon.eventstream' : 'text/event-stream' });
    // One write: the tail comes in the same read as the end marker.
    if (!withTail) res.end(stream);
    else res.end(binary ? Buffer.concat([stream, tail as Buffer]) : `${(stream as string).trimEnd()}\n\n${tail as string}`);
  });
  gateway = await startTestGateway({
    providers: providersUnderPrefixes(upstream.origin),
    models: onceModels(Object.fromEntries(Object.entries(providers).map(([name, { target }]) => [name, target]))),
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** The text the client read, how the stream ended, and the request's record. */
async function streamed(provider: Provider, dialect: Dialect): Promise<{ text: string; body: string; path: string | null; record: RequestRecord }> {
  const model = `${provider}-once`;
  const record = recordQueue(gateway).next();
  const messages = [{ role: 'user', content: 'hi' }];
  const response = await callInDialect(gateway, dialect, dialect === 'chat' ? { model, messages, stream: true, stream_options: { include_usage: true } } : { model, messages, stream: true, max_tokens: 256 });
  expect(response.status).toBe(200);
  const body = await response.text();
  let text = '';
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const event = JSON.parse(line.slice('data: '.length)) as { choices?: Array<{ delta?: { content?: string } }>; delta?: { text?: string } };
    text += event.choices?.[0]?.delta?.content ?? event.delta?.text ?? '';
  }
  return { text, body, path: response.headers.get('x-switchyard-path'), record: await record };
}

const cases = (Object.keys(providers) as Provider[]).flatMap((provider) => dialects.map((dialect) => ({ provider, dialect })));

describe('a stream that goes on after its end marker', () => {
  it.each(cases)('$provider to $dialect: the client reads and the ledger bills what the stream up to its marker says', async ({ provider, dialect }) => {
    withTail = false;
    const plain = await streamed(provider, dialect);
    withTail = true;
    const tailed = await streamed(provider, dialect);

    expect(plain.text.length).toBeGreaterThan(0);
    expect(tailed.body).not.toContain('EXTRA');
    expect(tailed.text).toBe(plain.text);
    expect(tailed.path).toBe(plain.path);
    expect(tailed.record.status).toBe(200);
    expect(tailed.record.errorCode).toBeUndefined();
    expect(tailed.record.usage).toEqual(plain.record.usage);
    expect(tailed.record.costUsd).toBe(plain.record.costUsd);
    // One end: one [DONE] for an OpenAI client, one message_stop for an Anthropic one.
    const ends = tailed.body.split(dialect === 'chat' ? 'data: [DONE]' : 'event: message_stop').length - 1;
    expect(ends).toBe(1);
  });
});
