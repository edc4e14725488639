import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type Gateway, type RequestRecord } from '@switchyard/core';
import auth from '@switchyard/policy-keys';
import route from '@switchyard/policy-router';
import openai from '@switchyard/provider-openai';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import geminiIngress from '../src/index.js';

const masterKey = 'sy-master-ingress-gemini-test-0123456789';
const upstreamKey = 'sk-upstream-test-key-0123456789abcdef';
let upstream: MockOpenAI;
let gateway: Gateway;
let server: Server;
let origin: string;
const records: RequestRecord[] = [];

beforeAll(async () => {
  upstream = await startMockOpenAI();
  // The config as a YAML file says it; `plugins` hands the factories over instead of
  // importing packages by name (a real file names `use: '@acme/switchyard-ingress-gemini'`).
  const config = parse(`
master_key: ${masterKey}
log: { level: silent }
providers:
  openai:
    api_key: ${upstreamKey}
    base_url: ${upstream.url}
models:
  flash: openai/gpt-4o-mini
  flash-once:
    deployments: [{ target: openai/gpt-4o-mini }]
    retries: { attempts: 0 }
ingress:
  gemini:
    base_path: /v1beta
chain: [auth, route, adapter]
`) as Record<string, unknown>;
  gateway = await createGateway(config, { plugins: [geminiIngress, auth, route, openai] });
  gateway.runtime.onRequestFinished((record) => records.push(record));
  const app = express();
  app.use(gateway.router);
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await gateway?.close();
  server?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.reset();
  records.length = 0;
});

