import type { Usage } from '../canonical/usage.js';
import type { RequestContext } from '../chain/request-context.js';
import type { Pricing } from './pricing.js';

/** The last cost worked out per request, with the usage it was worked out from. */
const computed = new WeakMap<RequestContext, { usage: Usage; billable: boolean; costUsd: number }>();

/**
 * What a request cost in USD at the catalog's prices: 0 without usage, without a
 * deployment, or when it is not billed (a free cache hit). The `x-switchyard-cost`
 * header and the request's record both ask; the answer is kept while the usage is
 * the same, so both agree and an unpriced model's call is counted once.
 */
export function requestCost(context: RequestContext, pricing: Pricing): number {
  const deployment = context.servedBy ?? context.attempts.at(-1)?.deployment;
  const usage = context.usage;
  if (!context.billable || !deployment || !usage) return 0;
  const known = computed.get(context);
  if (known && known.usage === usage && known.billable === context.billable) return known.costUsd;
  const costUsd = pricing.cost(deployment.provider, deployment.model, usage);
  computed.set(context, { usage, billable: context.billable, costUsd });
  return costUsd;
}
