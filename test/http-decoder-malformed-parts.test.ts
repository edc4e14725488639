import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger, defineProvider, type Gateway, type RequestRecord } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A third-party HTTP provider plugin's stream decoder is the plugin's word, as a direct
 * operation's parts are: a part missing its text (`{ type: 'text-delta', text }`) was
 * written to the client as `"content":undefined`, which no client parses. Checked like a
 * direct part: a 502 upstream_invalid_response before the first byte, an in-stream error after.
 */
describe("an HTTP provider plugin's stream decoder emitting a malformed part", () => {
  let upstream: Server;
  let gateway: Gateway;
  let app: express.Express;
  const waiters: Array<(record: RequestRecord) => void> = [];
  const nextRecord = () => new Promise<RequestRecord>((resolve) => waiters.push(resolve));

  beforeAll(async () => {
    // Three text events and the end marker, whatever was asked.
    upstream = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const text of ['one', 'two', 'three']) response.write(`data: ${JSON.stringify({ text })}\n\n`);
      response.end('data: [DONE]\n\n');
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const careless = defineProvider({
      name: 'careless',
      optionsSchema: { type: 'object' },
      create: () => ({
        chat: {
          buildRequest: (_chat, model) => ({ origin, path: '/stream', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model }) }),
          parseResponse: () => ({ id: 'x', model: 'm', created: 0, content: [], finishReason: { unified: 'stop' }, usage: undefined }),
          // The model asked says which part is malformed: 'first-bad' the very first, 'third-bad' the third text.
          createStreamDecoder: () => {
            let events = 0;
            return {
              decode: (event: { data: string }) => {
                if (event.data === '[DONE]') return [{ type: 'finish', finishReason: { unified: 'stop' } }];
                events++;
                const { text } = JSON.parse(event.data) as { text: string };
                if (decoderModel === 'first-bad') return [{ type: 'text-delta', text }];
                const delta = decoderModel === 'third-bad' && events === 3 ? { type: 'text-delta', text } : { type: 'text-delta', delta: text };
                return events === 1 ? [{ type: 'stream-start', id: 'c1', model: 'm', created: 0 }, delta] : [delta];
              },
              end: () => [],
            } as never;
          },
        },
      }),
    });
    gateway = await createGateway(
      {
        providers: { careless: {} },
        models: {
          'first-bad': { deployments: [{ target: 'careless/first-bad' }], retries: { attempts: 0 } },
          'third-bad': { deployments: [{ target: 'careless/third-bad' }], retries: { attempts: 0 } },
          fine: { deployments: [{ target: 'careless/fine' }], retries: { attempts: 0 } },
        },
        chain: ['route', 'adapter'],
        log: { level: 'silent' },
      },
      { plugins: [...builtInPlugins, careless], logger: createLogger({ level: 'silent' }) },
    );
    gateway.runtime.onRequestFinished((record) => waiters.shift()?.(record));
    app = express();
    app.use(gateway.router);
  });
  afterAll(async () => {
    await gateway?.close();
    upstream?.close();
  });

  let decoderModel = '';
  const ask = (model: string) => {
    decoderModel = model;
    return request(app).post('/v1/chat/completions').send({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  };
  const dataLines = (text: string) => text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));

  it('streams a well-formed decoder as it came', async () => {
    const response = await ask('fine');
    expect(response.status).toBe(200);
    const chunks = dataLines(response.text).filter((line) => line !== '[DONE]').map((line) => JSON.parse(line));
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content).filter(Boolean).join('')).toBe('onetwothree');
  });

  it('answers a malformed first part with 502 upstream_invalid_response, recorded as such', async () => {
    const record = nextRecord();
    const response = await ask('first-bad');
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_invalid_response');
    expect((await record).errorCode).toBe('upstream_invalid_response');
  });

  it('ends the stream with an error event at a malformed part after the first byte, every line JSON', async () => {
    const record = nextRecord();
    const response = await ask('third-bad');
    expect(response.status).toBe(200);
    const lines = dataLines(response.text).filter((line) => line !== '[DONE]');
    expect(response.text).not.toContain('undefined');
    const chunks = lines.map((line) => JSON.parse(line));
    expect(chunks.at(-1).error.code).toBe('upstream_invalid_response');
    expect((await record).errorCode).toBe('upstream_invalid_response');
  });
});
