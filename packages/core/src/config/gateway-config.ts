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
    /** Where the gateway keeps its files (the generated master key, later SQLite). */
    data_dir: string;
  };
  log: { level: LogLevel };
  /** Provider instances by id; the id is the `provider` part of `provider/model`. */
  providers: Record<string, ProviderEntry>;
  /** Aliases: a model name clients may use, standing for `provider/model`. */
  models: Record<string, string>;
  /** The steps every request runs through, in order; `adapter` comes last. */
  chain: ChainEntry[];
  /** Prices per million tokens that override or extend the built-in catalog, by `provider/model`. */
  prices?: PriceOverrides;
  /** Where keys, usage and budgets are kept: `{ use: sqlite }`, `{ use: postgres, url: … }`. */
  storage?: ProviderEntry;
  /** Usage recording: how often batches of records are written. */
  usage: { flush_interval_ms: number; max_batch: number };
}

/** The chain when the config names none: every step that exists so far. */
export const defaultChain: ChainEntry[] = ['auth', 'key-scope', 'route', 'adapter'];
