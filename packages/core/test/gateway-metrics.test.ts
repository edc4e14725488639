import { describe, expect, it } from 'vitest';
import { createLogger, UsageRecorder, type GatewayConfig, type RequestRecord, type UsageLedger } from '../src/index.js';
import { DeploymentLabels } from '../src/metrics/deployment-labels.js';
import { GatewayMetrics } from '../src/metrics/gateway-metrics.js';

const config = {
  models: { smart: { deployments: [{ target: 'up/known' }], fallbacks: ['up/spare'] }, alias: 'up/aliased' },
  chain: ['auth', { route: { smart: { rules: [{ when: { has_tools: true }, use: 'up/tooled' }, { use: 'smart' }] } } }],
} as unknown as GatewayConfig;
const labels = () => new DeploymentLabels(config, (id) => id === 'up', (name) => name === 'up/listed');

function record(overrides: Partial<RequestRecord>): RequestRecord {
  return {
    id: 'req_1',
    receivedAt: new Date(),
    endpoint: 'chat',
    keyId: 'key_secretish',
    team: 'research',
    project: undefined,
    requestedModel: 'smart',
    provider: 'up',
    model: 'known',
    stream: false,
    status: 200,
    errorCode: undefined,
    usage: { inputTokens: 10, outputTokens: 5 },
    costUsd: 0.001,
    cacheHit: false,
    latencyMs: 12,
    firstByteMs: 10,
    attempts: [],
    ...overrides,
  };
}

async function samples(metrics: GatewayMetrics): Promise<string[]> {
  return (await metrics.registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('DeploymentLabels', () => {
  it('names configured targets, fallbacks, aliases, smart-route targets and listed models; everything else is (other) or (none)', () => {
    const bounded = labels();
    expect(bounded.model('up', 'known')).toBe('up/known');
    expect(bounded.model('up', 'tooled')).toBe('up/tooled');
    expect(bounded.model('up', 'spare')).toBe('up/spare');
    expect(bounded.model('up', 'aliased')).toBe('up/aliased');
    expect(bounded.model('up', 'listed')).toBe('up/listed');
    expect(bounded.model('up', 'made-up')).toBe('(other)');
    expect(bounded.model('elsewhere', 'known')).toBe('(other)');
    expect(bounded.model(undefined, undefined)).toBe('(none)');
    expect(bounded.provider('up')).toBe('up');
    expect(bounded.provider('x"\n}')).toBe('(other)');
    expect(bounded.provider(undefined)).toBe('(none)');
  });

  it('keeps at most 1000 model values even when the provider lists more', () => {
    const everythingListed = new DeploymentLabels(config, () => true, () => true);
    const values = new Set(Array.from({ length: 1500 }, (_, index) => everythingListed.model('up', `m-${index}`)));
    expect(values.size).toBe(1001); // 1000 names and (other)
    expect(everythingListed.model('up', 'm-1')).toBe('up/m-1'); // one already named keeps its name
  });
});

describe('GatewayMetrics.observe with hostile records', () => {
  it('ignores non-finite and negative amounts and maps unknown codes and statuses to other, without throwing', async () => {
    const metrics = new GatewayMetrics(labels());
    metrics.observe(
      record({
        status: 0,
        errorCode: 'not_a_catalogue_code',
        // Reasoning is counted at most the output, so the negative count is the reasoning one, beside a valid output.
        usage: { inputTokens: Number.POSITIVE_INFINITY, outputTokens: 3, cachedInputTokens: Number.NaN, reasoningTokens: -5 },
        costUsd: Number.POSITIVE_INFINITY,
      }),
    );
    const lines = await samples(metrics);
    expect(lines).toContain('switchyard_requests_total{endpoint="chat",provider="up",model="up/known",status_class="other",error_code="other"} 1');
    expect(lines.filter((line) => line.startsWith('switchyard_tokens_total'))).toEqual(['switchyard_tokens_total{provider="up",model="up/known",kind="output"} 3']);
    expect(lines.some((line) => line.startsWith('switchyard_cost_usd_total{'))).toBe(false);
    expect(lines.join('\n')).not.toMatch(/key_secretish|research/);
  });

  it('tells retries from fallbacks and names the error that caused each', async () => {
    const metrics = new GatewayMetrics(labels());
    const at = (model: string, errorCode?: string) => ({ deployment: { provider: 'up', model }, durationMs: 1, ...(errorCode && { errorCode }) });
    metrics.observe(record({ attempts: [at('known', 'rate_limit_exceeded'), at('known', 'upstream_timeout'), at('spare')] }));
    const lines = await samples(metrics);
    expect(lines).toContain('switchyard_retries_total{provider="up",model="up/known",reason="rate_limit_exceeded"} 1');
    expect(lines).toContain('switchyard_fallbacks_total{provider="up",model="up/known",reason="upstream_timeout"} 1');
  });
});

describe('ledger append metrics', () => {
  it('time every append and count the failed ones', async () => {
    let calls = 0;
    const ledger: UsageLedger = {
      migrate: async () => {},
      append: async () => {
        if (++calls <= 2) throw new Error('database is locked');
      },
      query: async () => [],
      listRecords: async () => ({ records: [] }),
      count: async () => 0,
      close: async () => {},
    };
    const metrics = new GatewayMetrics(labels());
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 10, maxBatch: 10, logger: createLogger({ level: 'silent' }), onAppend: metrics.observeLedgerAppend });
    recorder.record(record({}));
    await expect.poll(() => recorder.stats().written).toBe(1);
    const lines = await samples(metrics);
    expect(lines).toContain('switchyard_usage_flush_duration_seconds_count{outcome="failed"} 2');
    expect(lines).toContain('switchyard_usage_flush_duration_seconds_count{outcome="ok"} 1');
    await recorder.close();
  });
});
