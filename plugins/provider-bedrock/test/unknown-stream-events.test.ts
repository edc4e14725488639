import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, parseChatCompletionsRequest, startProvider, UpstreamTransport } from '@switchyard/core';
import { collectParts, encodeEventFrame } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import bedrock from '../src/index.js';

/**
 * Event types Bedrock adds later are skipped, whatever their payload: one that is not JSON
 * (text, bytes) used to end the stream as "unreadable stream event", its payload read before its type.
 */
const event = (type: string, payload: unknown, contentType = 'application/json') =>
  encodeEventFrame({ ':event-type': type, ':content-type': contentType, ':message-type': 'event' }, payload);
const exception = (type: string, payload: Buffer) =>
  encodeEventFrame({ ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' }, payload);

let frames: Buffer[] = [];
let server: Server;
let url: string;
const transport = new UpstreamTransport();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      for (const frame of frames) res.write(frame);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await transport.close();
  await new Promise((resolve) => server.close(resolve));
});

async function stream() {
  const provider = startProvider('bedrock', bedrock({ region: 'us-east-1', endpoint: url, api_key: 'ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl' }), transport);
  const { request } = parseChatCompletionsRequest({ model: 'bedrock/m', messages: [{ role: 'user', content: 'hi' }], stream: true });
  return collectParts(await provider.chat!.stream({ request, model: 'm', signal: new AbortController().signal, logger: createLogger({ level: 'silent' }) }));
}

describe('Bedrock ConverseStream events of a type the gateway does not know', () => {
  it.each([
    ['text that is not JSON', Buffer.from('not json at all'), 'text/plain'],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'application/octet-stream'],
    ['an empty payload', Buffer.alloc(0), 'application/json'],
    ['JSON', { anything: [1, 2] }, 'application/json'],
  ])('are skipped when their payload is %s, and the answer streams on', async (_name, payload, contentType) => {
    frames = [
      event('messageStart', { role: 'assistant' }),
      event('futureEvent', payload, contentType),
      event('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hello' } }),
      event('contentBlockStop', { contentBlockIndex: 0 }),
      event('messageStop', { stopReason: 'end_turn' }),
      event('metadata', { usage: { inputTokens: 3, outputTokens: 1 } }),
    ];
    const parts = await stream();
    expect(parts.filter((part) => part.type !== 'stream-start')).toEqual([
      { type: 'text-delta', delta: 'Hello' },
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } },
      { type: 'usage', usage: { inputTokens: 3, outputTokens: 1 } },
    ]);
  });

  it('an exception whose payload is not JSON still fails the stream as that exception, not as an unreadable event', async () => {
    frames = [event('messageStart', { role: 'assistant' }), exception('throttlingException', Buffer.from('Too many requests <html>'))];
    await expect(stream()).rejects.toMatchObject({ code: 'rate_limit_exceeded' });
  });
});
