import type { JsonSchema } from '@switchyard/core';

/** Options of the Anthropic provider, as written in the YAML. */
export interface AnthropicOptions {
  /** The provider key; sent as `x-api-key` (or as a bearer token, see `auth_header`). */
  api_key: string;
  /** The API origin without the version path: `/v1/messages` is appended. A trailing `/v1` is tolerated. */
  base_url: string;
  /** Sent as `anthropic-version` on every request. */
  anthropic_version: string;
  /** Beta features, sent comma-separated as `anthropic-beta`. */
  beta: string[];
  /** Which header carries the key: `x-api-key` (documented) or `authorization` (`Bearer`, as newer SDKs send). */
  auth_header: 'x-api-key' | 'authorization';
  /** Extra headers on every upstream request. */
  headers: Record<string, string>;
  /** `max_tokens` when the client sets no limit: Anthropic requires one on every request. */
  default_max_tokens: number;
  /**
   * Where a JSON schema response format goes: the GA `output_config.format`, or the
   * original beta `output_format` (with its `anthropic-beta` flag) for servers that only know that.
   */
  structured_outputs: 'output_config' | 'output_format';
  timeouts: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  /** How long the live model list is cached. */
  models_ttl_ms: number;
}

// A day at most: YAML's `.inf` or anything past 2^31 ms would make Node's timer fire after 1 ms.
const milliseconds = { type: 'integer', minimum: 1, maximum: 86_400_000 };

export const anthropicOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['api_key'],
  properties: {
    // No space or line break: a key from a CRLF .env file ends in \r, and every call then failed as 502 upstream_unreachable.
    api_key: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    base_url: { type: 'string', pattern: '^https?://', default: 'https://api.anthropic.com' },
    anthropic_version: { type: 'string', minLength: 1, default: '2023-06-01' },
    beta: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
    auth_header: { enum: ['x-api-key', 'authorization'], default: 'x-api-key' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    default_max_tokens: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 4096 },
    structured_outputs: { enum: ['output_config', 'output_format'], default: 'output_config' },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models_ttl_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300000 },
  },
};
