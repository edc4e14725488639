import type { JsonSchema } from '@switchyard/core';

/** Options of the Mistral provider, as written in the YAML (defaults applied). */
export interface MistralOptions {
  /** The La Plateforme key; sent as `Authorization: Bearer`. */
  api_key: string;
  /** The API root including `/v1`. */
  base_url: string;
  /** Extra headers on every upstream request. */
  headers: Record<string, string>;
  /** Mistral's `safe_prompt` (a safety system prompt prepended upstream) on every request that does not set it. */
  safe_prompt?: boolean;
  timeouts: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  /** How long the live model list is cached. */
  models_ttl_ms: number;
}

// A day at most: YAML's `.inf` or anything past 2^31 ms would make Node's timer fire after 1 ms.
const milliseconds = { type: 'integer', minimum: 1, maximum: 86_400_000 };

export const mistralOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['api_key'],
  properties: {
    // No space or line break: a key from a CRLF .env file ends in \r, and every call then failed as 502 upstream_unreachable.
    api_key: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    base_url: { type: 'string', pattern: '^https?://', default: 'https://api.mistral.ai/v1' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    safe_prompt: { type: 'boolean' },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models_ttl_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300000 },
  },
};
