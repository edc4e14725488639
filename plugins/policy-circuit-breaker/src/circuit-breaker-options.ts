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
}

const settingsProperties = {
  error_threshold_percentage: { type: 'number', minimum: 0, maximum: 100 },
  volume_threshold: { type: 'integer', minimum: 0 },
  rolling_window_ms: { type: 'integer', minimum: 10 },
  reset_timeout_ms: { type: 'integer', minimum: 1 },
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
    max_breakers: { type: 'integer', minimum: 1, default: 1000 },
    max_unlisted_breakers: { type: 'integer', minimum: 1, maximum: 10_000, default: 32 },
  },
};
