import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type Gateway } from '@switchyard/core';
import auth from '@switchyard/policy-keys';
import route from '@switchyard/policy-router';
import type { MockUpstream } from '@switchyard/testing';
import express from 'express';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import acme from '../src/index.js';
import { startMockAcme } from './mock-acme/start-mock-acme.js';

const apiKey = 'acme-gateway-test-key-0123456789';
const masterKey = 'sy-master-custom-provider-test-0123456789';
let upstream: MockUpstream<string>;
let gateway: Gateway;
let server: Server;
let client: OpenAI;

beforeAll(async () => {
  upstream = await startMockAcme({ apiKey });
  // The same config a YAML file would give; `plugins` hands the factory over directly
  // instead of importing the package by name (see the README for the YAML form).
  gateway = await createGateway(
    {
      master_key: masterKey,
      providers: { acme: { api_key: apiKey, base_url: upstream.url } },
      models: { house: 'acme/acme-large' },
      chain: ['auth', 'route', 'adapter'],
      log: { level: 'silent' },
    },
    { plugins: [acme, auth, route] },
  );
  const app = express();
  app.use(gateway.router);
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  client = new OpenAI({ apiKey: masterKey, baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway?.close();
  server?.close();
  await upstream?.close();
});
beforeEach(() => upstream.reset());

describe('the Acme provider behind a gateway, driven by the official openai client', () => {
  it('answers through an alias, in OpenAI shape, with the usage Acme metered', async () => {
    upstream.enqueue({ reply: { content: 'Hello from Acme.', usage: { prompt_tokens: 9, completion_tokens: 4 } } });
    const completion = await client.chat.completions.create({ model: 'house', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]!.message.content).toBe('Hello from Acme.');
    expect(completion.usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4 });
    expect(upstream.requests[0]!.body).toMatchObject({ engine: 'acme-large', dialogue: [{ speaker: 'human', text: 'Hi' }], stream: false });
  });

  it.each([
    ['no meter', undefined],
    ['a meter of 1e999 and -3', { read: 1e999, written: -3 }],
    ['a meter of 2.5 tokens', { read: 2.5, written: 2.5 }],
  ])('bills an answer with %s by the gateway estimate, never 0 or a fraction', async (_name, meter) => {
    const output = 'Sixteen chars ok';
    upstream.enqueue({ status: 200, body: { ticket: 't-1', engine: 'acme-large', output, ended_because: 'done', ...(meter && { meter }) } });
    const completion = await client.chat.completions.create({ model: 'house', messages: [{ role: 'user', content: 'Hi' }] });
    expect(completion.choices[0]!.message.content).toBe(output);
    expect(completion.usage!.completion_tokens).toBe(4); // 16 letters and spaces, four a token
    expect(Number.isSafeInteger(completion.usage!.prompt_tokens) && completion.usage!.prompt_tokens > 0).toBe(true);
  });

  it('streams an NDJSON answer as OpenAI chunks', async () => {
    upstream.enqueue({ reply: { content: 'one two three' } });
    const stream = await client.chat.completions.create({ model: 'acme/acme-large', stream: true, messages: [{ role: 'user', content: 'Count' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('one two three');
  });

  it('refuses tools, which Acme lacks, with an OpenAI-shaped 400 and no upstream call', async () => {
    const refused = await client.chat.completions
      .create({
        model: 'acme/acme-large',
        messages: [{ role: 'user', content: 'Weather?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } }],
      })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('unsupported_operation');
    expect(upstream.requests).toHaveLength(0);
  });

  it("lists Acme's engines live on /v1/models", async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(['acme/acme-large', 'acme/acme-small', 'house']));
  });
});
