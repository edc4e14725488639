import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * An upstream that repeats `finish_reason` on every chunk of a one-choice stream (a proxy
 * or a self-hosted server that does): the span's `gen_ai.response.finish_reasons` is one
 * reason per choice, so it stays one entry, not one per chunk exported with every span.
 */
const chunks = 5000;

describe('finish reasons of a stream that repeats them', () => {
  const exporter = new InMemorySpanExporter();
  let upstream: LoopbackUpstream;
  let gateways: Record<'fast path' | 'translated', TestGateway>;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    upstream = await startLoopbackUpstream((req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let index = 0; index < chunks; index++) {
        const reason = index === chunks - 1 ? 'length' : 'stop';
        res.write(`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":"${reason}"}]}\n\n`);
      }
      res.end('data: [DONE]\n\n');
    });
    const providers = { openai: { api_key: 'sk-test-finish-0123456789', base_url: `${upstream.origin}/v1` } };
    gateways = {
      'fast path': await startTestGateway({ providers }),
      translated: await startTestGateway({ providers, server: { fast_path: false } }),
    };
  });

  afterAll(async () => {
    for (const gateway of Object.values(gateways ?? {})) await gateway.close();
    await upstream?.close();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  for (const path of ['fast path', 'translated'] as const) {
    it(`puts the last finish reason of the one choice on the spans, once (${path})`, async () => {
      exporter.reset();
      const response = await fetch(`${gateways[path].baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(response.status).toBe(200);
      await response.text();
      await expect.poll(() => exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER).length, { timeout: 5000 }).toBe(1);
      const spans = exporter.getFinishedSpans();
      for (const kind of [SpanKind.SERVER, SpanKind.CLIENT]) {
        // Before: a list of 5,000 ('stop' × 4,999, then 'length') on each span.
        expect(spans.find((span) => span.kind === kind)!.attributes['gen_ai.response.finish_reasons']).toEqual(['length']);
      }
    });
  }
});
