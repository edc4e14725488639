import { GatewayError, genericUpstreamError, parseUpstreamJson, readRetryAfterHeader, type UpstreamErrorResponse } from '@switchyard/core';
import type { AnthropicErrorEnvelope } from './anthropic-wire-types.js';

/** The HTTP status Anthropic gives each `error.type`, for errors that arrive inside a 200 stream. */
const statusByErrorType: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** An Anthropic error response → GatewayError, by status and `error.type`; `retry-after` is kept on retryable ones. */
export function mapAnthropicError(provider: string, response: UpstreamErrorResponse): GatewayError {
  let body: AnthropicErrorEnvelope | undefined;
  try {
    body = parseUpstreamJson(response.bodyText) as AnthropicErrorEnvelope;
  } catch {
    // HTML or empty bodies (a proxy's 502, Cloudflare's 413): the status decides alone.
  }
  const error = mapAnthropicErrorBody(provider, body ?? {}, response.status);
  const retryAfter = readRetryAfterHeader(response.headers['retry-after']);
  if (retryAfter === undefined || !error.retryable) return error;
  return new GatewayError(error.code, error.message, {
    param: error.param,
    provider,
    upstreamStatus: response.status,
    retryAfterSeconds: retryAfter,
  });
}

/**
 * Maps the `{ type: 'error', error: { type, message } }` envelope. `status` is the
 * HTTP status; without one (the `error` event of a stream, sent after a 200) the
 * status is the one Anthropic gives that error type.
 */
export function mapAnthropicErrorBody(provider: string, body: AnthropicErrorEnvelope, status?: number): GatewayError {
  const detail = (typeof body.error === 'object' && body.error !== null ? body.error : {}) as {
    type?: unknown;
    message?: unknown;
    details?: unknown;
  };
  const type = typeof detail.type === 'string' ? detail.type : undefined;
  const upstreamMessage = typeof detail.message === 'string' ? detail.message : undefined;
  // Own keys only: an `error.type` of `constructor` must not become the status.
  const effectiveStatus = status ?? (type !== undefined && Object.hasOwn(statusByErrorType, type) ? statusByErrorType[type] : undefined) ?? 500;
  const options = { provider, ...(status !== undefined && { upstreamStatus: status }) };
  const say = (fallback: string) => `${provider}: ${upstreamMessage ?? fallback}`;
  const quotaExceeded = () => new GatewayError('upstream_quota_exceeded', `${provider}: the gateway's account cannot be billed.`, options);

  if (type === 'overloaded_error' || effectiveStatus === 529) {
    return new GatewayError('upstream_overloaded', `${provider} is overloaded.`, options);
  }
  switch (effectiveStatus) {
    case 400:
      // Anthropic refuses an account out of credit with a 400, not its documented 402: the gateway's
      // billing, not the client's request (nor its business: the message sends it to Plans & Billing).
      if (upstreamMessage && isCreditMessage(upstreamMessage)) return quotaExceeded();
      if (upstreamMessage && isContextLengthMessage(upstreamMessage)) {
        return new GatewayError('context_length_exceeded', say('the prompt is too long for this model'), options);
      }
      return new GatewayError('upstream_bad_request', say('the request was refused'), options);
    case 401:
      // Never echo an upstream authentication message: it may quote the rejected key.
      return new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's credentials.`, options);
    case 402:
      return quotaExceeded();
    case 403:
      return new GatewayError('upstream_permission_denied', say('permission denied'), options);
    case 404:
      return new GatewayError('upstream_not_found', say('the model or endpoint does not exist'), options);
    case 413:
      return new GatewayError('upstream_request_too_large', `${provider}: the request is larger than the upstream accepts.`, options);
    case 429:
      if (isSpendLimit(detail.details)) {
        return new GatewayError('upstream_quota_exceeded', `${provider}: the gateway's account reached its spend limit.`, options);
      }
      // The upstream message names the gateway's organization; the client need not see it.
      return new GatewayError('rate_limit_exceeded', `${provider} is rate limiting requests.`, options);
    case 500:
      return new GatewayError('upstream_server_error', `${provider} had an internal error.`, options);
    case 504:
      // timeout_error: Anthropic gave up on the request, which is a timeout, not a server failure.
      return new GatewayError('upstream_timeout', `${provider} timed out.`, options);
    default:
      return genericUpstreamError(provider, { status: effectiveStatus, headers: {}, bodyText: '' });
  }
}

// "prompt is too long: 210000 tokens > 200000 maximum", and "input length and `max_tokens` exceed context limit: …".
function isContextLengthMessage(message: string): boolean {
  return /^prompt is too long/i.test(message) || /exceed context limit/i.test(message);
}

// "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing …".
function isCreditMessage(message: string): boolean {
  return /credit balance is too low/i.test(message);
}

// A spend cap, not a rate limit: waiting does not help, so it must not be retried.
function isSpendLimit(details: unknown): boolean {
  return (
    typeof details === 'object' &&
    details !== null &&
    (details as { error_code?: unknown }).error_code === 'enforced_spend_limit_reached'
  );
}
