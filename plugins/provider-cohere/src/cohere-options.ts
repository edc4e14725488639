import type { JsonSchema } from '@switchyard/core';

/** What a text is embedded for; Cohere's v3+ embedding models require one. */
export type CohereEmbeddingInputType = 'search_document' | 'search_query' | 'classification' | 'clustering';

/** Options of the Cohere provider, as written in the YAML. */
export interface CohereOptions {
  /** The provider key; sent as `Authorization: Bearer <api_key>`. */
  api_key: string;
  /** The API origin without a version path: `/v2/chat`, `/v2/embed` and `/v1/models` are appended. A trailing `/v1` or `/v2` is tolerated. */
  base_url: string;
  /** Extra headers on every upstream request (`X-Client-Name` …). */
  headers: Record<string, string>;
  /** `input_type` of embeddings requests: the OpenAI-shaped embeddings API has no such field. */
  embedding_input_type: CohereEmbeddingInputType;
  timeouts: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  /** How long the live model list is cached. */
  models_ttl_ms: number;
}

// A day at most: YAML's `.inf` or anything past 2^31 ms would make Node's timer fire after 1 ms.
const milliseconds = { type: 'integer', minimum: 1, maximum: 86_400_000 };

export const cohereOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['api_key'],
  properties: {
    // No space or line break: a key from a CRLF .env file ends in \r, and every call then failed as 502 upstream_unreachable.
    api_key: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    base_url: { type: 'string', pattern: '^https?://', default: 'https://api.cohere.com' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    embedding_input_type: {
      enum: ['search_document', 'search_query', 'classification', 'clustering'],
      default: 'search_document',
    },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models_ttl_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300000 },
  },
};
