import {
  aggregateMetricsText,
  GatewayError,
  growingSeries,
  metricsHandler,
  metricsSnapshot,
  sumMetricsSnapshots,
  type Gateway,
  type GatewayMetrics,
  type MetricsSnapshot,
} from '@switchyard/core';
import cluster from 'node:cluster';
import type { RequestHandler } from 'express';
import { askPrimary, type IpcMessage } from './ask-primary.js';

/** Worker → primary: a scrape wants every worker's series. */
const ask = 'switchyard:metrics?';
/** Primary → worker: the scrape's text. */
const answer = 'switchyard:metrics';
/** Primary → each worker: your series, please. */
const collect = 'switchyard:metrics-collect';
/** Worker → primary: its series. */
const part = 'switchyard:metrics-part';

/** How long the primary waits for each worker's series; one that does not answer is left out of that scrape. */
const collectTimeoutMs = 2_000;
/** How long a scrape waits for the primary. */
const answerTimeoutMs = 5_000;

/**
 * Primary: answers a worker's scrape with the series of every worker that listens, summed
 * (prom-client's cluster aggregation). Each scrape reaches one worker, whichever the
 * round-robin picks: its own counters alone would jump between workers' values, which
 * Prometheus reads as resets. So would a sum that loses a worker, and `rate()` over a reset
 * reads as a spike: a worker that does not answer in time counts with its last counters,
 * and one that exited (replaced after a crash) keeps its last counters in every later sum.
 * Call before the first fork.
 */
export function aggregateMetricsOfWorkers(): void {
  const listening = new Set<number>();
  const lastSeries = new Map<number, MetricsSnapshot>();
  let exitedSeries: Promise<MetricsSnapshot> = Promise.resolve([]);
  cluster.on('listening', (worker) => listening.add(worker.id));
  cluster.on('exit', (worker) => {
    listening.delete(worker.id);
    const last = lastSeries.get(worker.id);
    lastSeries.delete(worker.id);
    // Folded into one snapshot, so a crash loop's workers do not pile up one snapshot each.
    if (last) exitedSeries = exitedSeries.then((exited) => sumMetricsSnapshots([exited, growingSeries(last)]).catch(() => exited));
  });
  const gathers = new Map<number, (workerId: number, snapshot: unknown) => void>();
  let lastGather = 0;

  cluster.on('message', (from, message: unknown) => {
    const received = message as IpcMessage | null;
    if (received?.type === part) {
      if (typeof received.gather === 'number') gathers.get(received.gather)?.(from.id, received.snapshot);
      return;
    }
    if (received?.type !== ask) return;
    const gather = ++lastGather;
    const workers = Object.values(cluster.workers ?? {}).filter((worker) => worker !== undefined && listening.has(worker.id) && worker.isConnected());
    const waiting = new Set(workers.map((worker) => worker!.id));
    const answered = new Map<number, MetricsSnapshot>();
    const finish = () => {
      clearTimeout(timer);
      gathers.delete(gather);
      const snapshots: MetricsSnapshot[] = [];
      for (const worker of workers) {
        const id = worker!.id;
        // One that exited since it was asked is in the exited series already.
        if (!listening.has(id)) continue;
        const own = answered.get(id) ?? lastSeries.get(id);
        if (own) snapshots.push(answered.has(id) ? own : growingSeries(own));
      }
      exitedSeries
        .then((exited) => aggregateMetricsText([...snapshots, exited]))
        .then(
          ({ text }) => from.send({ type: answer, id: received.id, text }, () => undefined),
          () => from.send({ type: answer, id: received.id }, () => undefined),
        );
    };
    const timer = setTimeout(finish, collectTimeoutMs);
    gathers.set(gather, (workerId, snapshot) => {
      if (!waiting.delete(workerId)) return;
      if (Array.isArray(snapshot) && listening.has(workerId)) {
        answered.set(workerId, snapshot);
        lastSeries.set(workerId, snapshot);
      }
      if (waiting.size === 0) finish();
    });
    for (const worker of workers) worker!.send({ type: collect, gather }, () => undefined);
    if (waiting.size === 0) finish();
  });
}

/** Worker: hands its series to the primary when a scrape (on any worker) asks for them. */
export function answerMetricsCollections(metrics: GatewayMetrics, processMetrics: boolean): void {
  process.on('message', (message: unknown) => {
    const received = message as IpcMessage | null;
    if (received?.type !== collect) return;
    void metricsSnapshot(metrics, processMetrics).then(
      (snapshot) => process.send?.({ type: part, gather: received.gather, snapshot }, undefined, undefined, () => undefined),
      () => process.send?.({ type: part, gather: received.gather }, undefined, undefined, () => undefined),
    );
  });
}

/** Worker: the Prometheus text of every worker, asked of the primary. */
async function scrapeEveryWorker(): Promise<string> {
  const { text } = await askPrimary(ask, answer, answerTimeoutMs, ({ reason }) =>
    reason === 'gone'
      ? new GatewayError('shutting_down', 'This worker is stopping: its primary is gone.')
      : new GatewayError('internal_error', 'The cluster primary did not answer with the metrics of the workers.'),
  );
  if (typeof text !== 'string') throw new GatewayError('internal_error', 'The metrics of the workers could not be summed.');
  return text;
}

/**
 * Worker: `GET /metrics` of `start --workers N`, the series of every worker summed, with the
 * gateway's own token check; undefined when metrics are off (the gateway's 404 stands).
 */
export function metricsOfEveryWorker(gateway: Gateway): RequestHandler | undefined {
  const config = gateway.runtime.config.metrics;
  if (!config.enabled) return undefined;
  answerMetricsCollections(gateway.runtime.metrics, config.process_metrics);
  const registry = { contentType: gateway.runtime.metrics.registry.contentType, metrics: scrapeEveryWorker };
  // Process metrics are in every worker's part already.
  return metricsHandler({ registry }, { processMetrics: false, ...(config.token !== undefined && { token: config.token }) });
}
