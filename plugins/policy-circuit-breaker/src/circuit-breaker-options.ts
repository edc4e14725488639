import type { JsonSchema } from '@switchyard/core';

/** How one deployment's breaker trips and recovers. */
export interface BreakerSettings {
  /** The circuit opens when more than this share of the requests in the window failed (0–100). */
  error_threshold_percentage: number;
  /** Requests the window must hold before the circuit may open at all. */
  volume_threshold: number;
  /** Length of the rolling statistics window, in milliseconds (kept in 10 buckets). */
  rolling_window_ms: number;
  /** How long the circuit stays open before one probe request may try again, in milliseconds. */
  reset_timeout_ms: number;
}

/** Options of the `circuit-breaker` step. */
export interface CircuitBreakerOptions extends BreakerSettings {
  /**
   * Settings for some deployments, by `provider/model` or a glob (`openai/*`). An exact
   * name wins over a glob; among globs the first listed that matches.
   */
  deployments: Record<string, Partial<BreakerSettings>>;
  /** At most this many breakers of known deployments are kept; the least recently used one is dropped beyond it. */
  max_breakers: number;
  /**
   * At most this many breakers of deployments that are neither configured under
   * `models:` nor listed by their provider (names a client made up); the least
   * recently used one is dropped beyond it.
   */
  max_unlisted_breakers: number;
  /**
   * Where open circuits are shared with the other gateway instances. `none` (the
   * default) keeps every breaker per process.
   */
  shared?: SharedBreakerOption;
}

/** Shared breaker state: none (per process) or Redis. */
export type SharedBreakerOption = { use: 'none' } | RedisSharedBreakerOption;

/** Open circuits shared through Redis: an `open` mark per deployment, published on a channel. */
export interface RedisSharedBreakerOption {
  use: 'redis';
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS (default `redis://127.0.0.1:6379`). */
  url: string;
  /** Put before every key and the channel name, so several gateway fleets can share one Redis (default `switchyard:breaker:`). */
  key_prefix: string;
  /** How long connecting may take before the attempt counts as failed (default 1000). */
  connect_timeout_ms: number;
  /** How long one Redis command may take before it counts as failed (default 250). */
  command_timeout_ms: number;
  /** How often the local mirror of the open marks is re-read from Redis, besides pub/sub (default 1000). */
  refresh_interval_ms: number;
  /**
   * How often the event subscriber PINGs Redis (default 5000). It sends nothing
   * else, so without this a Redis gone silent with its socket open would never be
   * noticed; an unanswered PING (after `command_timeout_ms`) drops and reopens it.
   */
  ping_interval_ms: number;
}

const redisOnly = ['url', 'key_prefix', 'connect_timeout_ms', 'command_timeout_ms', 'refresh_interval_ms', 'ping_interval_ms'];

const settingsProperties = {
  error_threshold_percentage: { type: 'number', minimum: 0, maximum: 100 },
  volume_threshold: { type: 'integer', minimum: 0, maximum: 1_000_000 },
  // A day at most: Node timers overflow past 2^31 ms and would fire at once.
  rolling_window_ms: { type: 'integer', minimum: 10, maximum: 86_400_000 },
  reset_timeout_ms: { type: 'integer', minimum: 1, maximum: 86_400_000 },
};

export const circuitBreakerOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    error_threshold_percentage: { ...settingsProperties.error_threshold_percentage, default: 50 },
    volume_threshold: { ...settingsProperties.volume_threshold, default: 10 },
    rolling_window_ms: { ...settingsProperties.rolling_window_ms, default: 10_000 },
    reset_timeout_ms: { ...settingsProperties.reset_timeout_ms, default: 30_000 },
    deployments: {
      type: 'object',
      default: {},
      additionalProperties: { type: 'object', additionalProperties: false, properties: settingsProperties },
    },
    max_breakers: { type: 'integer', minimum: 1, maximum: 100_000, default: 1000 },
    max_unlisted_breakers: { type: 'integer', minimum: 1, maximum: 10_000, default: 32 },
    shared: {
      type: 'object',
      additionalProperties: false,
      required: ['use'],
      default: { use: 'none' },
      properties: {
        use: { enum: ['none', 'redis'] },
        url: { type: 'string', pattern: '^rediss?://', maxLength: 2048 },
        key_prefix: { type: 'string', maxLength: 200 },
        connect_timeout_ms: { type: 'integer', minimum: 1, maximum: 60_000 },
        command_timeout_ms: { type: 'integer', minimum: 1, maximum: 60_000 },
        refresh_interval_ms: { type: 'integer', minimum: 50, maximum: 3_600_000 },
        ping_interval_ms: { type: 'integer', minimum: 50, maximum: 300_000 },
      },
      // Redis settings under `use: none` are a mistake worth reporting, not ignoring.
      if: { properties: { use: { const: 'none' } } },
      then: { properties: Object.fromEntries(redisOnly.map((name) => [name, false])) },
    },
  },
};

/** Defaults of the Redis settings under `shared:` (ajv fills defaults only where a schema names one). */
export const sharedRedisDefaults = {
  url: 'redis://127.0.0.1:6379',
  key_prefix: 'switchyard:breaker:',
  connect_timeout_ms: 1000,
  command_timeout_ms: 250,
  refresh_interval_ms: 1000,
  ping_interval_ms: 5000,
} as const;

/** The Redis settings of `shared:` with every default filled in. */
export function sharedRedisSettings(option: Partial<RedisSharedBreakerOption>): RedisSharedBreakerOption {
  return { ...sharedRedisDefaults, ...option, use: 'redis' };
}
