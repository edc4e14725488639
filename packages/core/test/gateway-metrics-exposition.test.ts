import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { GatewayConfig, RequestRecord } from '../src/index.js';
import { DeploymentLabels } from '../src/metrics/deployment-labels.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';

// The /metrics text of a fixed mix of requests, compared byte for byte with the text the
// gateway wrote for the same records when its request metrics were prom-client's own
// Counters and Histograms (fixtures/request-metrics-exposition.txt): how request metrics
// are stored may change, what a scrape reads may not.

const config = { models: { pair: { deployments: [{ target: 'east/gpt-4o-mini' }, { target: 'west/gpt-4o-mini' }], fallbacks: ['west/gpt-4o'] } }, chain: [] } as unknown as GatewayConfig;
const labels = () => new DeploymentLabels(config, (id) => id === 'east' || id === 'west', (name) => name === 'west/text-embedding-3-small');
const at = (provider: string, model: string, errorCode?: string) => ({ deployment: { provider, model }, durationMs: 3, ...(errorCode && { errorCode }) });

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return {
    id: 'req_1',
    receivedAt: new Date(0),
    endpoint: 'chat',
    keyId: 'key_1',
    team: undefined,
    project: undefined,
    requestedModel: 'pair',
    provider: 'east',
    model: 'gpt-4o-mini',
    stream: false,
    status: 200,
    errorCode: undefined,
    usage: { inputTokens: 12, outputTokens: 7 },
    costUsd: 0.0000123,
    cacheHit: false,
    latencyMs: 23,
    firstByteMs: 21,
    attempts: [at('east', 'gpt-4o-mini')],
    ...overrides,
  };
}

/** Whole, streamed, cache hits, errors, two models, a retry, a fallback, an unknown model, embeddings, refusals. */
const traffic: RequestRecord[] = [
  record({}),
  record({ stream: true, latencyMs: 840, firstByteMs: 130, usage: { inputTokens: 30, outputTokens: 95, cachedInputTokens: 16, reasoningTokens: 40 }, costUsd: 0.000317 }),
  record({ cacheHit: true, costUsd: 0, latencyMs: 0.7, firstByteMs: 0.6, attempts: [] }),
  record({ provider: 'west', latencyMs: 51, firstByteMs: 50, costUsd: 0.0000411, attempts: [at('east', 'gpt-4o-mini', 'upstream_server_error'), at('west', 'gpt-4o-mini')] }),
  record({ latencyMs: 2600, firstByteMs: 2500, attempts: [at('east', 'gpt-4o-mini', 'rate_limit_exceeded'), at('east', 'gpt-4o-mini')] }),
  record({ provider: 'west', model: 'gpt-4o', latencyMs: 75, firstByteMs: 74, costUsd: 0.00021, attempts: [at('west', 'gpt-4o')] }),
  record({ status: 502, errorCode: 'upstream_server_error', usage: undefined, costUsd: 0, latencyMs: 31, firstByteMs: undefined }),
  record({ status: 429, errorCode: 'insufficient_quota', provider: 'west', usage: undefined, costUsd: 0, latencyMs: 2, firstByteMs: undefined, attempts: [] }),
  record({ status: 429, errorCode: 'rate_limit_exceeded', provider: undefined, model: undefined, usage: undefined, costUsd: 0, latencyMs: 0.4, firstByteMs: undefined, attempts: [] }),
  record({ status: 401, errorCode: 'invalid_api_key', keyId: undefined, provider: undefined, model: undefined, usage: undefined, costUsd: 0, latencyMs: 0.3, firstByteMs: undefined, attempts: [] }),
  record({ model: 'made-up-by-a-client', costUsd: 0, latencyMs: 400, firstByteMs: 399 }),
  record({ endpoint: 'embeddings', provider: 'west', model: 'text-embedding-3-small', usage: { inputTokens: 8, outputTokens: 0 }, costUsd: 0.00000016, latencyMs: 9, firstByteMs: 9, attempts: [at('west', 'text-embedding-3-small')] }),
  record({ latencyMs: 400_000, firstByteMs: 12, status: 200, costUsd: 0.1 + 0.2 }),
  record({ endpoint: 'messages', status: 599, errorCode: 'not_in_the_catalogue', latencyMs: 5, firstByteMs: 5 }),
  record({}),
  record({ stream: true, latencyMs: 840, firstByteMs: 130, costUsd: 0.000317 }),
];

async function exposition(): Promise<string> {
  const metrics = new GatewayMetrics(labels());
  for (const request of traffic) {
    metrics.observe(request);
    metrics.countCacheLookup(request.cacheHit ? 'hit' : 'miss');
  }
  metrics.countRateLimitRefusal('key', 'requests');
  metrics.observeLedgerAppend(4, true);
  return metrics.registry.metrics();
}

describe('the /metrics text of the request metrics', () => {
  it('is byte for byte what it was for the same traffic', async () => {
    const expected = await readFile(new URL('fixtures/request-metrics-exposition.txt', import.meta.url), 'utf8');
    expect(await exposition()).toBe(expected);
  });
});

describe('the request metrics after registry.resetMetrics()', () => {
  it('show only what was counted since, as a fresh gateway would', async () => {
    const reset = new GatewayMetrics(labels());
    for (const request of traffic) reset.observe(request);
    reset.registry.resetMetrics();
    const fresh = new GatewayMetrics(labels());
    for (const metrics of [reset, fresh]) for (const request of traffic.slice(3, 8)) metrics.observe(request);
    expect(await reset.registry.metrics()).toBe(await fresh.registry.metrics());
  });
});
