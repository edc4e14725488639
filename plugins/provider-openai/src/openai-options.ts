import type { JsonSchema } from '@switchyard/core';

/** Options of the OpenAI provider, as written in the YAML. */
export interface OpenAIOptions {
  /** The provider key; sent as `Authorization: Bearer`. Optional for local servers. */
  api_key?: string;
  /** The API root including its version path. */
  base_url: string;
  /** Sent as `OpenAI-Organization`. */
  organization?: string;
  /** Sent as `OpenAI-Project`. */
  project?: string;
  /** Extra headers on every upstream request. */
  headers: Record<string, string>;
  /** Which body field carries the output limit: OpenAI's current one, or the older one many compatible servers want. */
  max_tokens_field: 'max_completion_tokens' | 'max_tokens';
  timeouts: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  /** How long the live model list is cached. */
  models_ttl_ms: number;
}

const milliseconds = { type: 'integer', minimum: 1 };

export const openAIOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    api_key: { type: 'string', minLength: 1 },
    base_url: { type: 'string', pattern: '^https?://', default: 'https://api.openai.com/v1' },
    organization: { type: 'string' },
    project: { type: 'string' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    max_tokens_field: { enum: ['max_completion_tokens', 'max_tokens'], default: 'max_completion_tokens' },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models_ttl_ms: { type: 'integer', minimum: 0, default: 300000 },
  },
};
