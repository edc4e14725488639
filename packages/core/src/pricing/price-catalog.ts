import type { Usage } from '../canonical/usage.js';
import { ConfigError } from '../config/config-error.js';
import { compileValidator } from '../validation/compile-validator.js';
import { costOfUsage, hourCacheWriteRate } from './cost-of-usage.js';
import type { CatalogModelPrice, ModelPrice, ProviderPriceSheet } from './model-price.js';
import { modelIdVariants } from './model-id-variants.js';
import { builtInPriceSheets } from './price-catalog-data.js';
import { priceOverridesSchema, type PriceOverrides } from './price-overrides-schema.js';

/**
 * Output tokens a budget reservation assumes when the request sets no `max_tokens`
 * and the catalog knows no output limit for the model.
 */
export const DEFAULT_MAX_OUTPUT_TOKENS = 8192;

/** The cost of a call; `priced: false` means the model has no price and the cost is 0. */
export interface CostResult {
  costUsd: number;
  priced: boolean;
}

/** Where a price came from: the config's `prices:` section or the built-in catalog. */
export type PriceOrigin = 'override' | 'built-in';

/**
 * How a model found its price: its own key, its id without a snapshot date or
 * inference-profile prefix, its provider's `provider/*` entry, or the same model id
 * listed under another provider.
 */
export type PriceMatchKind = 'exact' | 'normalized' | 'wildcard' | 'other-provider';

/** The price a lookup found, and which catalog entry it came from. */
export interface PriceMatch {
  /** The catalog key that matched: `anthropic/claude-sonnet-4-5`, `mock/*` … */
  key: string;
  price: ModelPrice;
  origin: PriceOrigin;
  match: PriceMatchKind;
}

/** One effective catalog entry, for listings and docs. */
export interface PriceCatalogEntry {
  /** `provider/model` or `provider/*`. */
  key: string;
  price: CatalogModelPrice;
  origin: PriceOrigin;
  /** The page the built-in price was taken from; absent for overrides. */
  source?: string;
  /** When the built-in price was last checked; absent for overrides. */
  asOf?: string;
}

export interface PriceCatalogOptions {
  /** The config's `prices:` section; each entry wins over the built-in catalog. */
  overrides?: PriceOverrides;
  /** The built-in prices; {@link builtInPriceSheets} unless a test wants others. */
  sheets?: Readonly<Record<string, ProviderPriceSheet>>;
  /**
   * Called by {@link PriceCatalog.cost} for a model without a price, once per call,
   * so the caller can log a warning and count a metric. The catalog logs nothing.
   */
  onUnknownModel?: (provider: string, model: string) => void;
}

interface Entry {
  key: string;
  price: CatalogModelPrice;
  origin: PriceOrigin;
  sheet?: ProviderPriceSheet;
}

const validateOverrides = compileValidator<PriceOverrides>(priceOverridesSchema, { problems: 'every' });
// Lookups are memoised; model names can come from clients, so the memo is bounded.
const resolvedLimit = 4096;

/**
 * Model prices in USD per million tokens: the built-in catalog plus the config's
 * `prices:` overrides. A lookup for `provider` and `model` tries, in order:
 *
 * 1. an override `provider/model` (the model id as given, then without a snapshot
 *    date, `-latest` suffix or Bedrock inference-profile prefix), then `provider/*`;
 * 2. the same in the built-in catalog;
 * 3. the model id (and its variants) under any other provider, overrides first,
 *    then built-ins in catalog order; this prices Azure deployments and presets
 *    configured under a provider name of the user's own.
 *
 * A model none of these match is unpriced: it costs 0 and `cost()` reports it.
 */
