import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineProvider, type PluginFactory, type StreamPart } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onceModels, recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A stream that fails after the upstream answered, in the two ways it can: an event
 * came whole but the provider's decoder could not read it (a plugin's decoder that
 * throws a plain Error, quoting the event and so the provider's key), or the
 * connection ended before the answer was complete. Both end the client's stream in
 * `upstream_invalid_response` (docs/errors.md: an answer that could not be read, or a
 * stream that ended early), each saying which it was; both were reported as "the
 * upstream broke off its answer". The provider's words (its key) reach neither the
 * client nor the logs.
 */

const secret = 'sk-plain-SECRET-0123456789abcdef';
const firstEvent = 'data: {"text":"Hi"}\n\n';

/** What the upstream does after its first event. */
let after: 'unreadable' | 'cut' = 'unreadable';
let upstream: Server;
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

/** A provider written as a third party would: one text per event, read with JSON.parse, an Error of its own for what it cannot read. */
const plainEvents = defineProvider<{ base_url: string; api_key: string }>({
  name: 'plain-events',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['base_url', 'api_key'],
    properties: { base_url: { type: 'string' }, api_key: { type: 'string' } },
  },
  create: (options) => ({
    secrets: [options.api_key],
    chat: {
      buildRequest: () => ({ origin: options.base_url, path: '/stream', method: 'POST', headers: { 'x-key': options.api_key, 'content-type': 'application/json' }, body: '{}' }),
      parseResponse: () => {
        throw new Error('not used');
      },
      createStreamDecoder() {
        let started = false;
        return {
          decode(event): StreamPart[] {
            const data = JSON.parse(event.data) as { text?: unknown };
            if (typeof data.text !== 'string') throw new Error(`cannot read ${event.data}`);
            const parts: StreamPart[] = started ? [] : [{ type: 'stream-start', id: 'plain-1', model: 'plain-model', created: 1764072000 }];
            started = true;
            parts.push({ type: 'text-delta', delta: data.text });
            return parts;
          },
          end: (): StreamPart[] => [{ type: 'finish', finishReason: { unified: 'stop', raw: 'stop' } }],
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
      if (after === 'unreadable') {
        res.end(`${firstEvent}data: {"text":{"quoted":"${secret}"}}\n\n`);
        return;
      }
      // The first event leaves, then the connection is cut without ending the body.
      res.write(firstEvent, () => setImmediate(() => res.socket?.destroy()));
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const { port } = upstream.address() as AddressInfo;
  gateway = await startTestGateway(
    {
      providers: { plain: { use: 'plain-events', base_url: `http://127.0.0.1:${port}`, api_key: secret } },
      models: onceModels({ plain: 'plain/plain-model' }),
      chain: ['auth', 'key-scope', 'route', 'adapter'],
    },
    { plugins: [plainEvents as PluginFactory<unknown, unknown>] },
  );
  records = recordQueue(gateway);
});

afterAll(async () => {
  await gateway?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

/** A streamed chat call: the text read, the error event that ended the stream, the record and the log lines it wrote. */
async function streamed() {
  const from = gateway.logLines.length;
  const recorded = records.next();
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'plain-once', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
  });
  const text = await response.text();
  const events = text
    .split('\n\n')
    .filter((block) => block.startsWith('data: ') && block !== 'data: [DONE]')
    .map((block) => JSON.parse(block.slice('data: '.length)) as { choices?: Array<{ delta: { content?: string } }>; error?: { message: string; code: string } });
  const content = events.map((event) => event.choices?.[0]?.delta.content ?? '').join('');
  const error = events.find((event) => event.error)?.error;
  const record = await recorded;
  return { status: response.status, text, content, error, record, logs: gateway.logLines.slice(from).join('\n') };
}

describe('a stream that fails after the upstream answered', () => {
  it('an event the decoder cannot read: upstream_invalid_response saying so, the key in neither the answer nor the logs', async () => {
    after = 'unreadable';
    const read = await streamed();
    expect(read.status).toBe(200);
    expect(read.content).toBe('Hi');
    expect(read.error?.code).toBe('upstream_invalid_response');
    expect(read.error?.message).toBe('The plain upstream sent a stream event the gateway could not read.');
    expect(read.record.errorCode).toBe('upstream_invalid_response');
    expect(read.text).not.toContain(secret);
    expect(read.logs).toContain('upstream stream failed after it began');
    expect(read.logs).not.toContain(secret);
  });

  it('a connection that ends before the answer is complete: upstream_invalid_response saying so', async () => {
    after = 'cut';
    const read = await streamed();
    expect(read.status).toBe(200);
    expect(read.content).toBe('Hi');
    expect(read.error?.code).toBe('upstream_invalid_response');
    expect(read.error?.message).toBe("The plain upstream's connection ended before its answer was complete.");
    expect(read.record.errorCode).toBe('upstream_invalid_response');
  });
});
