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

/**
 * The most a client's `provider_options.mock` may ask to wait: before the answer, and between
 * stream events (a reply of up to 1,024 tokens streams in a few hundred events). A client's delay
 * holds a connection, a budget hold and a slot of the key's concurrency; the YAML's own delays
 * (the operator's) may be longer.
 */
export const MOCK_CLIENT_MAX_LATENCY_MS = 30_000;
export const MOCK_CLIENT_MAX_CHUNK_DELAY_MS = 1_000;
/** The most a client's chunk delays add up to over one stream: a reply of one-letter words is 2,048 events. */
export const MOCK_CLIENT_MAX_STREAM_DELAY_MS = 30_000;

const behaviourProperties = {
  latency_ms: { type: 'integer', minimum: 0, maximum: 600_000 },
  chunk_delay_ms: { type: 'integer', minimum: 0, maximum: 60_000 },
  fail: { enum: [...mockFailures] },
  failure_rate: { type: 'number', minimum: 0, maximum: 1 },
  retry_after_s: { type: 'number', minimum: 0, maximum: 86_400 },
};

/** What a client may set per request through `provider_options.mock`: every number finite and bounded, the delays shorter. */
export const mockBehaviourSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...behaviourProperties,
    latency_ms: { type: 'integer', minimum: 0, maximum: MOCK_CLIENT_MAX_LATENCY_MS },
    chunk_delay_ms: { type: 'integer', minimum: 0, maximum: MOCK_CLIENT_MAX_CHUNK_DELAY_MS },
  },
};

export const mockOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...behaviourProperties,
    models: { type: 'array', items: { type: 'string', minLength: 1 }, default: ['echo'] },
  },
};
