import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CHARACTERS_PER_TOKEN, estimatePromptTokens, textLength, type ChatRequest } from '@switchyard/core';
import { encodeEventFrame } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A Bedrock event stream whose good frames arrive in the same network chunk as a corrupt
 * one (a bad CRC, an impossible length prefix). The framer threw for the whole chunk, so
 * the frames before the corrupt one were lost: a stream that had begun (messageStart and
 * text, generated and billed by AWS) became a 502 before its first event, billed $0. The
 * good frames now go out first and the stream ends with the in-stream error, billed the
 * prompt's estimate and the text streamed.
 */

const event = (type: string, payload: Record<string, unknown>) =>
  encodeEventFrame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, payload);
const prompt = 'abcdefg '.repeat(50);
const promptTokens = estimatePromptTokens({ model: 'x', stream: true, messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }] } as ChatRequest);
const text = 'hello there, this is streamed';

function withBadCrc(frame: Buffer): Buffer {
  const copy = Buffer.from(frame);
  copy[copy.length - 1]! ^= 0xff;
  return copy;
}

function withImpossibleLength(frame: Buffer): Buffer {
  const copy = Buffer.from(frame);
  copy.writeUInt32BE(3, 0);
  return copy;
}

const corruptions = { 'a bad CRC': withBadCrc, 'an impossible length prefix': withImpossibleLength };

let wire = Buffer.alloc(0);
let upstream: Server;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.end(wire);
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    providers: { bedrock: { region: 'us-east-1', endpoint: origin, access_key_id: 'AKIDCORRUPTFRAME0123', secret_access_key: 'corrupt-frame-secret-0123456789' } },
    prices: { 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0': { input: 100, output: 200 } },
    models: { 'bedrock-once': { deployments: [{ target: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0' }], retries: { attempts: 0 } } },
  });
  records = recordQueue(gateway);
});

afterAll(async () => {
  await gateway.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

/** The text and the error an OpenAI chat client read from a stream's events. */
function readStream(body: string): { text: string; error: { code?: string } | undefined } {
  let streamed = '';
  let error: { code?: string } | undefined;
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const chunk = JSON.parse(line.slice('data: '.length)) as { error?: { code?: string }; choices?: Array<{ delta?: { content?: string | null } }> };
    if (chunk.error) error = chunk.error;
    streamed += chunk.choices?.[0]?.delta?.content ?? '';
  }
  return { text: streamed, error };
}

describe.each(Object.entries(corruptions))('a Bedrock stream with %s after good frames in the same chunk', (_name, corrupt) => {
  it('streams the good frames, ends with the in-stream error, and bills the prompt and the text streamed', async () => {
    const delta = event('contentBlockDelta', { contentBlockIndex: 0, delta: { text } });
    wire = Buffer.concat([event('messageStart', { role: 'assistant' }), delta, corrupt(event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: ' more' } }))]);
    const finished = records.next();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ model: 'bedrock-once', stream: true, messages: [{ role: 'user', content: prompt }] }),
    });
    expect(response.status).toBe(200);
    const read = readStream(await response.text());
    expect(read.text).toBe(text);
    expect(read.error?.code).toBe('upstream_invalid_response');
    const record = await finished;
    expect(record.usage).toMatchObject({ inputTokens: promptTokens, outputTokens: Math.ceil(textLength(text) / CHARACTERS_PER_TOKEN) });
    expect(record.usageEstimated).toBe(true);
    expect(record.costUsd).toBeGreaterThan(0);
    await expect.poll(() => gateway.gateway.activeRequests).toBe(0);
  });
});
