import type { HealthSection } from '../gateway/gateway-runtime.js';
import type { UsageRecorderStats } from '../gateway/usage-recorder.js';
import type { GatewayMetrics } from './gateway-metrics.js';

/** What the gateway's scrape-time gauges read. */
export interface GaugeSources {
  activeRequests(): number;
  unattributedRequests(): number;
  /** Calls of models without a price, by `provider/model` (already bounded by the pricing hook). */
  unpricedCalls: ReadonlyMap<string, number>;
  usageStats(): UsageRecorderStats | undefined;
  /** The `GET /health` sections: storage, usage, rate-limit store (Redis), cache, breakers. */
  healthChecks: ReadonlyMap<string, () => HealthSection>;
}

/**
 * Series read when `/metrics` is scraped, from state the gateway keeps anyway: no
 * work on the request path. Totals that only ever grow elsewhere (usage records
 * written, unattributed requests) are counters set to their running total at each
 * scrape: typed `counter`, so `start --workers N` keeps a replaced worker's last
 * totals in its sum (it keeps counters, not gauges) and the sum never goes back.
 */
export function registerGatewayGauges(metrics: GatewayMetrics, sources: GaugeSources): void {
  metrics.gauge({
    name: 'switchyard_requests_in_flight',
    help: 'Requests being served right now, streams included.',
    collect() {
      this.set(sources.activeRequests());
    },
  });
  metrics.counter({
    name: 'switchyard_unattributed_requests_total',
    help: 'Requests kept out of the ledger: no key was established and no provider was called.',
    collect() {
      this.reset();
      this.inc(sources.unattributedRequests());
    },
  });
  metrics.counter({
    name: 'switchyard_unpriced_calls_total',
    help: 'Calls of models without a price, recorded at cost 0.',
    labelNames: ['provider', 'model'],
    collect() {
      this.reset();
      for (const [key, count] of sources.unpricedCalls) {
        const slash = key.indexOf('/');
        this.inc({ provider: key.slice(0, slash), model: key.slice(slash + 1) }, count);
      }
    },
  });
  // Without storage there is no ledger: no usage series rather than zeros that read as "down".
  if (sources.usageStats()) registerUsageGauges(metrics, sources.usageStats);
  // Health checks are cheap and synchronous by contract (docs/plugins.md), so each gauge reads its own.
  metrics.gauge({
    name: 'switchyard_health_check_up',
    help: 'Whether each GET /health section is healthy (1) or not (0): storage, usage, rate_limit_store, cache, circuit_breakers.',
    labelNames: ['check'],
    // Over the workers of `start --workers N`: 1 only when it is so on every one.
    aggregator: 'min',
    collect() {
      for (const [name, section] of readSections(sources.healthChecks)) this.set({ check: name }, section?.healthy ? 1 : 0);
    },
  });
  metrics.gauge({
    name: 'switchyard_store_reachable',
    help: 'Whether the store behind a GET /health section answers (1) or not (0), e.g. the rate-limit or cache Redis; a fail-open store can be unreachable and still healthy.',
    labelNames: ['check'],
    aggregator: 'min',
    collect() {
      for (const [name, section] of readSections(sources.healthChecks)) {
        if (typeof section?.['reachable'] === 'boolean') this.set({ check: name }, section['reachable'] ? 1 : 0);
      }
    },
  });
}

function readSections(checks: ReadonlyMap<string, () => HealthSection>): Map<string, HealthSection | undefined> {
  const sections = new Map<string, HealthSection | undefined>();
  for (const [name, check] of checks) {
    try {
      sections.set(name, check());
    } catch {
      // A check that throws is an unhealthy one; the scrape still answers.
      sections.set(name, undefined);
    }
  }
  return sections;
}

function registerUsageGauges(metrics: GatewayMetrics, usageStats: () => UsageRecorderStats | undefined): void {
  const stat = (name: string, help: string, read: (stats: UsageRecorderStats) => number, aggregator: 'sum' | 'min' = 'sum') =>
    metrics.gauge({
      name,
      help,
      aggregator,
      collect() {
        const stats = usageStats();
        if (stats) this.set(read(stats));
      },
    });
  const total = (name: string, help: string, read: (stats: UsageRecorderStats) => number) =>
    metrics.counter({
      name,
      help,
      collect() {
        const stats = usageStats();
        if (!stats) return;
        this.reset();
        this.inc(read(stats));
      },
    });
  stat('switchyard_usage_pending_records', 'Usage records waiting to be written to the ledger (the queue depth).', (stats) => stats.pending);
  total('switchyard_usage_written_records_total', 'Usage records written to the ledger since start.', (stats) => stats.written);
  total('switchyard_usage_dropped_records_total', 'Usage records dropped because more than usage.max_pending waited.', (stats) => stats.dropped);
  total('switchyard_usage_refused_records_total', 'Usage records the ledger refused on their own while it took the others (set aside, logged).', (stats) => stats.refused);
  total('switchyard_usage_failed_writes_total', 'Ledger appends that failed since start.', (stats) => stats.failedWrites);
  stat('switchyard_usage_ledger_up', 'Whether the ledger accepts writes (1) or the last append failed (0).', (stats) => (stats.failingSince === undefined ? 1 : 0), 'min');
}
