import type { JsonSchema } from '@switchyard/core';

/** Options of the Bedrock provider, as written in the YAML. */
export interface BedrockOptions {
  /** AWS region, `us-east-1`: names the default endpoint and the SigV4 scope. Required unless `endpoint` is set. */
  region?: string;
  /** Bedrock Runtime origin; default `https://bedrock-runtime.{region}.amazonaws.com`. */
  endpoint?: string;
  /** Alias of `endpoint`, since every Switchyard provider accepts `base_url`. */
  base_url?: string;
  /** SigV4 credentials; used when no `api_key` is set. */
  access_key_id?: string;
  secret_access_key?: string;
  /** For temporary (STS) credentials. */
  session_token?: string;
  /** A Bedrock API key, sent as `Authorization: Bearer`; replaces SigV4 when set. */
  api_key?: string;
  /** Extra headers on every upstream request (not signed). */
  headers: Record<string, string>;
  timeouts: { connect_ms?: number; headers_ms?: number; body_ms?: number };
  /**
   * Model ids the provider lists. Bedrock's own list (ListFoundationModels) lives on
   * another host and returns models the account may not be able to invoke, so the
   * list is static and configured.
   */
  models: string[];
  /** How long the model list stays fresh. */
  models_ttl_ms: number;
}

// A day at most: YAML's `.inf` or anything past 2^31 ms would make Node's timer fire after 1 ms.
const milliseconds = { type: 'integer', minimum: 1, maximum: 86_400_000 };
// No space or line break: a key from a CRLF .env file ends in \r, and every call then failed as 502 upstream_unreachable.
const nonEmpty = { type: 'string', minLength: 1, pattern: '^\\S+$' };

export const bedrockOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  // The endpoint comes from the region or is given; credentials are a key or an access key pair.
  allOf: [
    { anyOf: [{ required: ['region'] }, { required: ['endpoint'] }, { required: ['base_url'] }] },
    { anyOf: [{ required: ['api_key'] }, { required: ['access_key_id', 'secret_access_key'] }] },
  ],
  properties: {
    region: { type: 'string', pattern: '^[a-z0-9-]+$' },
    endpoint: { type: 'string', pattern: '^https?://' },
    base_url: { type: 'string', pattern: '^https?://' },
    access_key_id: nonEmpty,
    secret_access_key: nonEmpty,
    session_token: nonEmpty,
    api_key: nonEmpty,
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models: { type: 'array', items: nonEmpty, default: [] },
    models_ttl_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300000 },
  },
};
