import { GatewayError, genericUpstreamError, parseUpstreamJson, readRetryAfterHeader, type UpstreamErrorResponse } from '@switchyard/core';
import type { CohereErrorBody } from './cohere-wire-types.js';

/**
 * A Cohere error response (`{ id, message }`) → GatewayError, by status; the message
 * only tells a context overflow (`too many tokens: …`) from other 400s. `retry-after`
 * is kept on retryable errors when Cohere sends it.
 */
export function mapCohereError(provider: string, response: UpstreamErrorResponse): GatewayError {
  let body: CohereErrorBody | undefined;
  try {
    body = parseUpstreamJson(response.bodyText) as CohereErrorBody;
  } catch {
    // HTML or empty bodies (a proxy's 502): the status decides alone.
  }
  const upstreamMessage = typeof body?.message === 'string' && body.message !== '' ? body.message : undefined;
  const error = mapByStatus(provider, response, upstreamMessage);
  const retryAfter = readRetryAfterHeader(response.headers['retry-after']);
  if (retryAfter === undefined || !error.retryable) return error;
  return new GatewayError(error.code, error.message, { provider, upstreamStatus: response.status, retryAfterSeconds: retryAfter });
}

function mapByStatus(provider: string, response: UpstreamErrorResponse, upstreamMessage: string | undefined): GatewayError {
  const options = { provider, upstreamStatus: response.status };
  const say = (fallback: string) => `${provider}: ${upstreamMessage ?? fallback}`;
  switch (response.status) {
    case 400:
    case 422:
      if (upstreamMessage && /too many tokens/i.test(upstreamMessage)) {
        return new GatewayError('context_length_exceeded', say('the prompt is too long for this model'), options);
      }
      return new GatewayError('upstream_bad_request', say('the request was refused'), options);
    case 401:
    case 498:
      // Never echo an upstream authentication message: it may quote the rejected key.
      return new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's credentials.`, options);
    case 402:
      // The message points at the gateway owner's billing page; the client need not see it.
      return new GatewayError('upstream_quota_exceeded', `${provider}: the gateway's account cannot be billed.`, options);
    case 403:
      return new GatewayError('upstream_permission_denied', say('permission denied'), options);
    case 404:
      return new GatewayError('upstream_not_found', say('the model or endpoint does not exist'), options);
    case 429:
      // The message names the gateway's key tier; the client need not see it.
      return new GatewayError('rate_limit_exceeded', `${provider} is rate limiting requests.`, options);
    case 499:
      // Cohere saw the call cancelled; when the gateway did not cancel it, something between did, and a retry may pass.
      return new GatewayError('upstream_server_error', `${provider} reported the request as cancelled.`, options);
    case 500:
    case 501:
      return new GatewayError('upstream_server_error', `${provider} had an internal error.`, options);
    case 503:
      return new GatewayError('upstream_overloaded', `${provider} is overloaded.`, options);
    case 504:
      return new GatewayError('upstream_timeout', `${provider} timed out.`, options);
    default:
      return genericUpstreamError(provider, response);
  }
}
