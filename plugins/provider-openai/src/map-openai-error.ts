import { GatewayError, genericUpstreamError, maxRetryAfterSeconds, parseUpstreamJson, readRetryAfterHeader, type UpstreamErrorResponse } from '@switchyard/core';

interface OpenAIErrorEnvelope {
  error?: { message?: unknown; type?: unknown; code?: unknown; param?: unknown } | unknown;
}

/** An OpenAI error response → GatewayError, by status and `error.code`. */
export function mapOpenAIError(provider: string, response: UpstreamErrorResponse): GatewayError {
  let body: OpenAIErrorEnvelope | undefined;
  try {
    body = parseUpstreamJson(response.bodyText) as OpenAIErrorEnvelope;
  } catch {
    // HTML or empty bodies (a 502 from a load balancer): the status decides alone.
  }
  const error = mapOpenAIErrorBody(provider, response.status, body ?? {});
  const retryAfter = retryAfterSeconds(response.headers);
  if (retryAfter === undefined || !error.retryable) return error;
  return new GatewayError(error.code, error.message, {
    param: error.param,
    provider,
    upstreamStatus: response.status,
    retryAfterSeconds: retryAfter,
  });
}

/** Maps the `{ error: {...} }` envelope, also used for errors that arrive inside a stream. */
export function mapOpenAIErrorBody(provider: string, status: number, body: OpenAIErrorEnvelope): GatewayError {
  const detail = (typeof body.error === 'object' && body.error !== null ? body.error : {}) as {
    message?: unknown;
    code?: unknown;
    type?: unknown;
    param?: unknown;
  };
  const code = typeof detail.code === 'string' ? detail.code : undefined;
  const type = typeof detail.type === 'string' ? detail.type : undefined;
  const upstreamMessage = typeof detail.message === 'string' ? detail.message : undefined;
  const param = typeof detail.param === 'string' ? detail.param : null;
  const options = { provider, upstreamStatus: status, param };
  const say = (fallback: string) => `${provider}: ${upstreamMessage ?? fallback}`;

  if (code === 'context_length_exceeded') return new GatewayError('context_length_exceeded', say('the prompt is too long for this model'), options);
  if (code === 'content_filter' || code === 'content_policy_violation') return new GatewayError('content_filter', say('the content was filtered'), options);
  if (code === 'insufficient_quota' || type === 'insufficient_quota') {
    return new GatewayError('upstream_quota_exceeded', `${provider}: the gateway's account has no quota left.`, options);
  }
  if (status === 400 || status === 422) return new GatewayError('upstream_bad_request', say('the request was refused'), options);
  // Never echo an upstream authentication message: it quotes the rejected key.
  if (status === 401) return new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's credentials.`, options);
  if (status === 404) return new GatewayError('upstream_not_found', say('the model or endpoint does not exist'), options);
  // The message names the gateway's organization (Azure: its pricing tier) and limits; the client need not see it.
  if (status === 429) return new GatewayError('rate_limit_exceeded', `${provider} is rate limiting requests.`, options);
  if (status === 500 && type === 'server_error' && upstreamMessage) return new GatewayError('upstream_server_error', say('server error'), options);
  return genericUpstreamError(provider, { status, headers: {}, bodyText: '' });
}

/** Reads OpenAI's `retry-after-ms`, held to a day as `retry-after` is, or else `retry-after` (seconds or an HTTP date). */
export function retryAfterSeconds(headers: UpstreamErrorResponse['headers']): number | undefined {
  const text = headers['retry-after-ms'];
  // A decimal count only: Number() reads a blank header as 0 (a retry at once, the retry-after ignored) and `0x3e8` as 1000.
  const ms = typeof text === 'string' && millisecondsText.test(text.trim()) ? Number(text) : Number.NaN;
  if (Number.isFinite(ms)) return Math.min(ms / 1000, maxRetryAfterSeconds);
  return readRetryAfterHeader(headers['retry-after']);
}

const millisecondsText = /^[0-9]+(\.[0-9]+)?(e\+?[0-9]+)?$/i;
