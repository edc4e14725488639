import type { PriceOverrides } from '../pricing/price-overrides-schema.js';

/** Options of one provider instance: `use` names the plugin, the rest goes to it. */
export interface ProviderEntry {
  /** Plugin to use: `openai`, `@scope/pkg`, or a path; defaults to the entry's key. */
  use?: string;
  [option: string]: unknown;
}

/** One step of the chain: its name, or `{ name: options }`. */
export type ChainEntry = string | Record<string, Record<string, unknown> | null>;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** How the route step orders a group's deployments. */
export type RoutingStrategy = 'weighted' | 'priority' | 'least-latency' | 'least-busy' | 'cheapest';

/** One deployment of a model group. */
export interface ModelDeploymentEntry {
  /** `provider/model`. */
  target: string;
  /** Share of traffic under the `weighted` strategy (default 1). */
  weight?: number;
  /** Lower is tried first under the `priority` strategy (default 0). */
  priority?: number;
  /** USD per million tokens, a hint for the `cheapest` strategy (the price catalog otherwise). */
  price?: { input: number; output: number };
  /** Tokens the model accepts, for documentation and `context_fallback` planning. */
  context_window?: number;
}

/** A model group: several deployments behind one name, with retries and fallbacks. */
export interface ModelGroupEntry {
  deployments: ModelDeploymentEntry[];
  /** Default: `priority` when the deployments' priorities differ, else `weighted`. */
  strategy?: RoutingStrategy;
  /** Rounds over the whole group after the first (default 2), with exponential backoff and full jitter. */
  retries?: { attempts?: number; backoff_ms?: number; max_backoff_ms?: number };
  /** Deadline of the whole routed call, retries and fallbacks included (default 120000). */
  timeout_ms?: number;
  /** Deadline of one attempt at one deployment. */
  attempt_timeout_ms?: number;
  /** Other model names or groups to try, in order, once every deployment failed with a retryable error. */
  fallbacks?: string[];
  /** A model or group with a larger context window, for a `context_length_exceeded` error. */
  context_fallback?: string;
  /** A model or group to try after a `content_filter` error. */
  content_filter_fallback?: string;
}

/** One entry of `models:`: an alias (`provider/model`) or a group. */
export type ModelEntry = string | ModelGroupEntry;

/** Bounds on what a client may send and what an upstream may stream back. */
export interface ResourceLimits {
  /** Deepest nesting of objects and arrays in a request body (default 64). */
  max_json_depth: number;
  /** Most object keys in a request body, counted over all its objects (default 50,000). */
  max_json_keys: number;
  /** Most messages in one chat request (default 4096). */
  max_messages: number;
  /** Longest model name a client may send (default 256 characters). */
  max_model_name_length: number;
  /** A stream still running after this long is cut with an error event (default 30 minutes). */
  stream_max_duration_ms: number;
  /** A stream is cut once its upstream sent more than this many bytes (default 256 MiB). */
  stream_max_bytes: number;
  /** A streaming client whose socket stays full this long (no drain) is disconnected, as if it left (default 60 s). */
  client_stall_ms: number;
  /** Most connections open to one provider origin (per connect timeout; default 128); past them a request waits for a free one. */
  upstream_connections_per_origin: number;
  /** How long one provider's model list is waited for (default 10 s); past it, its last good list is served. */
  model_list_timeout_ms: number;
}

/** The `metrics:` section. */
export interface MetricsConfig {
  /** Record metrics and serve `/metrics` (default true; false answers `/metrics` with 404). */
  enabled: boolean;
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string;
  /** Serve Node process metrics beside the gateway's (default true). */
  process_metrics: boolean;
}

/** The `responses:` section. */
export interface ResponsesConfig {
  /** How long a stored response lives (`30d`, `12h`, `90m`, `3600s`; default `30d`). */
  ttl: string;
}

/** The `dashboard:` section. */
export interface DashboardConfig {
  /** Serve the usage dashboard at `/dashboard` (default true; standalone server with storage). */
  enabled: boolean;
  /** A session ends after this long unused (default 8 hours). */
  session_ttl_ms: number;
  /** A session ends this long after its login, however often it is used (default 7 days). */
  session_max_lifetime_ms: number;
  /** Most sessions held at once, of the master key and of virtual keys each (default 1,000). */
  max_sessions: number;
  /** Most sessions one virtual key holds at once (default 10). */
  max_sessions_per_key: number;
}