/** A call the way Google's SDKs make it: key in `x-goog-api-key`, model in the path. */
function call(model: string, method: 'generateContent' | 'streamGenerateContent', body: unknown, headers: Record<string, string> = { 'x-goog-api-key': masterKey }) {
  const query = method === 'streamGenerateContent' ? '?alt=sse' : '';
  return fetch(`${origin}/v1beta/models/${encodeURIComponent(model)}:${method}${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The `data:` payloads of an SSE body, split as the Gemini JS SDK does (blank-line separated). */
function dataEvents(text: string): Array<Record<string, any>> {
  return text
    .split(/\r\n\r\n|\n\n|\r\r/)
    .filter((block) => block.startsWith('data: '))
    .map((block) => JSON.parse(block.slice('data: '.length)) as Record<string, any>);
}

const question = { contents: [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }], generationConfig: { temperature: 0.2, maxOutputTokens: 64 } };

describe('a Gemini client through the gateway to an OpenAI upstream', () => {
  it('answers generateContent whole, in Gemini shape, with the usage the upstream metered', async () => {
    upstream.enqueue({ reply: { content: 'Sunny, 18°C.', usage: { prompt_tokens: 11, completion_tokens: 5 } } });
    const response = await call('flash', 'generateContent', question);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, any>;
    expect(body).toMatchObject({
      candidates: [{ content: { role: 'model', parts: [{ text: 'Sunny, 18°C.' }] }, finishReason: 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 11, candidatesTokenCount: 5, totalTokenCount: 16 },
    });
    expect(body['modelVersion']).toMatch(/^openai\//);
    // What reached the upstream is OpenAI's wire format, translated from Gemini's.
    expect(upstream.requests[0]!.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, messages: [{ role: 'user' }] });
    expect(records[0]).toMatchObject({ endpoint: 'chat', provider: 'openai', status: 200, stream: false });
  });

  it('streams streamGenerateContent as SSE data events, text as it comes and usage on the last chunk', async () => {
    upstream.enqueue({ reply: { content: 'one two three', usage: { prompt_tokens: 7, completion_tokens: 3 } } });
    const response = await call('flash', 'streamGenerateContent', question);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    expect(text).not.toContain('[DONE]');
    const events = dataEvents(text);
    expect(events.length).toBeGreaterThan(1);
    const said = events.flatMap((event) => event['candidates']?.[0]?.content.parts ?? []).map((part: { text?: string }) => part.text ?? '').join('');
    expect(said).toBe('one two three');
    const last = events.at(-1)!;
    expect(last['candidates'][0].finishReason).toBe('STOP');
    expect(last['usageMetadata']).toMatchObject({ promptTokenCount: 7, candidatesTokenCount: 3 });
    expect(upstream.requests[0]!.body).toMatchObject({ stream: true });
  });

  it('carries a function call out and its result back, matched by id', async () => {
    upstream.enqueue({ reply: { toolCalls: [{ id: 'call_abc', name: 'get_weather', arguments: { city: 'Paris' } }] } });
    const tools = [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] }];
    const first = (await (await call('flash', 'generateContent', { ...question, tools, toolConfig: { functionCallingConfig: { mode: 'ANY' } } })).json()) as Record<string, any>;
    expect(first['candidates'][0]).toMatchObject({ content: { parts: [{ functionCall: { id: 'call_abc', name: 'get_weather', args: { city: 'Paris' } } }] }, finishReason: 'STOP' });
    expect(upstream.requests[0]!.body).toMatchObject({ tool_choice: 'required', tools: [{ type: 'function', function: { name: 'get_weather' } }] });

    upstream.enqueue({ reply: { content: '18°C in Paris.' } });
    const second = await call('flash', 'generateContent', {
      contents: [...question.contents, first['candidates'][0].content, { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temperature: 18 } } }] }],
      tools,
    });
    expect(second.status).toBe(200);
    expect(upstream.requests[1]!.body).toMatchObject({
      messages: [{ role: 'user' }, { role: 'assistant', tool_calls: [{ id: 'call_abc' }] }, { role: 'tool', tool_call_id: 'call_abc', content: '{"temperature":18}' }],
    });
  });

  it("refuses a call without a key before reading its body, in Gemini's error envelope", async () => {
    const response = await call('flash', 'generateContent', question, {});
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED', details: [{ reason: 'missing_api_key', domain: 'switchyard' }] } });
    expect(upstream.requests).toHaveLength(0);
  });

  it("answers an upstream rate limit as RESOURCE_EXHAUSTED with a RetryInfo, and a bad body as INVALID_ARGUMENT naming the field", async () => {
    upstream.enqueue({ error: 'rate_limit', headers: { 'retry-after': '7' } });
    const limited = await call('flash-once', 'generateContent', question);
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as Record<string, any>;
    expect(body['error']).toMatchObject({ code: 429, status: 'RESOURCE_EXHAUSTED' });
    expect(body['error'].details).toContainEqual({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' });
    expect(JSON.stringify(body)).not.toContain(upstreamKey);

    const bad = await call('flash', 'generateContent', { contents: [{ role: 'user', parts: [{ text: 'x' }] }], generationConfig: { temperature: 1e308 } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('generationConfig.temperature') } });

    const noSse = await fetch(`${origin}/v1beta/models/flash:streamGenerateContent`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': masterKey }, body: JSON.stringify(question) });
    expect(noSse.status).toBe(400);
    expect(await noSse.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('alt=sse') } });
  });

  it('refuses candidateCount above 1, which would be paid for upstream and answered with one candidate', async () => {
    const several = await call('flash', 'generateContent', { ...question, generationConfig: { candidateCount: 3 } });
    expect(several.status).toBe(400);
    expect(await several.json()).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT', message: expect.stringContaining('generationConfig.candidateCount') } });
    expect(upstream.requests).toHaveLength(0);

    const one = await call('flash', 'generateContent', { ...question, generationConfig: { candidateCount: 1 } });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { candidates: unknown[] }).candidates).toHaveLength(1);
  });

  it('answers GET on a Gemini route with 405 in its envelope, and leaves the OpenAI routes as they were', async () => {
    const wrongMethod = await fetch(`${origin}/v1beta/models/flash:generateContent`, { headers: { 'x-goog-api-key': masterKey } });
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toMatchObject({ error: { code: 405, status: 'UNIMPLEMENTED' } });

    const openAI = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` },
      body: JSON.stringify({ model: 'flash', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(openAI.status).toBe(200);
    expect(await openAI.json()).toMatchObject({ object: 'chat.completion' });
  });

  it.each([
    ['POST', '/v1beta/models/flash:countTokens'],
    ['POST', '/v1beta/models/flash:embedContent'],
    ['POST', '/v1beta/models/flash'],
    ['GET', '/v1beta/models'],
    ['GET', '/v1beta/models/flash'],
    ['POST', '/v1beta/tunedModels/x:generateContent'],
    ['POST', `/v1beta/models/flash:${'x'.repeat(5000)}`],
    ['GET', '/v1beta/%'],
    ['POST', '/v1beta/models/%E0%A4%A'],
  ])("answers %s on an endpoint under /v1beta it does not serve (case %#) with 404 in Gemini's envelope", async (method, route) => {
    const response = await fetch(`${origin}${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': masterKey },
      ...(method === 'POST' && { body: JSON.stringify(question) }),
    });
    expect(response.status).toBe(404);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 404, status: 'NOT_FOUND', message: expect.stringMatching(/^Unknown endpoint /), details: [{ reason: 'not_found' }] } });
    expect(text.length).toBeLessThan(600);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ['GET', '/v1beta/models/flash:generateContent', 405],
    ['POST', '/v1beta/models/flash:countTokens', 404],
  ])('names the request id of %s %s (%i) in the body, as every other Gemini error does (ErrorInfo metadata), the one its header gives', async (method, route, status) => {
    const response = await fetch(`${origin}${route}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': masterKey },
      ...(method === 'POST' && { body: JSON.stringify(question) }),
    });
    expect(response.status).toBe(status);
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_/);
    expect(await response.json()).toMatchObject({ error: { code: status, details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', metadata: { request_id: requestId } }] } });
  });
});
