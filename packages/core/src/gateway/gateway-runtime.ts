import type { GatewayConfig } from '../config/gateway-config.js';
import type { Logger } from '../logging/create-logger.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { StorageSet } from '../plugin/define-plugin.js';
import type { Provider } from '../plugin/provider-types.js';
import type { ResponseStore } from '../stores/response-store.js';
import type { UpstreamTransport } from '../transport/upstream-transport.js';
import type { ModelCatalog } from './model-catalog.js';
import type { Pricing } from './pricing.js';
import type { RequestRecord } from './request-record.js';
import type { UsageRecorderStats } from './usage-recorder.js';

/** What every step gets when the chain is built: the gateway's shared parts. */
export interface GatewayRuntime {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly transport: UpstreamTransport;
  /** Provider instances by id (`openai`, `mock`, …). */
  readonly providers: ReadonlyMap<string, Provider>;
  readonly models: ModelCatalog;
  /** The admin key; undefined when the embedder runs without one. */
  readonly masterKey: string | undefined;
  /** The data folder (absolute). */
  readonly dataDir: string;
  /** Keys, usage and budgets, when the config names a storage plugin. */
  readonly storage: StorageSet | undefined;
  /**
   * Stored Responses API responses: the storage plugin's when it keeps them (shared by
   * every instance on that database), else this process's memory.
   */
  readonly responses: ResponseStore;
  /** Model prices, for costs in the ledger and budget reservations. */
  readonly pricing: Pricing;
  /** Calls of models without a price, by `provider/model` (served on /metrics). */
  readonly unpricedCalls: ReadonlyMap<string, number>;
  /**
   * Requests kept out of the ledger because nothing can be charged for them: no
   * key was established and no provider was called (a missing or wrong key, garbage
   * refused before auth). Logged like every request; counted here for /metrics.
   */
  readonly unattributedRequests: number;
  /** Called once per request when it is over, success or failure, stream or not. */
  onRequestFinished(listener: (record: RequestRecord) => void): void;
  /**
   * Called when the gateway closes, after in-flight requests are done, last registered first.
   * Given `server.shutdown_timeout_ms` (at least 1 s): past it, or thrown, it is logged naming
   * the step that registered it and left behind.
   */
  onClose(hook: () => Promise<void> | void): void;
  /**
   * Adds a section to `GET /health` (circuit breaker states, store reachability…).
   * `healthy: false` in what it returns makes the whole answer a 503.
   */
  addHealthCheck(name: string, check: () => HealthSection): void;
  /**
   * The gateway's Prometheus metrics, on a registry of its own (served on `/metrics`).
   * Plugins add theirs with `metrics.counter/gauge/histogram({ name, help, labelNames })`;
   * label values must be bounded (configured names, never a client's strings or key ids).
   */
  readonly metrics: GatewayMetrics;
  /** Usage records held, dropped and failed writes; undefined without storage. */
  usageStats(): UsageRecorderStats | undefined;
}

/** One part of `GET /health`. */
export interface HealthSection {
  healthy: boolean;
  [detail: string]: unknown;
}
