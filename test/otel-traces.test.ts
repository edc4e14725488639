import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { builtInPlugins } from '@switchyard/cli';
import { createSteps } from '@switchyard/core';
import { hashApiKey } from '@switchyard/policy-keys';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import express from 'express';
import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const providerKey = 'sk-test-traces-0123456789';
const prompt = 'tell me a secret about lighthouses';
const clientTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const clientSpanId = '00f067aa0ba902b7';

/** Resolves waiters when a span matching their predicate ends: the request span ends after the response closes. */
class EndedSpans implements SpanProcessor {
  private waiters: Array<{ match: (span: ReadableSpan) => boolean; resolve: (span: ReadableSpan) => void }> = [];
  readonly ended: ReadableSpan[] = [];

  next(match: (span: ReadableSpan) => boolean): Promise<ReadableSpan> {
    const found = this.ended.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    this.ended.push(span);
    for (const waiter of this.waiters.filter((candidate) => candidate.match(span))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(span);
    }
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const isServer = (span: ReadableSpan) => span.kind === SpanKind.SERVER;

function gatewayConfig(upstream: MockOpenAI) {
  return {
    providers: { openai: { api_key: providerKey, base_url: upstream.url } },
    models: { smart: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 1, backoff_ms: 0 } } },
  };
}

function chat(gateway: TestGateway, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: prompt }], ...body }),
  });
}

/** The usage chunk of an OpenAI event stream, as the client saw it. */
function usageOf(events: string): { prompt_tokens: number; completion_tokens: number } {
  const chunks = events
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)) as { usage?: { prompt_tokens: number; completion_tokens: number } });
  return chunks.find((chunk) => chunk.usage)!.usage!;
}

describe('tracing without a registered SDK', () => {
  it('records nothing and sends no traceparent upstream, even when the client sent one', async () => {
    // A provider made but never registered: the gateway must not find it on its own.
    const exporter = new InMemorySpanExporter();
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const upstream = await startMockOpenAI();
    const gateway = await startTestGateway(gatewayConfig(upstream));
    try {
      const response = await chat(gateway, {}, { traceparent: `00-${clientTraceId}-${clientSpanId}-01` });
      expect(response.status).toBe(200);
      await response.text();
      expect(upstream.requests).toHaveLength(1);
      expect(upstream.requests[0]!.headers['traceparent']).toBeUndefined();
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      await gateway.close();
      await upstream.close();
    }
  });
});

