import type { JsonSchema } from '@switchyard/core';

/** Options of the Gemini provider, as written in the YAML. */
export interface GeminiOptions {
  /** The Gemini API key; sent as `x-goog-api-key`. */
  api_key: string;
  /** The API root including its version path. */
  base_url: string;
  /** Extra headers on every upstream request. */
  headers: Record<string, string>;
  timeouts: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  /** How long the live model list is cached. */
  models_ttl_ms: number;
  /** Gemini `safetySettings`, sent as given on every chat request (`[{ category, threshold }]`). */
  safety_settings?: Array<Record<string, unknown>>;
  /**
   * Where a JSON-schema response format goes: `responseJsonSchema` (JSON Schema as
   * the client wrote it; Gemini 2.5 and later) or `responseSchema` (converted to
   * Gemini's OpenAPI subset, for older models).
   */
  response_schema_field: 'responseJsonSchema' | 'responseSchema';
}

// A day at most: YAML's `.inf` or anything past 2^31 ms would make Node's timer fire after 1 ms.
const milliseconds = { type: 'integer', minimum: 1, maximum: 86_400_000 };

export const geminiOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['api_key'],
  properties: {
    // No space or line break: a key from a CRLF .env file ends in \r, and every call then failed as 502 upstream_unreachable.
    api_key: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    base_url: { type: 'string', pattern: '^https?://', default: 'https://generativelanguage.googleapis.com/v1beta' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models_ttl_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300000 },
    safety_settings: { type: 'array', items: { type: 'object' } },
    response_schema_field: { enum: ['responseJsonSchema', 'responseSchema'], default: 'responseJsonSchema' },
  },
};
