import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineProvider, type PluginFactory, type StreamPart } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A third-party stream decoder that returns one part where the contract says a list
 * (`decode(event): StreamPart[]`, `end(): StreamPart[]`): an easy slip in plain JavaScript.
 * Its parts were read as an empty list, so the client got `200` and `data: [DONE]` alone,
 * an empty answer reported complete and recorded as a success. It is now what a decoder that
 * cannot read an event gives: 502 upstream_invalid_response before the first byte, an
 * in-stream error after it.
 */

const start: StreamPart = { type: 'stream-start', id: 'lone-1', model: 'lone-model', created: 1764072000 };
const text: StreamPart = { type: 'text-delta', delta: 'Hi' };
const finish: StreamPart = { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } };

/** Where the decoder slips: every event, or only at the end. */
let slip: 'decode' | 'end' = 'decode';
let upstream: Server;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

const lonePart = defineProvider<{ base_url: string }>({
  name: 'lone-part',
  optionsSchema: { type: 'object', additionalProperties: false, required: ['base_url'], properties: { base_url: { type: 'string' } } },
  create: (options) => ({
    chat: {
      buildRequest: () => ({ origin: options.base_url, path: '/stream', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      parseResponse: () => {
        throw new Error('not used');
      },
      createStreamDecoder() {
        let events = 0;
        return {
          decode(): StreamPart[] {
            events++;
            if (slip === 'decode') return text as unknown as StreamPart[];
            return events === 1 ? [start, text] : [];
          },
          end: (): StreamPart[] => (slip === 'end' ? (finish as unknown as StreamPart[]) : [finish]),
        };
      },
    },
  }),
});

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"text":"Hi"}\n\ndata: {"text":"!"}\n\n');
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as AddressInfo;
  gateway = await startTestGateway(
    { providers: { lone: { use: 'lone-part', base_url: `http://127.0.0.1:${port}` } }, chain: ['auth', 'route', 'adapter'] },
    { plugins: [lonePart as PluginFactory<unknown, unknown>] },
  );
  records = recordQueue(gateway);
});

afterAll(async () => {
  await gateway?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

async function streamed() {
  const recorded = records.next();
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'lone/lone-model', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
  });
  return { status: response.status, text: await response.text(), record: await recorded };
}

describe('a stream decoder that returns one part, not a list', () => {
  it('from decode(): 502 upstream_invalid_response, not an empty 200', async () => {
    slip = 'decode';
    const read = await streamed();
    expect(read.status).toBe(502);
    expect(JSON.parse(read.text)).toEqual({
      error: { message: 'The lone upstream sent a stream event the gateway could not read.', type: 'server_error', code: 'upstream_invalid_response', param: null },
    });
    expect(read.record.errorCode).toBe('upstream_invalid_response');
  });

  it('from end(): the stream that began ends in upstream_invalid_response, not a finish', async () => {
    slip = 'end';
    const read = await streamed();
    expect(read.status).toBe(200);
    expect(read.text).toContain('"content":"Hi"');
    expect(read.text).toContain('"code":"upstream_invalid_response"');
    expect(read.text).not.toContain('"finish_reason":"stop"');
    expect(read.record.errorCode).toBe('upstream_invalid_response');
  });
});