describe('tracing with an in-memory exporter', () => {
  const exporter = new InMemorySpanExporter();
  let ended: EndedSpans;
  let upstream: MockOpenAI;
  let gateway: TestGateway;

  beforeAll(() => {
    ended = new EndedSpans();
    // Registered after @switchyard/core was imported: its tracer must follow the provider registered later.
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), ended] }));
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // NodeSDK's default: trace context and baggage.
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  });

  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  beforeEach(async () => {
    exporter.reset();
    ended.ended.length = 0;
    upstream = await startMockOpenAI();
    gateway = await startTestGateway(gatewayConfig(upstream));
  });

  afterEach(async () => {
    await gateway.close();
    await upstream.close();
  });

  it('traces a streamed call with one retry: a server span, two client attempts, GenAI attributes', async () => {
    upstream.enqueue({ error: 'rate_limit', headers: { 'retry-after': '0' } }, { reply: { content: 'Lighthouses keep ships off rocks.' } });
    const response = await chat(gateway, { stream: true, stream_options: { include_usage: true }, max_tokens: 64 });
    expect(response.status).toBe(200);
    const usage = usageOf(await response.text());

    const server = await ended.next(isServer);
    const attempts = ended.ended.filter((span) => span.kind === SpanKind.CLIENT);
    expect(attempts).toHaveLength(2);
    const [first, second] = attempts.sort((a, b) => Number(a.attributes['switchyard.attempt.number']) - Number(b.attributes['switchyard.attempt.number']));

    // One trace; both attempts are children of the request's span.
    expect(server.parentSpanContext).toBeUndefined();
    for (const attempt of attempts) {
      expect(attempt.spanContext().traceId).toBe(server.spanContext().traceId);
      expect(attempt.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    }

    expect(server.name).toBe('chat smart');
    expect(server.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'smart',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.provider.name': 'openai',
      'gen_ai.system': 'openai',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': usage.prompt_tokens,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'switchyard.endpoint': 'chat',
      'switchyard.stream': true,
      'switchyard.served_by': 'openai/gpt-4o-mini',
      'switchyard.attempts': 2,
      'switchyard.fallbacks': 0,
      'switchyard.cache.hit': false,
      'switchyard.key.kind': 'master',
    });
    expect(server.attributes['switchyard.request.id']).toBe(response.headers.get('x-request-id'));
    expect(server.attributes['switchyard.time_to_first_token_ms']).toBeGreaterThan(0);
    expect(server.status.code).toBe(SpanStatusCode.UNSET);

    expect(first!.name).toBe('chat gpt-4o-mini');
    expect(first!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'switchyard.provider': 'openai',
      'switchyard.attempt.number': 1,
      'error.type': 'rate_limit_exceeded',
      'http.response.status_code': 429,
      'switchyard.retry_after_s': 0,
    });
    expect(first!.attributes['switchyard.attempt.retry_reason']).toBeUndefined();
    expect(first!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'rate_limit_exceeded' });

    expect(second!.attributes).toMatchObject({
      'switchyard.attempt.number': 2,
      'switchyard.attempt.retry_reason': 'rate_limit_exceeded',
      'switchyard.attempt.fallback': false,
      'gen_ai.response.model': 'gpt-4o-mini',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': usage.prompt_tokens,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
    });
    expect(second!.attributes['error.type']).toBeUndefined();
    expect(second!.status.code).toBe(SpanStatusCode.UNSET);
    expect(second!.events.map((event) => event.name)).toEqual(['gen_ai.first_token']);
    expect(second!.attributes['switchyard.time_to_first_token_ms']).toBeGreaterThan(0);

    // The retry happened after the first attempt ended, and the stream's span lasted until the stream ended.
    // Across spans only to the SDK's resolution: each span's start is its own Date.now() (whole ms), its
    // end that plus a performance.now() duration, so two spans' clocks differ by up to 1 ms.
    expect(hrMs(second!.startTime)).toBeGreaterThanOrEqual(hrMs(first!.endTime) - spanClockResolutionMs);
    expect(hrMs(server.endTime)).toBeGreaterThanOrEqual(hrMs(second!.endTime) - spanClockResolutionMs);

    // Each upstream request carried its own attempt's span as traceparent.
    expect(upstream.requests.map((request) => request.headers['traceparent'])).toEqual(
      [first!, second!].map((span) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`),
    );

    const everything = JSON.stringify(ended.ended.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events })));
    for (const secret of [prompt, 'Lighthouses keep ships', providerKey, masterKey]) expect(everything).not.toContain(secret);
  });

  it('blanks a key a client pasted into the model in span names and attributes, server and client spans alike', async () => {
    const pastedKey = 'sy-4kQ9xV2mLp7RtY8wQeZ3nB6cD1fG5hJ0kL9mN2pQ4r';
    const response = await chat(gateway, { model: `openai/${pastedKey}` });
    expect(response.status).toBe(200);
    await response.text();
    const server = await ended.next(isServer);
    expect(server.attributes['gen_ai.request.model']).toBe('openai/[REDACTED]');
    const attempt = await ended.next((span) => span.kind === SpanKind.CLIENT);
    for (const span of [server, attempt]) {
      expect(span.name).not.toContain(pastedKey.slice(-20));
      expect(JSON.stringify(span.attributes)).not.toContain(pastedKey.slice(-20));
    }
  });

  it("continues the client's traceparent and sends the same trace upstream", async () => {
    const response = await chat(gateway, {}, { traceparent: `00-${clientTraceId}-${clientSpanId}-01`, tracestate: 'vendor=abc' });
    expect(response.status).toBe(200);
    await response.text();
    const server = await ended.next(isServer);
    const [attempt] = ended.ended.filter((span) => span.kind === SpanKind.CLIENT);
    expect(server.spanContext().traceId).toBe(clientTraceId);
    expect(server.parentSpanContext).toMatchObject({ traceId: clientTraceId, spanId: clientSpanId, isRemote: true });
    expect(attempt!.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    const sent = upstream.requests[0]!.headers;
    expect(sent['traceparent']).toBe(`00-${clientTraceId}-${attempt!.spanContext().spanId}-01`);
    expect(sent['tracestate']).toBe('vendor=abc');
  });

  it("never sends the client's baggage upstream; its trace context still goes", async () => {
    const response = await chat(gateway, {}, { traceparent: `00-${clientTraceId}-${clientSpanId}-01`, baggage: 'secret=1,tenant=acme' });
    expect(response.status).toBe(200);
    await response.text();
    await ended.next(isServer);
    const sent = upstream.requests[0]!.headers;
    expect(sent['baggage']).toBeUndefined();
    expect(JSON.stringify(sent)).not.toContain('secret=1');
    expect(sent['traceparent']).toMatch(new RegExp(`^00-${clientTraceId}-[0-9a-f]{16}-01$`));
  });

  it('starts a new trace when the client sends a malformed traceparent', async () => {
    const response = await chat(gateway, {}, { traceparent: `00-${'z'.repeat(32)}-${clientSpanId}-01${'0'.repeat(4000)}` });
    expect(response.status).toBe(200);
    await response.text();
    const server = await ended.next(isServer);
    expect(server.parentSpanContext).toBeUndefined();
    expect(server.spanContext().traceId).not.toBe(clientTraceId);
    expect(upstream.requests[0]!.headers['traceparent']).toBe(
      `00-${server.spanContext().traceId}-${ended.ended.find((span) => span.kind === SpanKind.CLIENT)!.spanContext().spanId}-01`,
    );
  });

  it("ends a stream's attempt span when the client leaves mid-stream, with client_closed_request", async () => {
    upstream.enqueue({ reply: { content: 'one two three four' }, stream: { repeatEvent: 2, chunkDelayMs: 5 } });
    const response = await chat(gateway, { stream: true });
    const reader = response.body!.getReader();
    await reader.read();
    await reader.cancel();
    const server = await ended.next(isServer);
    const attempt = await ended.next((span) => span.kind === SpanKind.CLIENT);
    expect(attempt.attributes['error.type']).toBe('client_closed_request');
    expect(attempt.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.attributes['http.response.status_code']).toBe(499);
    expect(server.attributes['error.type']).toBe('client_closed_request');
  });

  it('marks a fallback: the second attempt names the first one\'s error and the request counts one fallback', async () => {
    await gateway.close();
    gateway = await startTestGateway({
      providers: { openai: { api_key: providerKey, base_url: upstream.url } },
      models: {
        smart: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 0 }, fallbacks: ['backup'] },
        backup: { deployments: [{ target: 'openai/gpt-4o' }], retries: { attempts: 0 } },
      },
    });
    upstream.enqueue({ error: 'server_error' });
    const response = await chat(gateway, {});
    expect(response.status).toBe(200);
    await response.text();
    const server = await ended.next(isServer);
    const [first, second] = ended.ended
      .filter((span) => span.kind === SpanKind.CLIENT)
      .sort((a, b) => Number(a.attributes['switchyard.attempt.number']) - Number(b.attributes['switchyard.attempt.number']));
    expect(first!.attributes).toMatchObject({ 'gen_ai.request.model': 'gpt-4o-mini', 'error.type': 'upstream_server_error' });
    expect(second!.attributes).toMatchObject({
      'gen_ai.request.model': 'gpt-4o',
      'switchyard.attempt.retry_reason': 'upstream_server_error',
      'switchyard.attempt.fallback': true,
    });
    expect(server.attributes).toMatchObject({ 'switchyard.attempts': 2, 'switchyard.fallbacks': 1, 'switchyard.served_by': 'openai/gpt-4o' });
  });

  it('marks a cache hit on the request span, with no attempt span', async () => {
    await gateway.close();
    gateway = await startTestGateway({ ...gatewayConfig(upstream), chain: ['auth', 'cache', 'route', 'adapter'] });
    for (const expectedHit of [false, true]) {
      ended.ended.length = 0;
      const response = await chat(gateway, { temperature: 0 });
      expect(response.status).toBe(200);
      await response.text();
      const server = await ended.next(isServer);
      expect(server.attributes['switchyard.cache.hit']).toBe(expectedHit);
      expect(ended.ended.filter((span) => span.kind === SpanKind.CLIENT)).toHaveLength(expectedHit ? 0 : 1);
    }
    expect(upstream.requests).toHaveLength(1);
  });

  it('does not pass an oversized tracestate upstream', async () => {
    const response = await chat(gateway, {}, { traceparent: `00-${clientTraceId}-${clientSpanId}-01`, tracestate: `vendor=${'a'.repeat(8000)}` });
    expect(response.status).toBe(200);
    await response.text();
    await ended.next(isServer);
    const sent = upstream.requests[0]!.headers;
    expect(sent['traceparent']).toMatch(new RegExp(`^00-${clientTraceId}-[0-9a-f]{16}-01$`));
    expect(sent['tracestate'] ?? '').not.toContain('aaaa');
  });

  it.each([
    ['oversized', `vendor=${'a'.repeat(8000)}`],
    ['no list member', 'not a list member'],
    ['only commas', ',,,'],
  ])('sends no empty tracestate upstream for a client tracestate it drops (%s)', async (_name, tracestate) => {
    const response = await chat(gateway, {}, { traceparent: `00-${clientTraceId}-${clientSpanId}-01`, tracestate });
    expect(response.status).toBe(200);
    await response.text();
    await ended.next(isServer);
    const sent = upstream.requests[0]!.headers;
    expect(sent['traceparent']).toMatch(new RegExp(`^00-${clientTraceId}-[0-9a-f]{16}-01$`));
    // An empty tracestate is no list: W3C Trace Context says to send none.
    expect(sent).not.toHaveProperty('tracestate');
  });

  it("traces an embedding app's own route: named after its pattern, with the virtual key's id and team", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-traces-'));
    const switchyard = await createSteps(
      {
        providers: { openai: { api_key: providerKey, base_url: upstream.url } },
        models: { summarizer: 'openai/gpt-4o-mini' },
        storage: { use: 'sqlite' },
        server: { data_dir: dataDir },
        chain: ['auth', 'key-scope', 'route'],
        log: { level: 'silent' },
      },
      { plugins: builtInPlugins },
    );
    try {
      const virtualKey = 'sy-traces-embedded-key-0123456789abcd';
      const created = await switchyard.runtime.storage!.keys.create(
        { name: 'summaries', team: 'docs' },
        { hash: hashApiKey(virtualKey), prefix: virtualKey.slice(0, 7) },
      );
      const app = express();
      app.post('/api/summaries/:id', express.json(), switchyard.step('auth'), switchyard.step('key-scope'), async (_req, res) => {
        const answer = await switchyard.call(res, { model: 'summarizer', messages: [{ role: 'user', content: prompt }] });
        res.json({ tokens: answer.usage.outputTokens });
      });
      app.use(switchyard.errorHandler());
      const response = await request(app).post('/api/summaries/client-chosen-id').set('authorization', `Bearer ${virtualKey}`).send({});
      expect(response.status).toBe(200);
      const server = await ended.next(isServer);
      expect(server.name).toBe('POST /api/summaries/:id');
      expect(server.attributes).toMatchObject({
        'http.route': '/api/summaries/:id',
        'switchyard.endpoint': 'custom',
        'switchyard.key.id': created.id,
        'switchyard.key.kind': 'virtual',
        'switchyard.team': 'docs',
        'switchyard.attempts': 1,
      });
      const [attempt] = ended.ended.filter((span) => span.kind === SpanKind.CLIENT);
      expect(attempt!.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      expect(JSON.stringify(server.attributes)).not.toContain('client-chosen-id');
    } finally {
      await switchyard.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('names the request span of /v1/messages and /v1/responses as a chat, like /v1/chat/completions', async () => {
    const calls = [
      { path: '/messages', route: '/v1/messages', body: { model: 'smart', max_tokens: 32, messages: [{ role: 'user', content: prompt }] } },
      { path: '/responses', route: '/v1/responses', body: { model: 'smart', input: prompt, store: false } },
    ];
    for (const call of calls) {
      ended.ended.length = 0;
      const response = await fetch(`${gateway.baseURL}${call.path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(call.body),
      });
      expect(response.status).toBe(200);
      await response.text();
      const server = await ended.next(isServer);
      expect(server.name).toBe('chat smart');
      expect(server.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'smart', 'switchyard.served_by': 'openai/gpt-4o-mini' });
    }
    // Counting tokens on the same endpoint calls no model: not a chat.
    ended.ended.length = 0;
    const counted = await fetch(`${gateway.baseURL}/messages/count_tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(calls[0]!.body),
    });
    expect(counted.status).toBe(200);
    await counted.text();
    expect((await ended.next(isServer)).attributes['gen_ai.operation.name']).toBeUndefined();
  });

  it('marks the request span ERROR when the upstream cuts a stream after its 200 went out', async () => {
    upstream.enqueue({ reply: { content: 'one two three four five six' }, stream: { cutAfterEvents: 2 } });
    const response = await chat(gateway, { stream: true });
    expect(response.status).toBe(200);
    await response.text();
    const server = await ended.next(isServer);
    const attempt = ended.ended.find((span) => span.kind === SpanKind.CLIENT)!;
    expect(attempt.status.code).toBe(SpanStatusCode.ERROR);
    const code = attempt.attributes['error.type'];
    expect(code).toMatch(/^upstream_/);
    expect(server.attributes['error.type']).toBe(code);
    expect(server.status).toEqual({ code: SpanStatusCode.ERROR, message: code });
  });

  it("ends a stream's attempt span with the request when nobody ever reads the stream", async () => {
    const switchyard = await createSteps(
      { providers: { openai: { api_key: providerKey, base_url: upstream.url } }, chain: ['route'], log: { level: 'silent' } },
      { plugins: builtInPlugins },
    );
    try {
      const app = express();
      app.post('/api/preview', express.json(), async (_req, res) => {
        // The app changes its mind once the stream is open: it answers without reading it.
        await switchyard.stream(res, { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
        res.json({ previewed: false });
      });
      app.use(switchyard.errorHandler());
      expect((await request(app).post('/api/preview').send({})).status).toBe(200);
      const server = await ended.next(isServer);
      const attempt = await Promise.race([
        ended.next((span) => span.kind === SpanKind.CLIENT),
        // The request span is over and its attempts ended with it, or never: no waiting for a timer.
        new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined))),
      ]);
      expect(attempt?.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    } finally {
      await switchyard.close();
    }
  });

  it('names a stored-response read after its route pattern, never the id the client sent', async () => {
    const response = await fetch(`${gateway.baseURL}/responses/resp_client0chosen0id`, { headers: { authorization: `Bearer ${masterKey}` } });
    expect(response.status).toBe(404);
    await response.text();
    const server = await ended.next(isServer);
    expect(server.name).toBe('GET /v1/responses/:id');
    expect(server.attributes['http.route']).toBe('/v1/responses/:id');
    expect(JSON.stringify({ name: server.name, attributes: server.attributes })).not.toContain('client0chosen');
  });

  it('records a failed request: the error code on both spans and an error status on the server span', async () => {
    upstream.enqueue({ error: 'server_error' }, { error: 'server_error' });
    const response = await chat(gateway, {});
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: { code: string } };
    const server = await ended.next(isServer);
    const attempts = ended.ended.filter((span) => span.kind === SpanKind.CLIENT);
    expect(attempts.map((span) => span.attributes['error.type'])).toEqual([body.error.code, body.error.code]);
    expect(server.attributes['error.type']).toBe(body.error.code);
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
  });
});

/** How far two spans' clocks may disagree (see the retry test). */
const spanClockResolutionMs = 1;

function hrMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}
