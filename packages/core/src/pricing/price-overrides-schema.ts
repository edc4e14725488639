import type { JsonSchema } from '../validation/compile-validator.js';
import type { ModelPrice } from './model-price.js';

/**
 * Prices from the config's `prices:` section, keyed `provider/model` or
 * `provider/*`. Each entry replaces the built-in price of what it matches; a key the
 * catalog does not know adds a model.
 */
export type PriceOverrides = Record<string, ModelPrice>;

/**
 * A price past $1 a token is a typo, and an unbounded one (1e308) made a call's cost
 * Infinity, which reached the ledger and the request's record. At most this, any usage
 * an upstream may report (counts below 2^53) costs a finite amount.
 */
const MAX_PRICE_PER_MILLION = 1_000_000;

const perMillion = { type: 'number', minimum: 0, maximum: MAX_PRICE_PER_MILLION, description: 'USD per million tokens.' };

/** The JSON Schema of the `prices:` config section ({@link PriceOverrides}). */
export const priceOverridesSchema: JsonSchema = {
  title: 'Model prices',
  description:
    'Prices in USD per million tokens, keyed `provider/model` or `provider/*`; they win over the built-in catalog.',
  type: 'object',
  // `provider/model`; the model part may itself contain slashes (`openrouter/meta-llama/llama-3-8b`).
  propertyNames: { type: 'string', pattern: '^[^/\\s]+/\\S+$' },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    required: ['input', 'output'],
    properties: {
      input: { ...perMillion, description: 'USD per million uncached prompt tokens.' },
      output: { ...perMillion, description: 'USD per million generated tokens, reasoning included.' },
      cached_input: { ...perMillion, description: 'USD per million prompt tokens read from the cache; defaults to `input`.' },
      cache_write: { ...perMillion, description: 'USD per million prompt tokens written to the cache; defaults to `input`.' },
      cache_write_1h: {
        ...perMillion,
        description:
          'USD per million prompt tokens written to the cache for an hour (Anthropic 1-hour TTL); defaults to twice `input` when `cache_write` is set, else to `input`.',
      },
      max_output: {
        type: 'integer',
        minimum: 1,
        // A hundred times the longest output any model has: a larger one is a typo (1e300 reserved a maximum no store can count).
        maximum: 100_000_000,
        description: 'Output token limit, used to reserve budget for a request without max_tokens.',
      },
    },
  },
};
