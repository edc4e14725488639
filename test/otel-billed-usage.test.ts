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
    upstream = await startLoopbackUpstream((_req, body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const hostile = body.toString().includes('hostile counts');
      // The first answer is cut inside its JSON; the second is whole.
      if (!hostile && calls++ === 0) return void res.end('{"id":"chatcmpl-1","object":"chat.comp');
      const usage = hostile
        ? { prompt_tokens: 100, completion_tokens: 2, total_tokens: 102, prompt_tokens_details: { cached_tokens: 5000 }, completion_tokens_details: { reasoning_tokens: 7000 } }
        : { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
      res.end(JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage }));
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
    exporter.reset();
    records.length = 0;
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

  it('says the cached part at most the prompt and the reasoning part at most the output, as billed; the attempt span what the provider said', async () => {
    exporter.reset();
    records.length = 0;
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smart', messages: [{ role: 'user', content: 'hostile counts' }] }),
    });
    expect(response.status).toBe(200);
    await response.text();
    await expect.poll(() => exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER).length, { timeout: 5000 }).toBe(1);
    const usageOf = (kind: SpanKind) => {
      const attributes = exporter.getFinishedSpans().find((span) => span.kind === kind)!.attributes;
      return [attributes['gen_ai.usage.cache_read.input_tokens'], attributes['gen_ai.usage.reasoning.output_tokens']];
    };
    // Before: 5,000 cached of 100 prompt tokens and 7,000 reasoning of 2 output tokens on the request span.
    expect(usageOf(SpanKind.SERVER)).toEqual([100, 2]);
    expect(usageOf(SpanKind.CLIENT)).toEqual([5000, 7000]);
  });
});
