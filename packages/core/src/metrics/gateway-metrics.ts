import { Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';
import { errorCatalogue } from '../errors/error-catalogue.js';
import type { RequestRecord } from '../gateway/request-record.js';
import type { DeploymentLabels } from './deployment-labels.js';
import { TallyCounter, TallyHistogram, type CounterSeries, type SeriesLevel } from './tally-metrics.js';

/** Seconds, from sub-millisecond cache hits to slow first bytes. */
const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** The same, on to the longest stream `limits.stream_max_duration_ms` allows by default (30 minutes). */
const durationBuckets = [...latencyBuckets, 600, 1800];

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
  // Counted on every request: tallies that find a known series without building a key (tally-metrics.ts).
  private readonly requests: TallyCounter<'endpoint' | 'provider' | 'model' | 'status_class' | 'error_code'>;
  private readonly duration: TallyHistogram<'endpoint' | 'provider' | 'model'>;
  private readonly firstByte: TallyHistogram<'endpoint' | 'provider' | 'model'>;
  private readonly tokens: TallyCounter<'provider' | 'model' | 'kind'>;
  private readonly cost: TallyCounter<'provider' | 'model'>;
  private readonly retries: Counter<'provider' | 'model' | 'reason'>;
  private readonly fallbacks: Counter<'provider' | 'model' | 'reason'>;
  private readonly budgetRefusals: Counter;
  private readonly rateLimitRefusals: Counter<'source' | 'dimension'>;
  private readonly cacheLookups: TallyCounter<'result'>;
  private readonly ledgerAppends: Histogram<'outcome'>;

  /**
   * @param onCollectFailure told when a metric's scrape-time `collect` throws or rejects: that
   *   metric keeps its last values and the scrape still answers with every other series.
   */
  constructor(
    private readonly labels: DeploymentLabels,
    private readonly onCollectFailure: (metric: string, error: unknown) => void = () => undefined,
  ) {
    const deployment = ['provider', 'model'] as const;
    this.requests = new TallyCounter({
      name: 'switchyard_requests_total',
      help: 'Finished requests by endpoint, serving deployment, status class and error code.',
      labelNames: ['endpoint', ...deployment, 'status_class', 'error_code'],
      registry: this.registry,
    });
    this.duration = new TallyHistogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from arrival until the request was over (a stream: its last byte).',
      labelNames: ['endpoint', ...deployment],
      buckets: durationBuckets,
      registry: this.registry,
    });
    this.firstByte = new TallyHistogram({
      name: 'switchyard_time_to_first_byte_seconds',
      help: 'Time from arrival to the first byte of the answer (a stream: its first event, after the upstream answered).',
      labelNames: ['endpoint', ...deployment],
      buckets: latencyBuckets,
      registry: this.registry,
    });
    this.tokens = new TallyCounter({
      name: 'switchyard_tokens_total',
      help: 'Tokens by kind (input, output, cached, reasoning); cached and reasoning are parts of input and output.',
      labelNames: [...deployment, 'kind'],
      registry: this.registry,
    });
    this.cost = new TallyCounter({ name: 'switchyard_cost_usd_total', help: 'What requests cost in USD at the catalog prices.', labelNames: [...deployment], registry: this.registry });
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
    this.cacheLookups = new TallyCounter({ name: 'switchyard_cache_lookups_total', help: 'Response cache decisions: hit, miss, bypass.', labelNames: ['result'], registry: this.registry });
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
    return new Counter({ ...config, ...this.guardedCollect(config), registers: [this.registry] });
  }

  /** A gauge on the gateway's registry; `collect` may set its value at scrape time. */
  gauge<Label extends string = string>(config: GaugeConfiguration<Label>): Gauge<Label> {
    return new Gauge({ ...config, ...this.guardedCollect(config), registers: [this.registry] });
  }

  /** A histogram on the gateway's registry. */
  histogram<Label extends string = string>(config: HistogramConfiguration<Label>): Histogram<Label> {
    return new Histogram({ ...config, ...this.guardedCollect(config), registers: [this.registry] });
  }

  /**
   * A `collect` that cannot fail the scrape: prom-client would reject the whole of
   * `/metrics` (a 500, every series lost to Prometheus) for one plugin's broken read.
   */
  private guardedCollect<Metric>(config: { name: string; collect?: ((this: Metric) => void | Promise<void>) | undefined }): { collect?: (this: Metric) => void | Promise<void> } {
    const collect = config.collect;
    if (collect === undefined) return {};
    const report = this.onCollectFailure;
    return {
      collect(this: Metric) {
        try {
          const pending = collect.call(this);
          if (pending instanceof Promise) return pending.catch((error: unknown) => report(config.name, error));
        } catch (error) {
          report(config.name, error);
        }
        return undefined;
      },
    };
  }

  /** Counts one refusal by the rate-limit step. */
  countRateLimitRefusal(source: RateLimitSource, dimension: 'requests' | 'tokens' | 'unknown'): void {
    this.rateLimitRefusals.inc({ source, dimension });
  }

  /** Counts one decision of the cache step. */
  countCacheLookup(result: CacheLookup): void {
    this.cacheLookups.labels.of(result).inc();
  }

  /** Records a finished request: one call per request, from its RequestRecord. */
  observe(record: RequestRecord): void {
    const provider = this.labels.provider(record.provider);
    const model = this.labels.model(record.provider, record.model);
    const errorCode = record.errorCode === undefined ? '' : knownErrorCode(record.errorCode);
    this.requests.labels.at(record.endpoint).at(provider).at(model).at(statusClass(record.status)).of(errorCode).inc();
    if (errorCode === 'insufficient_quota') this.budgetRefusals.inc();
    this.duration.labels.at(record.endpoint).at(provider).of(model).observe(record.latencyMs / 1000);
    if (record.firstByteMs !== undefined) this.firstByte.labels.at(record.endpoint).at(provider).of(model).observe(record.firstByteMs / 1000);
    const usage = record.usage;
    if (usage) {
      const tokens = this.tokens.labels.at(provider).at(model);
      addTokens(tokens, 'input', usage.inputTokens);
      addTokens(tokens, 'output', usage.outputTokens);
      // The cached part of the prompt, at most the prompt, as the ledger records it and the cost bills it: a provider
      // reporting 5,000 cached of 100 prompt tokens made kind="cached" pass kind="input" by 4,900.
      const cached = usage.cachedInputTokens;
      addTokens(tokens, 'cached', cached === undefined ? undefined : Math.min(cached, usage.inputTokens));
      // Likewise the reasoning part of the output, billed at the output price: 5,000 reasoning of 2 generated tokens made
      // kind="reasoning" pass kind="output" by 4,998.
      const reasoning = usage.reasoningTokens;
      addTokens(tokens, 'reasoning', reasoning === undefined ? undefined : Math.min(reasoning, usage.outputTokens));
    }
    if (record.costUsd > 0 && Number.isFinite(record.costUsd)) this.cost.labels.at(provider).of(model).inc(record.costUsd);
    this.observeAttempts(record);
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

/** Counts tokens of one kind; a count that is missing, zero, negative or not finite adds no series. */
function addTokens(byKind: SeriesLevel<CounterSeries>, kind: 'input' | 'output' | 'cached' | 'reasoning', count: number | undefined): void {
  if (count !== undefined && count > 0 && Number.isFinite(count)) byKind.of(kind).inc(count);
}

/** The label of each status class, made once (a new string per request would be a new key to hash). */
const statusClasses = ['1xx', '2xx', '3xx', '4xx', '5xx'];

function statusClass(status: number): string {
  return status >= 100 && status < 600 ? statusClasses[Math.floor(status / 100) - 1]! : 'other';
}

function knownErrorCode(code: string): string {
  return Object.hasOwn(errorCatalogue, code) ? code : 'other';
}
