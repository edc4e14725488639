import { definePlugin, type PluginFactory } from '@switchyard/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

let failing = false;

/** A third-party step whose scrape-time metrics fail when the thing they read is gone. */
const flakyMetrics = definePlugin<Record<string, never>>({
  name: 'flaky-metrics',
  optionsSchema: { type: 'object', additionalProperties: false },
  create(_options, runtime) {
    runtime.metrics.gauge({
      name: 'switchyard_flaky_queue_depth',
      help: 'Read from a queue that may be gone.',
      collect() {
        if (failing) throw new Error('queue client closed (token sk-live-abcdefghijklmnop0123)');
        this.set(7);
      },
    });
    runtime.metrics.counter({
      name: 'switchyard_flaky_async_total',
      help: 'Read asynchronously from a store that may be down.',
      async collect() {
        if (failing) throw new Error('store down');
        this.reset();
        this.inc(3);
      },
    });
    return (_req, _res, next) => next();
  },
});

describe('/metrics with a plugin metric whose collect fails', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ chain: ['auth', { 'flaky-metrics': {} }, 'route', 'adapter'] }, { plugins: [flakyMetrics as PluginFactory<unknown, unknown>] });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('still serves every other series; the failing ones keep their last values; logged without secrets', async () => {
    const healthy = await (await fetch(`${gateway.origin}/metrics`)).text();
    expect(healthy).toMatch(/^switchyard_flaky_queue_depth 7$/m);
    expect(healthy).toMatch(/^switchyard_flaky_async_total 3$/m);

    failing = true;
    const scrape = await fetch(`${gateway.origin}/metrics`);
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toMatch(/^switchyard_requests_in_flight 0$/m);
    expect(text).toMatch(/^switchyard_flaky_queue_depth 7$/m);
    expect(text).toMatch(/^switchyard_flaky_async_total 3$/m);

    const lines = gateway.logLines.filter((line) => line.includes('metric collect failed'));
    expect(lines.some((line) => line.includes('switchyard_flaky_queue_depth'))).toBe(true);
    expect(lines.some((line) => line.includes('switchyard_flaky_async_total'))).toBe(true);
    expect(lines.join('\n')).not.toContain('sk-live-abcdefghijklmnop0123');
  });
});
