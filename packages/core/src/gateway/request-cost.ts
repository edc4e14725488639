import { addUsage, usageSince, type Usage } from '../canonical/usage.js';
import type { Attempt, Deployment, RequestContext, ServedCall } from '../chain/request-context.js';
import type { Pricing } from './pricing.js';

/** The price of one call: `Pricing.cost`, or `Pricing.recordedCost` for the request's record. */
type CallCost = (provider: string, model: string, usage: Usage) => number;

/**
 * What a request cost in USD at the catalog's prices: its answer's usage at the
 * deployment that served it, plus every failed attempt the provider billed all the
 * same (`Attempt.billedUsage`), each at its own deployment. 0 when it is not billed
 * (a free cache hit). Counts nothing (the `x-switchyard-cost` header asks it); the
 * record asks {@link recordCost}, the same sum.
 */
export function requestCost(context: RequestContext, pricing: Pricing): number {
  return costWith(context, pricing.cost);
}

/**
 * {@link requestCost} for the request's record, worked out once per request: the one
 * place where its calls to models without a price are counted (the budget's
 * settlement and the cost header price the same calls without counting them).
 */
export function recordCost(context: RequestContext, pricing: Pricing): number {
  return costWith(context, pricing.recordedCost);
}

function costWith(context: RequestContext, callCost: CallCost): number {
  const earlierCalls = context.earlierCalls;
  if (!context.billable && earlierCalls === undefined) return 0;
  const deployment = context.servedBy ?? context.attempts.at(-1)?.deployment;
  const served = earlierCalls
    ? servedCallsCost(callCost, earlierCalls, context.billable ? deployment : undefined, context.usage)
    : deployment && context.usage
      ? callCost(deployment.provider, deployment.model, context.usage)
      : 0;
  return toPicoDollar(served + billedCost(callCost, context.attempts, 0, context.attempts.length));
}

/**
 * A cost to the pico-dollar, the unit the budgets carry a request's rest in: tokens times
 * a price per million in binary floats leave noise (3 tokens at $0.10 read 3.0000000000000004e-7,
 * $0.0001 + $0.0002 read 0.00030000000000000003) that the record, its log line and the
 * ledger would show as is. A whole count of picos over 10^12 is the double nearest that
 * decimal (both are exact integers; the division rounds once), without a string per request.
 * A cost past 2^53 picos (about $9,007) is kept as it is.
 */
export function toPicoDollar(costUsd: number): number {
  const picos = Math.round(costUsd * PICOS_PER_USD);
  return Math.abs(picos) <= Number.MAX_SAFE_INTEGER ? picos / PICOS_PER_USD : costUsd;
}

const PICOS_PER_USD = 1e12;

/**
 * What a request of several calls was served for: each earlier call at its own deployment
 * (a free cache hit nothing), and the rest of `usage` (the current call's) at `deployment`
 * (undefined: the current call is not billed). Priced all at the last
 * deployment, a cheap call followed by a dear one was billed the dear price in the ledger.
 */
function servedCallsCost(callCost: CallCost, earlierCalls: readonly ServedCall[], deployment: Deployment | undefined, usage: Usage | undefined): number {
  let cost = 0;
  let earlierUsage: Usage | undefined;
  for (const call of earlierCalls) {
    if (call.billable) cost += callCost(call.deployment.provider, call.deployment.model, call.usage);
    earlierUsage = addUsage(earlierUsage, call.usage);
  }
  if (!deployment || !usage) return cost;
  const current = usageSince(earlierUsage, usage);
  // The current call used nothing (it failed, or was refused): no call of its deployment to price.
  if (current.inputTokens <= 0 && current.outputTokens <= 0) return cost;
  return cost + callCost(deployment.provider, deployment.model, current);
}

/**
 * What the failed attempts among `attempts[from, to)` were billed, each at the price
 * of the deployment it tried: the one sum both the ledger and the budget add.
 */
export function billedAttemptsCost(pricing: Pricing, attempts: readonly Attempt[], from = 0, to = attempts.length): number {
  return billedCost(pricing.cost, attempts, from, to);
}

function billedCost(callCost: CallCost, attempts: readonly Attempt[], from: number, to: number): number {
  let cost = 0;
  for (let index = from; index < to; index++) {
    const attempt = attempts[index]!;
    if (attempt.billedUsage) cost += callCost(attempt.deployment.provider, attempt.deployment.model, attempt.billedUsage);
  }
  return cost;
}

/**
 * The usage a request is billed for, as its record (the ledger) and its span hold it: a billed request's
 * answer and every billed failed attempt together; a free cache hit's, the answer it replays.
 */
export function requestUsage(context: RequestContext): Usage | undefined {
  // A free cache hit bills nothing, unless calls before it in the same request were billed.
  const billed = context.billable || context.earlierCalls !== undefined;
  return billed ? recordedUsage(context.usage, context.attempts) : context.usage;
}

/** The request's usage for its record: its answer's and every billed failed attempt's tokens together. */
export function recordedUsage(usage: Usage | undefined, attempts: readonly Attempt[]): Usage | undefined {
  let total = usage;
  for (const attempt of attempts) if (attempt.billedUsage) total = addUsage(total, attempt.billedUsage);
  return total;
}
