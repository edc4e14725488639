import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins, createStandaloneApp } from '@switchyard/cli';
import { createGateway, createLogger, type Gateway, type RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import geminiIngress from '../examples/ingress-gemini/src/index.js';

// An ingress plugin's routes run through the whole default chain: keys, their scopes,
// rate limits, the cache and the ledger apply to a Gemini client as to an OpenAI one.

const masterKey = 'sy-master-gemini-policies-0123456789abcdef';
let gateway: Gateway;
let server: Server;
let origin: string;
const records: RequestRecord[] = [];

beforeAll(async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-gemini-ingress-'));
  gateway = await createGateway(
    {
      master_key: masterKey,
      server: { data_dir: dataDir, body_limit: '64kb' },
      storage: { use: 'sqlite' },
      providers: { mock: {} },
      ingress: { gemini: {} },
      chain: ['auth', 'key-scope', 'rate-limit', { cache: { ttl_seconds: 60 } }, 'route', 'adapter'],
    },
    { plugins: [...builtInPlugins, geminiIngress], logger: createLogger({ level: 'silent' }) },
  );
  gateway.runtime.onRequestFinished((record) => records.push(record));
  server = createStandaloneApp(gateway, masterKey, createLogger({ level: 'silent' })).listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await gateway?.close({ drainTimeoutMs: 1000 });
  server?.closeAllConnections();
  server?.close();
});

async function createKey(scope: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${origin}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `gemini-${Math.random().toString(36).slice(2, 10)}`, scope }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { secret: string }).secret;
}

async function generate(model: string, text: string, key: string, stream = false) {
  const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  const response = await fetch(`${origin}/v1beta/models/${encodeURIComponent(model)}:${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-goog-api-key': key },
    body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text }] }] }),
  });
  const body = await response.text();
  return { status: response.status, headers: response.headers, body, json: () => JSON.parse(body) as Record<string, any> };
}

describe('a Gemini ingress plugin under the default chain', () => {
  it("refuses a model outside the key's scope as PERMISSION_DENIED, and a key without the chat endpoint", async () => {
    const mockOnly = await createKey({ models: ['mock/*'] });
    const outside = await generate('openai/gpt-4o', 'hi', mockOnly);
    expect(outside.status).toBe(403);
    expect(outside.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED', details: [{ reason: 'model_not_allowed' }] } });
    expect((await generate('mock/echo', 'hi', mockOnly)).status).toBe(200);

    const messagesOnly = await createKey({ endpoints: ['messages'] });
    const refused = await generate('mock/echo', 'hi', messagesOnly);
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: { details: [{ reason: 'endpoint_not_allowed' }] } });
  });

  it('applies the rate limit: the second call in a minute is RESOURCE_EXHAUSTED with a RetryInfo', async () => {
    const oneAMinute = await createKey({ rpm: 1 });
    expect((await generate('mock/echo', 'first', oneAMinute)).status).toBe(200);
    const second = await generate('mock/echo', 'second', oneAMinute);
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.json()['error']).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(second.json()['error'].details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: expect.stringMatching(/^\d+s$/) });
  });

  it('replays a cached answer in Gemini shape, whole and streamed, and records every call in the ledger', async () => {
    const text = `cache me ${Date.now()}`;
    const before = records.length;
    const first = await generate('mock/echo', text, masterKey);
    expect(first.headers.get('x-switchyard-cache')).toBe('MISS');
    const again = await generate('mock/echo', text, masterKey);
    expect(again.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(again.json()['candidates'][0].content.parts.map((part: { text: string }) => part.text).join('')).toContain(text);
    const streamed = await generate('mock/echo', text, masterKey, true);
    expect(streamed.headers.get('x-switchyard-cache')).toBe('HIT');
    expect(streamed.body.startsWith('data: {')).toBe(true);
    await expect.poll(() => records.length - before).toBe(3);
    for (const record of records.slice(before)) expect(record).toMatchObject({ endpoint: 'chat', requestedModel: 'mock/echo', status: 200 });
  });

  it('refuses a body over server.body_limit with 413 in Gemini shape, and no key with 401', async () => {
    const big = await generate('mock/echo', 'x'.repeat(70_000), masterKey);
    expect(big.status).toBe(413);
    expect(big.json()).toMatchObject({ error: { code: 413, status: 'INVALID_ARGUMENT' } });
    const anonymous = await fetch(`${origin}/v1beta/models/mock%2Fecho:generateContent?key=${masterKey}`, { method: 'POST', body: '{}' });
    // A key in the query is not a key: it would end up in access logs.
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { status: 'UNAUTHENTICATED' } });
  });
});

describe('a Gemini ingress plugin refuses hostile input in Gemini shape', () => {
  async function post(body: unknown, model = 'mock%2Fecho') {
    const response = await fetch(`${origin}/v1beta/models/${model}:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': masterKey },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }
  const long = 'f'.repeat(30_000);
  const weather = { functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }] };
  const cases: Array<[string, unknown, string]> = [
    ['a 30,000-character functionResponse name answering no call', { contents: [{ role: 'user', parts: [{ functionResponse: { name: long, response: {} } }] }] }, 'contents[0].parts[0].functionResponse.name'],
    ['a 30,000-character functionCall name', { contents: [{ role: 'model', parts: [{ functionCall: { name: long, args: {} } }] }, { role: 'user', parts: [{ text: 'go on' }] }] }, 'contents[0].parts[0].functionCall.name'],
    ['a functionCall name of escape sequences', { contents: [{ role: 'model', parts: [{ functionCall: { name: '\u001b[2J', args: {} } }] }, { role: 'user', parts: [{ text: 'go on' }] }] }, 'contents[0].parts[0].functionCall.name'],
    ['an empty functionCall name', { contents: [{ role: 'model', parts: [{ functionCall: { name: '', args: {} } }] }, { role: 'user', parts: [{ text: 'go on' }] }] }, 'contents[0].parts[0].functionCall.name'],
    ['a 30,000-character allowed function name', { contents: [{ parts: [{ text: 'hi' }] }], tools: [weather], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [long] } } }, 'toolConfig.functionCallingConfig.allowedFunctionNames[0]'],
    ['an allowed function that is not declared', { contents: [{ parts: [{ text: 'hi' }] }], tools: [weather], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['launch'] } } }, 'toolConfig.functionCallingConfig.allowedFunctionNames[0]'],
    ['an allowed function and no tools at all', { contents: [{ parts: [{ text: 'hi' }] }], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } } }, 'toolConfig.functionCallingConfig.allowedFunctionNames[0]'],
  ];
  it.each(cases)('%s → 400 INVALID_ARGUMENT naming the field, the name not echoed', async (_name, body, field) => {
    const answer = await post(body);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining(`'${field}'`) } });
    expect(answer.text.length).toBeLessThan(1000);
  });

  it('still takes a call and its result named like a declared function', async () => {
    const answer = await post({
      contents: [
        { role: 'user', parts: [{ text: 'weather?' }] },
        { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: {} } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { sky: 'clear' } } }] },
      ],
      tools: [weather],
      toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
    });
    expect(answer.status).toBe(200);
  });
});