/** The whole configuration, as checked against `gatewayConfigSchema`. */
export interface GatewayConfig {
  /** The admin key. The CLI fills it from SWITCHYARD_MASTER_KEY or the data folder. */
  master_key?: string;
  server: {
    host: string;
    port: number;
    /** Largest accepted request body, in bytes or with a unit (`4mb`). */
    body_limit: string | number;
    /** How long SIGTERM waits for in-flight requests and streams. */
    shutdown_timeout_ms: number;
    /**
     * After SIGTERM, how long the standalone server keeps its port open answering every
     * new request 503 `shutting_down` (and `/health` 503) before it closes the port and
     * drains: time for a load balancer to move away, so no connection is reset under it.
     */
    drain_delay_ms: number;
    /** Where the gateway keeps its files (the generated master key, later SQLite). */
    data_dir: string;
    /**
     * How many processes `switchyard start` runs on the port (node:cluster); `auto` is
     * one per CPU core. 1 (the default) is a single process. Embedding ignores it.
     */
    workers: number | 'auto';
    /** A client must send its request headers within this time (Node's `headersTimeout`). */
    headers_timeout_ms: number;
    /** A client must send its whole request within this time (Node's `requestTimeout`). */
    request_timeout_ms: number;
    /** Idle keep-alive connections are closed after this time (Node's `keepAliveTimeout`). */
    keep_alive_timeout_ms: number;
    /** Reverse proxies in front of the server (Express's numeric `trust proxy`); 0: the socket's peer is the client. */
    trust_proxy: number;
    /** Send `x-switchyard-cost` (USD) on whole answers; streams have sent their headers before the cost is known. */
    cost_header: boolean;
    /**
     * The same-dialect fast path (docs/fast-path.md): when the client's dialect is the
     * provider's own, its body and the upstream's events pass through untranslated,
     * tapped for usage. `false` translates every request.
     */
    fast_path: boolean;
    /**
     * `switchyard start` only (docs/deploy.md, Memory): V8's `--heap-growing-percent`,
     * set when the process starts. 0 leaves V8 its own growing factor (and any flag given to node).
     */
    heap_growing_percent: number;
  };
  /** Prometheus metrics on `GET /metrics`. */
  metrics: MetricsConfig;
  /** Stored Responses API responses. */
  responses: ResponsesConfig;
  /** The usage dashboard at `/dashboard`. */
  dashboard: DashboardConfig;
  /** Bounds on client input and upstream streams; every one has a safe default. */
  limits: ResourceLimits;
  log: {
    level: LogLevel;
    /** `switchyard start` only: pretty lines for people, JSON for collectors, or pretty on a terminal (`auto`). */
    format: 'auto' | 'json' | 'pretty';
  };
  /** Provider instances by id; the id is the `provider` part of `provider/model`. */
  providers: Record<string, ProviderEntry>;
  /**
   * Model names clients may use: an alias standing for one `provider/model`, or a
   * group of deployments with a routing strategy, retries and fallbacks.
   */
  models: Record<string, ModelEntry>;
  /** The steps every request runs through, in order; `adapter` comes last. */
  chain: ChainEntry[];
  /** Prices per million tokens that override or extend the built-in catalog, by `provider/model`. */
  prices?: PriceOverrides;
  /** Where keys, usage and budgets are kept: `{ use: sqlite }`, `{ use: postgres, url: … }`. */
  storage?: ProviderEntry;
  /**
   * Client dialects from plugins, by id: `{ gemini: { use: '@acme/switchyard-ingress-gemini' } }`.
   * `use` names the plugin (default: the id, as `@switchyard/ingress-<id>`); the rest are its options.
   */
  ingress?: Record<string, ProviderEntry>;
  /** Usage recording: how often batches of records are written. */
  usage: {
    flush_interval_ms: number;
    max_batch: number;
    /** Records held in memory while the ledger refuses writes; the oldest past this are dropped and counted. */
    max_pending: number;
  };
}

/**
 * The chain when the config names none. The response cache is not in it: caching
 * answers is a decision each deployment makes (`- cache` in the chain turns it on).
 */
export const defaultChain: ChainEntry[] = ['auth', 'key-scope', 'rate-limit', 'circuit-breaker', 'route', 'adapter'];
