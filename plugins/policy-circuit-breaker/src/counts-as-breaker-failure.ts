import { isGatewayError, type ErrorCode } from '@switchyard/core';

/**
 * Codes that say the deployment itself is in trouble: its servers failed, were
 * overloaded, too slow, unreachable or answered garbage, or it is throttling us.
 * Everything else — the client's own 4xx, a bad upstream key, a missing model, a
 * client that went away — says nothing about whether the next request would fail.
 */
export const breakerFailureCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'upstream_server_error',
  'upstream_overloaded',
  'upstream_timeout',
  'upstream_unreachable',
  'upstream_invalid_response',
  'rate_limit_exceeded',
]);

/**
 * Whether an attempt's error counts against its deployment's breaker. A
 * `rate_limit_exceeded` counts only when an upstream sent it (it carries the
 * upstream's status or provider), so a gateway-side limit wrapped around the
 * attempt never trips the breaker of a healthy deployment.
 */
export function countsAsBreakerFailure(error: unknown): boolean {
  if (!isGatewayError(error)) return false;
  if (!breakerFailureCodes.has(error.code)) return false;
  if (error.code === 'rate_limit_exceeded') return error.upstreamStatus !== undefined || error.provider !== undefined;
  return true;
}
