import type { JsonSchema } from '@switchyard/core';
import { openAIPresetNames, type OpenAIPresetName } from './presets/openai-presets.js';

/** Options of the OpenAI provider after defaults (the preset's, then OpenAI's) are applied. */
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
  /** An OpenAI-compatible service whose defaults and quirks to use (`groq`, `deepseek`, …). */
  preset?: OpenAIPresetName;
  /** Whether streams ask for usage with `stream_options.include_usage`; default true, or the preset's. */
  stream_usage?: boolean;
  /** Body fields to drop (with a warning) before sending; replaces the preset's list. */
  unsupported_params?: string[];
  /**
   * Whether `POST /v1/responses` goes to this upstream's own Responses API (the
   * pass-through) instead of being translated to Chat Completions. Default: true
   * for OpenAI itself (no preset), false for presets.
   */
  responses_api?: boolean;
}

/** Options as written in the YAML: `base_url` and `max_tokens_field` default to the preset's, else OpenAI's. */
export type OpenAIProviderOptions = Omit<OpenAIOptions, 'base_url' | 'max_tokens_field'> & {
  base_url?: string;
  max_tokens_field?: OpenAIOptions['max_tokens_field'];
};

/** OpenAI's own API root, the `base_url` when neither the YAML nor a preset names one. */
export const openAIBaseUrl = 'https://api.openai.com/v1';

// A day at most: YAML's `.inf` or anything past 2^31 ms would make Node's timer fire after 1 ms.
const milliseconds = { type: 'integer', minimum: 1, maximum: 86_400_000 };

/** Hosted presets need a key; local servers (ollama, vllm, lmstudio) do not. */
const presetsNeedingKey = openAIPresetNames.filter((name) => !['ollama', 'vllm', 'lmstudio'].includes(name));

export const openAIOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    // No space or line break: a key from a CRLF .env file ends in \r, and every call then failed as 502 upstream_unreachable.
    api_key: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    // No schema default: a preset brings its own (see resolveOpenAIOptions).
    base_url: { type: 'string', pattern: '^https?://' },
    // Sent as headers: a line break (a CRLF .env file) failed every call as 500 internal_error.
    organization: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    project: { type: 'string', minLength: 1, pattern: '^\\S+$' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, default: {} },
    max_tokens_field: { enum: ['max_completion_tokens', 'max_tokens'] },
    timeouts: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: { connect_ms: milliseconds, headers_ms: milliseconds, body_ms: milliseconds },
    },
    models_ttl_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, default: 300000 },
    preset: { enum: [...openAIPresetNames] },
    stream_usage: { type: 'boolean' },
    unsupported_params: { type: 'array', items: { type: 'string', minLength: 1 } },
    responses_api: { type: 'boolean' },
  },
  if: { required: ['preset'], properties: { preset: { enum: presetsNeedingKey } } },
  then: { required: ['api_key'] },
};
