import type { JsonSchema } from '@switchyard/core';

/** Options of the Azure OpenAI provider, as written in the YAML. */
export interface AzureOptions {
  /** The resource endpoint, `https://{resource}.openai.azure.com` (a trailing `/openai` or `/openai/v1` is tolerated). */
  endpoint?: string;
  /** Same as `endpoint`; every Switchyard provider accepts `base_url`. `endpoint` wins when both are set. */
  base_url?: string;
  /** A resource key, sent as the `api-key` header. Wins over `bearer_token` when both are set. */
  api_key?: string;
  /** A Microsoft Entra ID access token (scope `https://cognitiveservices.azure.com/.default`), sent as `Authorization: Bearer`. */
  bearer_token?: string;
  /**
   * The `api-version` query parameter. Deployment URLs always carry one (default
   * `2024-10-21`, the latest GA dated version); v1 URLs only when it is set (`preview`).
   */
  api_version?: string;
  /** `deployments`: `/openai/deployments/{deployment}/…?api-version=…`; `v1`: `/openai/v1/…` with the deployment as body `model`. */
  api: 'deployments' | 'v1';
  /** Model names as clients write them → deployment names; a model not listed is used as the deployment name itself. */
  deployments: Record<string, string>;
  /** Extra headers on every upstream request. */
  headers: Record<string, string>;
  /** Which body field carries the output limit: `max_tokens` for API versions older than 2024-09-01-preview. */
  max_tokens_field: 'max_completion_tokens' | 'max_tokens';
  timeouts: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  /** How long the live model list is cached. */
  models_ttl_ms: number;
}

/** The dated GA version deployment URLs use when none is configured. */
export const defaultAzureApiVersion = '2024-10-21';

// A day at most: YAML's `.inf` or anything past 2^31 ms would make Node's timer fire after 1 ms.
const milliseconds = { type: 'integer', minimum: 1, maximum: 86_400_000 };
const url = { type: 'string', pattern: '^https?://' };

export const azureOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  anyOf: [{ required: ['endpoint'] }, { required: ['base_url'] }],
  properties: {
    endpoint: url,
    base_url: url,
    // No space or line break: a key from a CRLF .env file ends in \r, and every call then failed as 502 upstream_unreachable.
    api_key: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    bearer_token: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    api_version: { type: 'string', minLength: 1 },
    api: { enum: ['deployments', 'v1'], default: 'deployments' },
    deployments: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, default: {} },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    max_tokens_field: { enum: ['max_completion_tokens', 'max_tokens'], default: 'max_completion_tokens' },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models_ttl_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300000 },
  },
};
