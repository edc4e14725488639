import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordQueue } from './support/request-records.js';
import { sseData } from './support/sse-data.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { onceDeploymentsAt, streamedAsk } from './support/once-deployments.js';

/**
 * An upstream whose connection ends inside its last event: the body stops in the middle
 * of the event's JSON, with no blank line after it. The fast path's lazy tap passes
 * content-only events on unparsed (docs/fast-path.md, The lazy tap); a cut-off event can
 * still look content-only (an Anthropic delta cut before its kind, an OpenAI chunk cut
 * right after a `}`), and was handed to the client as broken JSON before the error event.
 */
const openAIChunk = (content: string) =>
  `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}},"finish_reason":null}]}\n\n`;
const anthropicStart =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}\n\n' +
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n';
const anthropicDelta = (text: string) => `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}\n\n`;

const cases = [
  {
    name: 'an OpenAI chunk cut right after a }',
    model: 'openai-once',
    route: '/v1/chat/completions',
    wire: openAIChunk('Hello') + openAIChunk(' there') + 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" world"}',
  },
  {
    name: 'an Anthropic content_block_delta cut before its kind',
    model: 'anthropic-once',
    route: '/v1/messages',
    wire: anthropicStart + anthropicDelta('Hello') + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"te',
  },
  {
    name: 'an Anthropic signature_delta cut after its first }',
    model: 'anthropic-once',
    route: '/v1/messages',
    wire: anthropicStart + anthropicDelta('Hello') + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"c2ln"}',
  },
];

let upstream: Server;
let wire = '';

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(wire);
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

describe.each([true, false])('server.fast_path %s', (fastPath) => {
  let gateway: TestGateway;
  let records: { next(): Promise<RequestRecord> };

  beforeAll(async () => {
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    gateway = await startTestGateway({ ...onceDeploymentsAt(origin, 'cut-off'), server: { fast_path: fastPath } });
    records = recordQueue(gateway);
  });

  afterAll(async () => {
    await gateway.close();
  });

  it.each(cases)('$name: the client gets only JSON events, the last an upstream_invalid_response error; recorded once as that failure', async ({ model, route, wire: text }) => {
    wire = text;
    const recorded = records.next();
    const body = streamedAsk(route, model);
    const response = await fetch(`${gateway.origin}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    const data = sseData(await response.text());
    expect(data).not.toContain('[DONE]');
    // Every event the client gets parses: the cut-off one is not among them.
    const events = data.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.at(-1)).toMatchObject({ error: { code: 'upstream_invalid_response' } });
    expect(JSON.stringify(events.at(-1))).toContain('unreadable stream event');
    const record = await recorded;
    expect(record).toMatchObject({ status: 200, stream: true, errorCode: 'upstream_invalid_response' });
    expect(record.usage?.outputTokens).toBeGreaterThan(0);
  });
});
