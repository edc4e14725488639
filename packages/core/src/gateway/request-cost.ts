import { addUsage, type Usage } from '../canonical/usage.js';
import type { Attempt, RequestContext } from '../chain/request-context.js';
import type { Pricing } from './pricing.js';

/** The last cost worked out per request, with what it was worked out from. */
const computed = new WeakMap<RequestContext, { usage: Usage | undefined; attempts: number; billed: number; costUsd: number }>();

/**
 * What a request cost in USD at the catalog's prices: its answer's usage at the
 * deployment that served it, plus every failed attempt the provider billed all the
 * same (`Attempt.billedUsage`), each at its own deployment. 0 when it is not billed
 * (a free cache hit). The `x-switchyard-cost` header and the request's record both
 * ask; the answer is kept while nothing changed, so both agree and an unpriced
 * model's call is counted once.
 */
export function requestCost(context: RequestContext, pricing: Pricing): number {
  if (!context.billable) return 0;
  const deployment = context.servedBy ?? context.attempts.at(-1)?.deployment;
  const usage = context.usage;
  const attempts = context.attempts.length;
  const billed = countBilled(context.attempts);
  const known = computed.get(context);
  if (known && known.usage === usage && known.attempts === attempts && known.billed === billed) return known.costUsd;
  const served = deployment && usage ? pricing.cost(deployment.provider, deployment.model, usage) : 0;
  const costUsd = served + billedAttemptsCost(pricing, context.attempts);
  computed.set(context, { usage, attempts, billed, costUsd });
  return costUsd;
}

function countBilled(attempts: readonly Attempt[]): number {
  let count = 0;
  for (const attempt of attempts) if (attempt.billedUsage) count++;
  return count;
}

/**
 * What the failed attempts among `attempts[from, to)` were billed, each at the price
 * of the deployment it tried: the one sum both the ledger and the budget add.
 */
export function billedAttemptsCost(pricing: Pricing, attempts: readonly Attempt[], from = 0, to = attempts.length): number {
  let cost = 0;
  for (let index = from; index < to; index++) {
    const attempt = attempts[index]!;
    if (attempt.billedUsage) cost += pricing.cost(attempt.deployment.provider, attempt.deployment.model, attempt.billedUsage);
  }
  return cost;
}

/** The request's usage for its record: its answer's and every billed failed attempt's tokens together. */
export function recordedUsage(usage: Usage | undefined, attempts: readonly Attempt[]): Usage | undefined {
  let total = usage;
  for (const attempt of attempts) if (attempt.billedUsage) total = addUsage(total, attempt.billedUsage);
  return total;
}
