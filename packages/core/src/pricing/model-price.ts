/**
 * The price of one model, in US dollars per million tokens. Field names are the
 * ones a `prices:` section of the YAML uses, so a config entry and a catalog entry
 * read the same.
 */
export interface ModelPrice {
  /** USD per million prompt tokens that were neither read from nor written to a cache. */
  input: number;
  /** USD per million generated tokens, reasoning tokens included. */
  output: number;
  /** USD per million prompt tokens read from the provider's prompt cache; `input` when absent. */
  cached_input?: number;
  /** USD per million prompt tokens written to the provider's prompt cache; `input` when absent. */
  cache_write?: number;
  /**
   * USD per million prompt tokens written to the cache for an hour (Anthropic's 1-hour
   * TTL); when absent, twice `input` (as Anthropic prices them) for a price with `cache_write`,
   * and `input` for one without (its every cache write costs `input`). `cache_write` prices the rest.
   */
  cache_write_1h?: number;
  /**
   * The most tokens the model generates in one call. A budget reservation for a
   * request without `max_tokens` assumes this many output tokens.
   */
  max_output?: number;
}

/** One catalog entry: a price plus what we know about it. */
export interface CatalogModelPrice extends ModelPrice {
  /** Anything a reader should know about this price: unconfirmed, tiered, legacy … */
  notes?: string;
}

/** The built-in prices of one provider, with where they come from. */
export interface ProviderPriceSheet {
  /** The public page the prices were taken from. */
  source: string;
  /**
   * The date (YYYY-MM-DD) of the newest dated copy of the source the prices were
   * checked against; where the copies were undated, the day they were checked.
   */
  as_of: string;
  /** Which prices are confirmed, which are not, and what the catalog leaves out. */
  notes?: string;
  /** Keyed by the provider's model id, or `*` for every model of the provider. */
  models: Record<string, CatalogModelPrice>;
}
