import type { JsonSchema } from '@switchyard/core';

/** Whose answers a cached entry may be served to. */
export type CacheScope = 'key' | 'team' | 'project' | 'global';

/** Where entries live. */
export interface CacheStoreOptions {
  /** `memory` (one process, lru-cache) or `redis` (shared by every gateway instance). */
  use: 'memory' | 'redis';
  /** Redis only: the server, `redis://[:password@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Redis only: put before every key, so several gateways (or tests) can share a server. */
  key_prefix: string;
  /** Redis only: values larger than this many bytes are stored brotli-compressed. */
  compress_above_bytes: number;
  /** Redis only: how long connecting may take before the cache is skipped (default 1000). */
  connect_timeout_ms: number;
  /** Redis only: how long one GET or SET may take before it counts as failed, a miss (default 500). */
  command_timeout_ms: number;
}

/** Options of the `cache` step, after validation (defaults filled in). */
export interface CacheOptions {
  /** How long an entry lives, in seconds. */
  ttl_seconds: number;
  /**
   * The longest a request may ask an entry to live (`x-switchyard-cache-ttl`), in seconds;
   * `ttl_seconds` when that is longer. A client's key must not keep entries in a shared
   * store for centuries.
   */
  max_ttl_seconds: number;
  /** Who shares entries; `key` keeps every key's answers to itself. */
  scope: CacheScope;
  /** Patterns of model names (as sent, or `provider/model` as routed) that are cached; absent means all. */
  models?: string[];
  /** Whether requests with `temperature > 0` are cached too. */
  cache_nonzero_temperature: boolean;
  /** Whether a hit is charged like the call it replays; by default hits cost nothing. */
  bill_hits: boolean;
  /** Memory store: most entries kept. */
  max_entries: number;
  /** Memory store: most bytes kept (serialized entries); also the largest entry either store takes. */
  max_bytes: number;
  store: CacheStoreOptions;
}

export const cacheOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ttl_seconds: { type: 'integer', minimum: 1, maximum: 31_536_000, default: 3600 },
    max_ttl_seconds: { type: 'integer', minimum: 1, maximum: 31_536_000, default: 86_400 },
    scope: { enum: ['key', 'team', 'project', 'global'], default: 'key' },
    models: { type: 'array', items: { type: 'string', minLength: 1 } },
    cache_nonzero_temperature: { type: 'boolean', default: false },
    bill_hits: { type: 'boolean', default: false },
    max_entries: { type: 'integer', minimum: 1, maximum: 10_000_000, default: 10_000 },
    max_bytes: { type: 'integer', minimum: 1024, maximum: 16 * 1024 * 1024 * 1024, default: 64 * 1024 * 1024 },
    store: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        use: { enum: ['memory', 'redis'], default: 'memory' },
        url: { type: 'string', pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' },
        key_prefix: { type: 'string', default: 'switchyard:cache:' },
        compress_above_bytes: { type: 'integer', minimum: 0, maximum: 1024 * 1024 * 1024, default: 1024 },
        connect_timeout_ms: { type: 'integer', minimum: 1, maximum: 60_000, default: 1000 },
        command_timeout_ms: { type: 'integer', minimum: 1, maximum: 60_000, default: 500 },
      },
    },
  },
};