export class PriceCatalog {
  private readonly overrides = new Map<string, Entry>();
  private readonly builtIns = new Map<string, Entry>();
  private readonly byModelId = new Map<string, Entry>();
  /** The built-in entries by bare model id, for the `max_output` an override leaves out. */
  private readonly builtInByModelId = new Map<string, Entry>();
  /** Memoised lookups by provider, then model: no key string is built per lookup (a request prices several deployments). */
  private readonly resolved = new Map<string, Map<string, PriceMatch | undefined>>();
  private resolvedCount = 0;
  private readonly onUnknownModel: ((provider: string, model: string) => void) | undefined;

  /** @throws {ConfigError} when `overrides` does not match {@link priceOverridesSchema}. */
  constructor(options: PriceCatalogOptions = {}) {
    this.onUnknownModel = options.onUnknownModel;
    if (options.overrides !== undefined) {
      const checked = validateOverrides(options.overrides);
      if (!checked.ok) throw new ConfigError(checked.problems);
      for (const [key, price] of Object.entries(checked.value)) {
        this.add(this.overrides, { key, price, origin: 'override' });
      }
    }
    for (const [provider, sheet] of Object.entries(options.sheets ?? builtInPriceSheets)) {
      for (const [model, price] of Object.entries(sheet.models)) {
        this.add(this.builtIns, { key: `${provider}/${model}`, price, origin: 'built-in', sheet });
      }
    }
  }

  /** The price of `model` at `provider`, or `undefined` when it has none. */
  lookup(provider: string, model: string): ModelPrice | undefined {
    return this.resolve(provider, model)?.price;
  }

  /** Like {@link lookup}, and says which entry matched and how. */
  resolve(provider: string, model: string): PriceMatch | undefined {
    let models = this.resolved.get(provider);
    if (models?.has(model)) return models.get(model);
    const match = this.find(provider, model);
    if (this.resolvedCount >= resolvedLimit) {
      this.resolved.clear();
      this.resolvedCount = 0;
      models = undefined;
    }
    if (!models) this.resolved.set(provider, (models = new Map()));
    models.set(model, match);
    this.resolvedCount++;
    return match;
  }

  /**
   * What a finished call cost. Cached and cache-write prompt tokens are billed at
   * their own rates (see {@link costOfUsage}). A model without a price costs 0 with
   * `priced: false`, and `onUnknownModel` is told.
   */
  cost(provider: string, model: string, usage: Usage): CostResult {
    const match = this.resolve(provider, model);
    if (!match) {
      this.onUnknownModel?.(provider, model);
      return { costUsd: 0, priced: false };
    }
    return { costUsd: costOfUsage(match.price, usage), priced: true };
  }

  /**
   * The most a call can cost, to reserve against a budget before it runs: every
   * prompt token at the dearest prompt rate (a cache write can cost more than
   * plain input, a 1-hour one most), and `maxOutputTokens` output tokens, or, when the request set
   * none (or one that is not a positive finite number), the model's `max_output`,
   * or {@link DEFAULT_MAX_OUTPUT_TOKENS}; plus `extraOutputTokens` billed as output beyond
   * that limit (a predicted output's rejected tokens). Does not
   * call `onUnknownModel`: the settled `cost()` of the same call will.
   */
  maxCost(provider: string, model: string, promptTokensEstimate: number, maxOutputTokens?: number, extraOutputTokens?: number): CostResult {
    const price = this.lookup(provider, model);
    if (!price) return { costUsd: 0, priced: false };
    return { costUsd: maxCostOf(price, promptTokensEstimate, maxOutputTokens, extraOutputTokens), priced: true };
  }

  /** `maxCost(…).costUsd` without the result object: a budgeted request prices every deployment it may reach. */
  maxCostUsd(provider: string, model: string, promptTokensEstimate: number, maxOutputTokens?: number, extraOutputTokens?: number): number {
    const price = this.lookup(provider, model);
    return price ? maxCostOf(price, promptTokensEstimate, maxOutputTokens, extraOutputTokens) : 0;
  }

