import type { JsonSchema } from '@switchyard/core';

/** Options of the Acme provider, as written in the YAML (after defaults). */
export interface AcmeOptions {
  /** Sent as `x-acme-key`. */
  api_key: string;
  /** The API root; `/chat` and `/engines` are appended. */
  base_url: string;
  /** Extra headers on every upstream request. */
  headers: Record<string, string>;
  timeouts: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  /** How long the live engine list is cached. */
  models_ttl_ms: number;
}

const milliseconds = { type: 'integer', minimum: 1, maximum: 3_600_000 };

export const acmeOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['api_key'],
  properties: {
    api_key: { type: 'string', minLength: 1, maxLength: 512 },
    base_url: { type: 'string', pattern: '^https?://', maxLength: 2048, default: 'https://api.acme.example/v1' },
    headers: { type: 'object', maxProperties: 32, additionalProperties: { type: 'string', maxLength: 1024 }, default: {} },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models_ttl_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300_000 },
  },
};
