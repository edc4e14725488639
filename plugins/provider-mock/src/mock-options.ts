import type { JsonSchema } from '@switchyard/core';

/** The failures the mock can act out, each as the real upstream error it stands for. */
export const mockFailures = ['rate_limit', 'server_error', 'overloaded', 'timeout', 'bad_request', 'context_length'] as const;
export type MockFailure = (typeof mockFailures)[number];

/** Per-request behaviour; the same keys work in the YAML and in `provider_options.mock`. */
export interface MockBehaviour {
  /** Wait before answering (before the first stream event). */
  latency_ms?: number;
  /** Wait between stream events. */
  chunk_delay_ms?: number;
  /** Answer with this failure instead. */
  fail?: MockFailure;
  /** Fraction of requests (0–1) that fail with `fail` (default `server_error`). */
  failure_rate?: number;
  /** For `rate_limit`: the Retry-After the mock asks for, in seconds. */
  retry_after_s?: number;
}

export interface MockOptions extends MockBehaviour {
  /** Model ids the mock lists; any id is answered. */
  models: string[];
}

const behaviourProperties = {
  // Bounded, as a client may set them per request through provider_options.mock.
  latency_ms: { type: 'integer', minimum: 0, maximum: 600_000 },
  chunk_delay_ms: { type: 'integer', minimum: 0, maximum: 60_000 },
  fail: { enum: [...mockFailures] },
  failure_rate: { type: 'number', minimum: 0, maximum: 1 },
  retry_after_s: { type: 'number', minimum: 0, maximum: 86_400 },
};

export const mockBehaviourSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: behaviourProperties,
};

export const mockOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...behaviourProperties,
    models: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['echo'] },
  },
};