  /** Every effective entry: the overrides, then the built-ins they do not replace. */
  entries(): PriceCatalogEntry[] {
    const list: PriceCatalogEntry[] = [];
    for (const entry of this.overrides.values()) list.push({ key: entry.key, price: entry.price, origin: entry.origin });
    for (const entry of this.builtIns.values()) {
      if (this.overrides.has(entry.key)) continue;
      list.push({ key: entry.key, price: entry.price, origin: entry.origin, source: entry.sheet?.source, asOf: entry.sheet?.as_of });
    }
    return list;
  }

  private add(table: Map<string, Entry>, entry: Entry): void {
    table.set(entry.key, entry);
    const model = entry.key.slice(entry.key.indexOf('/') + 1);
    // Overrides are added first, so they win the bare model id too.
    if (model !== '*' && !this.byModelId.has(model)) this.byModelId.set(model, entry);
    if (model !== '*' && table === this.builtIns && !this.builtInByModelId.has(model)) this.builtInByModelId.set(model, entry);
  }

  /**
   * An override's price, with the built-in `max_output` of the model when it gives none:
   * that is what the model can write, not a price. Left out, an override of rates alone
   * (`openai/gpt-4o: { input: 2, output: 8 }`) reserved 8,192 output tokens for a model
   * that writes 16,384, and a budget was spent past its limit.
   */
  private withModelMaxOutput(entry: Entry, provider: string, variants: readonly string[]): CatalogModelPrice {
    if (entry.price.max_output !== undefined) return entry.price;
    for (const variant of variants) {
      const builtIn = this.builtIns.get(`${provider}/${variant}`) ?? this.builtInByModelId.get(variant);
      if (builtIn?.price.max_output !== undefined) return { ...entry.price, max_output: builtIn.price.max_output };
    }
    return entry.price;
  }

  private find(provider: string, model: string): PriceMatch | undefined {
    const variants = modelIdVariants(model);
    for (const table of [this.overrides, this.builtIns]) {
      for (const [index, variant] of variants.entries()) {
        const entry = table.get(`${provider}/${variant}`);
        if (entry) return this.toMatch(entry, index === 0 ? 'exact' : 'normalized', provider, variants);
      }
      const wildcard = table.get(`${provider}/*`);
      if (wildcard) return this.toMatch(wildcard, 'wildcard', provider, variants);
    }
    for (const variant of variants) {
      const entry = this.byModelId.get(variant);
      if (entry) return this.toMatch(entry, 'other-provider', provider, variants);
    }
    return undefined;
  }

  private toMatch(entry: Entry, match: PriceMatchKind, provider: string, variants: readonly string[]): PriceMatch {
    const price = entry.origin === 'override' ? this.withModelMaxOutput(entry, provider, variants) : entry.price;
    return { key: entry.key, price, origin: entry.origin, match };
  }
}

function nonNegative(tokens: number): number {
  return Number.isFinite(tokens) && tokens > 0 ? tokens : 0;
}

/**
 * The most one call to a model at `price` can cost: every prompt token at the dearest
 * prompt rate, and `maxOutputTokens` output tokens. A cap that is not a positive finite
 * count (Infinity from `1e309`, NaN, 0) is no cap at all: reserve what the model can
 * produce, never 0.
 */
function maxCostOf(price: ModelPrice, promptTokensEstimate: number, maxOutputTokens: number | undefined, extraOutputTokens = 0): number {
  const promptRate = Math.max(price.input, price.cached_input ?? price.input, price.cache_write ?? price.input, hourCacheWriteRate(price));
  const usable = maxOutputTokens !== undefined && Number.isFinite(maxOutputTokens) && maxOutputTokens > 0;
  const outputTokens = usable ? maxOutputTokens : (price.max_output ?? DEFAULT_MAX_OUTPUT_TOKENS);
  return (nonNegative(promptTokensEstimate) * promptRate + (nonNegative(outputTokens) + nonNegative(extraOutputTokens)) * price.output) / 1_000_000;
}
