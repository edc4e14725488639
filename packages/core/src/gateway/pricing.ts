import type { Usage } from '../canonical/usage.js';

/** What the gateway needs to know about prices: the cost of a call, and its most. */
export interface Pricing {
  /** The cost in USD of a call with this usage; 0 for a model without a price. Counts nothing: ask it as often as needed. */
  cost(provider: string, model: string, usage: Usage): number;
  /**
   * `cost()` for the request's record, asked once per call (the answer and each billed
   * failed attempt): a call to a model without a price is counted here, and only here,
   * in `switchyard_unpriced_calls_total` (its first logged as a warning).
   */
  recordedCost(provider: string, model: string, usage: Usage): number;
  /** Whether the catalog or the config's `prices:` has a price for the model ($0 self-hosted prices included). */
  priced(provider: string, model: string): boolean;
  /**
   * The most a call can cost: the prompt estimate plus `maxOutputTokens` (or the model's output limit),
   * and `extraOutputTokens` billed as output beyond that limit (a predicted output's text).
   */
  maxCost(provider: string, model: string, promptTokens: number, maxOutputTokens: number | undefined, extraOutputTokens?: number): number;
}
