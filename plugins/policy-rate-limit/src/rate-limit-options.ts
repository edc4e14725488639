import type { JsonSchema } from '@switchyard/core';
import type { TokenizerOption } from './count-prompt-tokens.js';
import { maxExactLimit } from './gcra.js';

/** Requests and tokens per minute; either may be left out. */
export interface RateLimit {
  rpm?: number;
  tpm?: number;
}

export interface MemoryStoreOption {
  use: 'memory';
  /** Most limits kept in memory at once (default 100,000). */
  max_entries?: number;
}

/** What to do with a request when Redis cannot be reached. */
export type OnStoreError = 'fail-open' | 'fail-closed';

export interface RedisStoreOption {
  use: 'redis';
  /** Default: the REDIS_URL environment variable, else `redis://127.0.0.1:6379`. */
  url?: string;
  /** Default `switchyard:ratelimit:`. */
  key_prefix?: string;
  /** Default `fail-open`. */
  on_error?: OnStoreError;
  /** Default 1000. */
  connect_timeout_ms?: number;
  /** Default 500. */
  command_timeout_ms?: number;
}

export interface RateLimitOptions {
  limits: {
    /** Per model name as the client asks for it (exact, alias or glob): shared by every caller. */
    models: Record<string, RateLimit>;
    /** Per team: shared by every key of the team. */
    teams: Record<string, RateLimit>;
    /** Shared by every request through this gateway (or every gateway on the same Redis). */
    global?: RateLimit;
  };
  store: MemoryStoreOption | RedisStoreOption;
  tokenizer: TokenizerOption;
  /** Output tokens reserved when a request sets no `max_tokens` (default 1024); corrected after the call. */
  default_max_tokens: number;
}

/**
 * The largest limits taken, the same as a virtual key's through the admin API: one unit
 * per tick of the limiter's clock (TICK_MS, 2^-12 ms), 245,760,000 a minute, the most it
 * counts exactly. Above any provider's limits (OpenAI's largest tpm is 150,000,000); past
 * it a unit is shorter than the clock can tell apart (maxExactLimit).
 */
export const maxRequestsPerMinute = maxExactLimit(60_000);
export const maxTokensPerMinute = maxExactLimit(60_000);

const limitSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rpm: { type: 'integer', minimum: 1, maximum: maxRequestsPerMinute },
    tpm: { type: 'integer', minimum: 1, maximum: maxTokensPerMinute },
  },
};

const redisOnly = ['url', 'key_prefix', 'on_error', 'connect_timeout_ms', 'command_timeout_ms'];

export const rateLimitOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limits: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        models: { type: 'object', additionalProperties: limitSchema, default: {} },
        teams: { type: 'object', additionalProperties: limitSchema, default: {} },
        global: limitSchema,
      },
    },
    store: {
      type: 'object',
      additionalProperties: false,
      required: ['use'],
      default: { use: 'memory' },
      properties: {
        use: { enum: ['memory', 'redis'] },
        max_entries: { type: 'integer', minimum: 1, maximum: 10_000_000 },
        url: { type: 'string', pattern: '^rediss?://' },
        key_prefix: { type: 'string' },
        on_error: { enum: ['fail-open', 'fail-closed'] },
        connect_timeout_ms: { type: 'integer', minimum: 1, maximum: 60_000 },
        command_timeout_ms: { type: 'integer', minimum: 1, maximum: 60_000 },
      },
      // Redis settings under `use: memory` are a mistake worth reporting, not ignoring.
      if: { properties: { use: { const: 'memory' } } },
      then: { properties: Object.fromEntries(redisOnly.map((name) => [name, false])) },
      else: { properties: { max_entries: false } },
    },
    tokenizer: { enum: ['estimate', 'tiktoken'], default: 'estimate' },
    default_max_tokens: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 1024 },
  },
};
