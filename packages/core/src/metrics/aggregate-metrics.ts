import { AggregatorRegistry } from 'prom-client';
import type { GatewayMetrics } from './gateway-metrics.js';
import { getProcessRegistry } from './process-metrics.js';

/** One process's metrics as plain data, to be sent to another process (a cluster primary) and summed there. */
export type MetricsSnapshot = object[];

/** This process's part of a scrape: the gateway's series and, when served, the process's. */
export async function metricsSnapshot(metrics: GatewayMetrics, processMetrics: boolean): Promise<MetricsSnapshot> {
  const own = await metrics.registry.getMetricsAsJSON();
  return processMetrics ? [...own, ...(await getProcessRegistry().getMetricsAsJSON())] : own;
}

/**
 * The Prometheus text of several processes' snapshots as one: each series summed over
 * the processes (or, for a metric that says so with its `aggregator`, their least, most
 * or first value), prom-client's cluster aggregation.
 */
export async function aggregateMetricsText(snapshots: MetricsSnapshot[]): Promise<{ text: string; contentType: string }> {
  const registry = AggregatorRegistry.aggregate(snapshots);
  return { text: await registry.metrics(), contentType: registry.contentType };
}

/**
 * The series of a snapshot that only ever grow (counters and histograms): what stays counted
 * after the process that counted them is gone. Gauges say how things are now, and a gone
 * process has none.
 */
export function growingSeries(snapshot: MetricsSnapshot): MetricsSnapshot {
  return snapshot.filter((metric) => {
    const type = (metric as { type?: unknown }).type;
    return type === 'counter' || type === 'histogram';
  });
}

/** Several snapshots summed into one snapshot (each metric by its aggregator), to be summed again later. */
export function sumMetricsSnapshots(snapshots: MetricsSnapshot[]): Promise<MetricsSnapshot> {
  return AggregatorRegistry.aggregate(snapshots).getMetricsAsJSON();
}
