import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RequestRecord } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackUpstream, type LoopbackUpstream } from './support/loopback-upstream.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * docs/observability.md: the request span's gen_ai.usage.* are what the request is billed for.
 * An attempt whose 200 answer could not be read is billed its prompt (the upstream had it),
 * and the retry that answered is billed too; the ledger's record holds both, the request span
 * held the answer's alone, so a trace backend summing spans under-counted what was billed.
 */
describe('the request span after a billed failed attempt', () => {
  const exporter = new InMemorySpanExporter();
  const records: RequestRecord[] = [];
  let upstream: LoopbackUpstream;
  let gateway: TestGateway;
  let calls = 0;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    upstream = await startLoopbackUpstream((_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // The first answer is cut inside its JSON; the second is whole.
      if (calls++ === 0) return void res.end('{"id":"chatcmpl-1","object":"chat.comp');
      res.end(JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } }));
    });
    gateway = await startTestGateway({
      providers: { openai: { api_key: 'sk-test-billed-0123456789', base_url: `${upstream.origin}/v1` } },
      models: { smart: { deployments: [{ target: 'openai/gpt-4o-mini' }], retries: { attempts: 1, backoff_ms: 0 } } },
    });
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  });

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it("says the record's tokens: the answer's and the failed attempt's billed prompt", async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'tell me about lighthouses and the ships they keep off the rocks' }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await expect.poll(() => exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER).length, { timeout: 5000 }).toBe(1);
    await expect.poll(() => records.length).toBe(1);
    const record = records[0]!;
    expect(record.attempts.map((attempt) => attempt.billedUsage !== undefined)).toEqual([true, false]);
    expect(record.usage!.inputTokens).toBeGreaterThan(10);
    const server = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER)!;
    // Before: 10 input tokens (the answer's alone) where the record says 10 plus the first attempt's prompt.
    expect([server.attributes['gen_ai.usage.input_tokens'], server.attributes['gen_ai.usage.output_tokens']]).toEqual([record.usage!.inputTokens, record.usage!.outputTokens]);
  });
});
