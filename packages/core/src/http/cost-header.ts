import type { Response } from 'express';
import type { RequestContext } from '../chain/request-context.js';
import type { GatewayRuntime } from '../gateway/gateway-runtime.js';
import { requestCost } from '../gateway/request-cost.js';

/** Sets `x-switchyard-cost` on a whole answer, just before it is written; a no-op unless configured. */
export type CostHeaderWriter = (res: Response, context: RequestContext) => void;

const noCostHeader: CostHeaderWriter = () => {};

/**
 * With `server.cost_header: true`, whole answers carry `x-switchyard-cost`: what
 * the request cost in USD (a decimal, up to 10 places; `0` when free or unpriced).
 * Streams do not: their headers are sent before the cost is known.
 */
export function costHeaderWriter(runtime: GatewayRuntime): CostHeaderWriter {
  if (!runtime.config.server.cost_header) return noCostHeader;
  return (res, context) => {
    if (!res.headersSent) context.responseHeaders.set('x-switchyard-cost', formatUsd(requestCost(context, runtime.pricing)));
  };
}

/** `0.0001234`, never exponent notation (1.5e-7), which header parsers may not read as a number. */
export function formatUsd(costUsd: number): string {
  if (!Number.isFinite(costUsd) || costUsd <= 0) return '0';
  return costUsd.toFixed(10).replace(/\.?0+$/, '');
}
