import { defineProvider, type PluginFactory, type StreamPart } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * A provider plugin's own stream operation (no HTTP) that returns before its `finish` part:
 * an SDK loop that stopped early, a generator that returned on an error it swallowed. An HTTP
 * decoder's end() throws for a stream cut before its final event (docs/plugins.md); a direct
 * stream's only end is its last part, and it was served as a complete answer: 200 and
 * `data: [DONE]` with no finish_reason (or nothing at all), recorded as a success. It is now
 * a cut stream: upstream_invalid_response, 502 before the first byte, an error event after it.
 */

let parts: StreamPart[] = [];
let gateway: TestGateway;
let records: ReturnType<typeof recordQueue>;

const stopsEarly = defineProvider<Record<string, never>>({
  name: 'stops-early',
  optionsSchema: { type: 'object', additionalProperties: false },
  create: () => ({
    chat: {
      complete: () => Promise.reject(new Error('not used')),
      async *stream() {
        yield* parts;
      },
    },
  }),
});

beforeAll(async () => {
  gateway = await startTestGateway(
    { providers: { early: { use: 'stops-early' } }, chain: ['auth', 'route', 'adapter'] },
    { plugins: [stopsEarly as PluginFactory<unknown, unknown>] },
  );
  records = recordQueue(gateway);
});

afterAll(async () => {
  await gateway?.close();
});

async function streamed() {
  const recorded = records.next();
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'early/m', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
  });
  return { status: response.status, text: await response.text(), record: await recorded };
}

const start: StreamPart = { type: 'stream-start', id: 'early-1', model: 'm', created: 1764072000 };
const error = { message: "The early provider's stream ended before its finish.", type: 'server_error', code: 'upstream_invalid_response', param: null };

describe("a direct stream that ends before its finish part", () => {
  it('with no part at all: 502 upstream_invalid_response, not an empty 200', async () => {
    parts = [];
    const read = await streamed();
    expect(read.status).toBe(502);
    expect(JSON.parse(read.text)).toEqual({ error });
    expect(read.record.errorCode).toBe('upstream_invalid_response');
  });

  it('after its text: the text, then an error event, no finish_reason', async () => {
    parts = [start, { type: 'text-delta', delta: 'Hel' }];
    const read = await streamed();
    expect(read.status).toBe(200);
    expect(read.text).toContain('"content":"Hel"');
    expect(read.text).toContain(JSON.stringify({ error }));
    expect(read.text).not.toMatch(/"finish_reason":"/);
    expect(read.record.errorCode).toBe('upstream_invalid_response');
  });

  it('with its finish: served whole, as before', async () => {
    parts = [start, { type: 'text-delta', delta: 'Hello' }, { type: 'finish', finishReason: { unified: 'stop', raw: 'done' } }];
    const read = await streamed();
    expect(read.status).toBe(200);
    expect(read.text).toContain('"finish_reason":"stop"');
    expect(read.text).not.toContain('"error"');
    expect(read.record.errorCode).toBeUndefined();
  });
});
