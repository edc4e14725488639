import { Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';
import { errorCatalogue } from '../errors/error-catalogue.js';
import type { RequestRecord } from '../gateway/request-record.js';
import type { DeploymentLabels } from './deployment-labels.js';

/** Seconds, from sub-millisecond cache hits to long streams. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Where a request was refused by a rate limit: whose limit, and on what. */
export type RateLimitSource = 'key' | 'team' | 'model' | 'global' | 'store';

/** What the cache step decided for one request. */
export type CacheLookup = 'hit' | 'miss' | 'bypass';

/**
 * The Prometheus metrics of one gateway, on a registry of its own (never prom-client's
 * global one, so two gateways in one process do not collide). Request metrics are
 * recorded once per request from its RequestRecord; steps count what only they know
 * (rate-limit refusals, cache lookups) through the small methods below. Plugins add
 * their own with `counter`, `gauge` and `histogram`.
 *
 * Every label value is bounded: deployments outside the config and the providers'
 * model lists are counted as `(other)`, error codes outside the catalogue as `other`.
 */
export class GatewayMetrics {
  /** The gateway's registry; `/metrics` serves it. */
  readonly registry = new Registry();
  private readonly requests: Counter<'endpoint' | 'provider' | 'model' | 'status_class' | 'error_code'>;
  private readonly duration: Histogram<'endpoint' | 'provider' | 'model'>;
  private readonly firstByte: Histogram<'endpoint' | 'provider' | 'model'>;
  private readonly tokens: Counter<'provider' | 'model' | 'kind'>;
  private readonly cost: Counter<'provider' | 'model'>;
  private readonly retries: Counter<'provider' | 'model' | 'reason'>;
  private readonly fallbacks: Counter<'provider' | 'model' | 'reason'>;
  private readonly budgetRefusals: Counter;
  private readonly rateLimitRefusals: Counter<'source' | 'dimension'>;
  private readonly cacheLookups: Counter<'result'>;
  private readonly ledgerAppends: Histogram<'outcome'>;

  constructor(private readonly labels: DeploymentLabels) {
    const deployment = ['provider', 'model'] as const;
    this.requests = this.counter({
      name: 'switchyard_requests_total',
      help: 'Finished requests by endpoint, serving deployment, status class and error code.',
      labelNames: ['endpoint', ...deployment, 'status_class', 'error_code'],
    });
    this.duration = this.histogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from arrival until the request was over (a stream: its last byte).',
      labelNames: ['endpoint', ...deployment],
      buckets: latencyBuckets,
    });
    this.firstByte = this.histogram({
      name: 'switchyard_time_to_first_byte_seconds',
      help: 'Time from arrival to the first byte of the answer (a stream: its first event, after the upstream answered).',
      labelNames: ['endpoint', ...deployment],
      buckets: latencyBuckets,
    });
    this.tokens = this.counter({
      name: 'switchyard_tokens_total',
      help: 'Tokens by kind (input, output, cached, reasoning); cached and reasoning are parts of input and output.',
      labelNames: [...deployment, 'kind'],
    });
    this.cost = this.counter({ name: 'switchyard_cost_usd_total', help: 'What requests cost in USD at the catalog prices.', labelNames: [...deployment] });
    this.retries = this.counter({
      name: 'switchyard_retries_total',
      help: 'Attempts that tried the same deployment again, by the error of the attempt before.',
      labelNames: [...deployment, 'reason'],
    });
    this.fallbacks = this.counter({
      name: 'switchyard_fallbacks_total',
      help: 'Attempts that moved on to another deployment, by the deployment left and its error.',
      labelNames: [...deployment, 'reason'],
    });
    this.budgetRefusals = this.counter({ name: 'switchyard_budget_refusals_total', help: 'Requests refused because a key, team or project budget is spent.' });
    this.rateLimitRefusals = this.counter({
      name: 'switchyard_rate_limit_refusals_total',
      help: 'Requests refused by the rate-limit step, by whose limit (key, team, model, global; store when it is unreachable) and dimension.',
      labelNames: ['source', 'dimension'],
    });
    this.cacheLookups = this.counter({ name: 'switchyard_cache_lookups_total', help: 'Response cache decisions: hit, miss, bypass.', labelNames: ['result'] });
    this.ledgerAppends = this.histogram({
      name: 'switchyard_usage_flush_duration_seconds',
      help: 'How long each batch append to the usage ledger took, by outcome (ok, failed).',
      labelNames: ['outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    });
  }

  /** Records one ledger append (the usage recorder calls it). */
  readonly observeLedgerAppend = (durationMs: number, ok: boolean): void => {
    this.ledgerAppends.observe({ outcome: ok ? 'ok' : 'failed' }, durationMs / 1000);
  };

  /** A counter on the gateway's registry (for plugins); names should start with `switchyard_`. */
  counter<Label extends string = string>(config: CounterConfiguration<Label>): Counter<Label> {
    return new Counter({ ...config, registers: [this.registry] });
  }

  /** A gauge on the gateway's registry; `collect` may set its value at scrape time. */
  gauge<Label extends string = string>(config: GaugeConfiguration<Label>): Gauge<Label> {
    return new Gauge({ ...config, registers: [this.registry] });
  }

  /** A histogram on the gateway's registry. */
  histogram<Label extends string = string>(config: HistogramConfiguration<Label>): Histogram<Label> {
    return new Histogram({ ...config, registers: [this.registry] });
  }

  /** Counts one refusal by the rate-limit step. */
  countRateLimitRefusal(source: RateLimitSource, dimension: 'requests' | 'tokens' | 'unknown'): void {
    this.rateLimitRefusals.inc({ source, dimension });
  }

  /** Counts one decision of the cache step. */
  countCacheLookup(result: CacheLookup): void {
    this.cacheLookups.inc({ result });
  }

  /** Records a finished request: one call per request, from its RequestRecord. */
  observe(record: RequestRecord): void {
    const provider = this.labels.provider(record.provider);
    const model = this.labels.model(record.provider, record.model);
    const errorCode = record.errorCode === undefined ? '' : knownErrorCode(record.errorCode);
    this.requests.inc({ endpoint: record.endpoint, provider, model, status_class: statusClass(record.status), error_code: errorCode });
    if (errorCode === 'insufficient_quota') this.budgetRefusals.inc();
    const where = { endpoint: record.endpoint, provider, model };
    this.duration.observe(where, record.latencyMs / 1000);
    if (record.firstByteMs !== undefined) this.firstByte.observe(where, record.firstByteMs / 1000);
    const usage = record.usage;
    if (usage) {
      this.addTokens(provider, model, 'input', usage.inputTokens);
      this.addTokens(provider, model, 'output', usage.outputTokens);
      this.addTokens(provider, model, 'cached', usage.cachedInputTokens);
      this.addTokens(provider, model, 'reasoning', usage.reasoningTokens);
    }
    if (record.costUsd > 0 && Number.isFinite(record.costUsd)) this.cost.inc({ provider, model }, record.costUsd);
    this.observeAttempts(record);
  }

  private addTokens(provider: string, model: string, kind: string, count: number | undefined): void {
    if (count !== undefined && count > 0 && Number.isFinite(count)) this.tokens.inc({ provider, model, kind }, count);
  }

  /** Each attempt after the first is a retry (same deployment) or a fallback (another one), caused by the one before. */
  private observeAttempts(record: RequestRecord): void {
    const attempts = record.attempts;
    for (let index = 1; index < attempts.length; index++) {
      const before = attempts[index - 1]!;
      const labels = {
        provider: this.labels.provider(before.deployment.provider),
        model: this.labels.model(before.deployment.provider, before.deployment.model),
        reason: before.errorCode === undefined ? 'unknown' : knownErrorCode(before.errorCode),
      };
      const same = before.deployment.provider === attempts[index]!.deployment.provider && before.deployment.model === attempts[index]!.deployment.model;
      (same ? this.retries : this.fallbacks).inc(labels);
    }
  }
}

function statusClass(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'other';
}

function knownErrorCode(code: string): string {
  return Object.hasOwn(errorCatalogue, code) ? code : 'other';
}
