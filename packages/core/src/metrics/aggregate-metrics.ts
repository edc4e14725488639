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
