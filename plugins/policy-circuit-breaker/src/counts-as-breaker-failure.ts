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
  // A failure the client asked for (the mock's provider_options.mock.fail) is that request's own.
  if (error.requestedByClient === true) return false;
  if (!breakerFailureCodes.has(error.code)) return false;
  if (error.code === 'rate_limit_exceeded') return error.upstreamStatus !== undefined || error.provider !== undefined;
  return true;
}

/** Codes of an upstream's own answer besides the `upstream_` ones (a rate limit only when an upstream sent it). */
const upstreamAnswerCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['context_length_exceeded', 'content_filter']);

/**
 * Whether an attempt's error says nothing of its upstream either way: neither the upstream's answer
 * nor its failure to give one, but the gateway's own doing (its budget store down, key-scope's refusal,
 * its own rate limit, shutting down, a step's or plugin's own code failing), the client leaving, or a
 * failure the client asked for (`requestedByClient`: the upstream was never asked).
 * The breaker counts such an attempt as neither a success nor a failure.
 */
export function saysNothingOfUpstream(error: unknown): boolean {
  if (!isGatewayError(error)) return true;
  if (error.requestedByClient === true) return true;
  if (error.code.startsWith('upstream_') || upstreamAnswerCodes.has(error.code)) return false;
  // Any other code is the gateway's or the client's own, but a rate limit an upstream sent.
  return !countsAsBreakerFailure(error);
}
