import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeEventFrame } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * Bedrock's Converse answers carry no id: the gateway names them with the
 * `x-amzn-RequestId` header, bounded only by Node's 16 KiB header limit. An id past
 * 256 characters (as for a stream's id and model, 1116f94) is not taken: the gateway
 * names the answer itself. An ordinary request id is still the answer's id.
 */

const long = 'r'.repeat(15_000);
let requestId = '';
let upstream: Server;
let gateway: TestGateway;

const converse = JSON.stringify({
  output: { message: { role: 'assistant', content: [{ text: 'Hi there' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 },
});
const frame = (type: string, payload: Record<string, unknown>) =>
  encodeEventFrame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, payload);
const stream = Buffer.concat([
  frame('messageStart', { role: 'assistant' }),
  frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi there' } }),
  frame('contentBlockStop', { contentBlockIndex: 0 }),
  frame('messageStop', { stopReason: 'end_turn' }),
  frame('metadata', { usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 }, metrics: { latencyMs: 1 } }),
]);

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      const streaming = req.url?.includes('converse-stream') ?? false;
      res.writeHead(200, { 'content-type': streaming ? 'application/vnd.amazon.eventstream' : 'application/json', 'x-amzn-RequestId': requestId });
      res.end(streaming ? stream : converse);
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  gateway = await startTestGateway({
    providers: { bedrock: { region: 'us-east-1', endpoint: origin, access_key_id: 'AKIDREQUESTID0123456', secret_access_key: 'request-id-secret-0123456789' } },
    models: { 'bedrock-once': { deployments: [{ target: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0' }], retries: { attempts: 0 } } },
  });
});

afterAll(async () => {
  await gateway?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

const chat = (stream: boolean) =>
  fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'bedrock-once', stream, messages: [{ role: 'user', content: 'Hi' }] }),
  });

/** The ids of a stream's chunks, each one. */
async function streamIds(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: {'))
    .map((block) => (JSON.parse(block.slice('data: '.length)) as { id: string }).id);
}

describe('a Bedrock x-amzn-RequestId', () => {
  it('of 15,000 characters is not a whole answer’s id: the gateway names it', async () => {
    requestId = long;
    const response = await chat(false);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { id: string; choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content).toBe('Hi there');
    expect(body.id.length).toBeGreaterThan(0);
    expect(body.id.length).toBeLessThanOrEqual(256);
  });

  it('of 15,000 characters is not a stream’s id either', async () => {
    requestId = long;
    const ids = await streamIds(await chat(true));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(256);
  });

  it('of an ordinary length is the answer’s id, whole and streamed', async () => {
    requestId = '7b3c1a2e-0d4f-4e8a-9b1c-2f3e4d5a6b7c';
    const body = (await (await chat(false)).json()) as { id: string };
    expect(body.id).toBe(requestId);
    expect(new Set(await streamIds(await chat(true)))).toEqual(new Set([requestId]));
  });
});
