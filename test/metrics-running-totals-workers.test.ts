import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aggregateMetricsText, growingSeries, metricsSnapshot } from '@switchyard/core';
import { startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

// `start --workers N`: the primary keeps an exited worker's growing series (growingSeries) in
// every later sum, so a replaced worker does not make a `_total` series go back, which
// Prometheus reads as a counter reset. The running totals the gateway reads at scrape time
// (unattributed requests, ledger writes, unpriced calls) are such series too.
describe('running totals kept after a worker exits', () => {
  let upstream: MockOpenAI;
  let gateway: TestGateway;
  let dataDir: string;

  beforeAll(async () => {
    upstream = await startMockOpenAI();
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-running-totals-'));
    gateway = await startTestGateway({
      server: { data_dir: dataDir },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
      providers: { east: { use: 'openai', api_key: 'sk-east-test-abcdefgh', base_url: upstream.url } },
      chain: ['auth', 'route', 'adapter'],
    });
  });
  afterAll(async () => {
    await gateway.close();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps every _total series of a gone worker, with its value', async () => {
    // No key: an unattributed request, the running total read at scrape time.
    const refused = await fetch(`${gateway.origin}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);

    const snapshot = await metricsSnapshot(gateway.gateway.runtime.metrics, false);
    const totals = snapshot.map((metric) => (metric as { name: string }).name).filter((name) => name.endsWith('_total'));
    expect(totals).toContain('switchyard_unattributed_requests_total');
    expect(totals).toContain('switchyard_usage_written_records_total');

    const kept = growingSeries(snapshot).map((metric) => (metric as { name: string }).name);
    expect(totals.filter((name) => !kept.includes(name))).toEqual([]);

    const { text } = await aggregateMetricsText([growingSeries(snapshot)]);
    expect(text).toMatch(/^switchyard_unattributed_requests_total 1$/m);
    expect(text).toMatch(/^# TYPE switchyard_unattributed_requests_total counter$/m);
  });
});
