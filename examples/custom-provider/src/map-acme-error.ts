import { GatewayError, genericUpstreamError, parseUpstreamJson, type UpstreamErrorResponse } from '@switchyard/core';
import type { AcmeFaultBody } from './acme-wire-types.js';

/**
 * An Acme error answer → GatewayError. Acme names the fault in `fault.reason`;
 * when the body is not Acme's (a proxy's HTML page) the status decides alone.
 */
export function mapAcmeError(provider: string, response: UpstreamErrorResponse): GatewayError {
  let reason: string | undefined;
  try {
    reason = (parseUpstreamJson(response.bodyText) as AcmeFaultBody).fault?.reason;
  } catch {
    // Not JSON: fall through to the status.
  }
  const options = { provider, upstreamStatus: response.status };
  switch (reason) {
    case 'bad_key':
      // Never repeat the upstream's words about the key: they may quote it.
      return new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's credentials.`, options);
    case 'too_long':
      return new GatewayError('context_length_exceeded', `${provider}: the dialogue is too long for this engine.`, options);
    case 'malformed':
      return new GatewayError('upstream_bad_request', `${provider} refused the request as malformed.`, options);
    case 'slow_down':
      return new GatewayError('rate_limit_exceeded', `${provider} is rate limiting requests.`, {
        ...options,
        ...retryAfter(response.headers['retry-after']),
      });
    case 'busy':
      return new GatewayError('upstream_overloaded', `${provider} is overloaded.`, options);
    case 'broken':
      return new GatewayError('upstream_server_error', `${provider} had an internal error.`, options);
    default:
      return genericUpstreamError(provider, response);
  }
}

/** Seconds from a `retry-after` header, when it is a sane number. */
function retryAfter(header: string | string[] | undefined): { retryAfterSeconds?: number } {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds > 0 && seconds <= 3600 ? { retryAfterSeconds: seconds } : {};
}
