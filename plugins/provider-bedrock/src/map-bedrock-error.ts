import { GatewayError, genericUpstreamError, parseUpstreamJson, readRetryAfterHeader, type UpstreamErrorResponse } from '@switchyard/core';
import type { BedrockErrorBody } from './bedrock-wire-types.js';

/** HTTP statuses of the exceptions, for exception frames that arrive inside a 200 stream. */
const statusByException: Record<string, number> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  IncompleteSignature: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  ExpiredTokenException: 403,
  InvalidClientTokenId: 403,
  MissingAuthenticationTokenException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ModelErrorException: 424,
  ModelStreamErrorException: 424,
  ThrottlingException: 429,
  ModelNotReadyException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
};

const credentialExceptions = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
]);

/** A Bedrock error response → GatewayError, by the `x-amzn-ErrorType` header (else the status); `retry-after` kept if sent. */
export function mapBedrockError(provider: string, response: UpstreamErrorResponse): GatewayError {
  let body: BedrockErrorBody = {};
  try {
    const parsed: unknown = parseUpstreamJson(response.bodyText);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as BedrockErrorBody;
  } catch {
    // HTML or empty bodies (a proxy's 502): the header and status decide alone.
  }
  const type = errorTypeOf(header(response.headers, 'x-amzn-errortype')) ?? errorTypeOf(body.__type);
  const error = mapBedrockException(provider, type, body, response.status);
  // Bedrock documents no retry hint; a proxy in front of it may add one.
  const retryAfter = readRetryAfterHeader(header(response.headers, 'retry-after'));
  if (!error.retryable || !retryAfter) return error;
  return new GatewayError(error.code, error.message, { provider, upstreamStatus: response.status, retryAfterSeconds: retryAfter });
}

/**
 * Maps one exception by name: from the header of an error response, or the
 * `:exception-type` of a stream frame (`throttlingException`; the case of the
 * first letter is ignored). Without a status, the exception's own is used.
 */
export function mapBedrockException(provider: string, type: string | undefined, body: BedrockErrorBody, status?: number): GatewayError {
  const name = type ? type.charAt(0).toUpperCase() + type.slice(1) : undefined;
  // Own keys only: an exception named `__proto__` must not become the status.
  const effectiveStatus = status ?? (name !== undefined && Object.hasOwn(statusByException, name) ? statusByException[name] : undefined) ?? 500;
  const options = { provider, upstreamStatus: effectiveStatus };
  const upstreamMessage = typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : undefined;
  const say = (fallback: string) => `${provider}: ${upstreamMessage ?? fallback}`;

  // Never echo an upstream credential message: it may quote the key id or token.
  const rejectedCredentials = new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's credentials.`, options);
  if (name !== undefined && credentialExceptions.has(name)) return rejectedCredentials;
  switch (name) {
    case 'ValidationException':
      if (upstreamMessage && isContextLengthMessage(upstreamMessage)) {
        return new GatewayError('context_length_exceeded', say('the prompt is too long for this model'), options);
      }
      return new GatewayError('upstream_bad_request', say('the request was refused'), options);
    case 'AccessDeniedException':
      // Never echoed: IAM's message names the gateway's account, role or user, and the policies that denied it.
      return new GatewayError('upstream_permission_denied', `${provider} denied the gateway access to this model.`, options);
    case 'ResourceNotFoundException':
      return new GatewayError('upstream_not_found', say('the model does not exist'), options);
    case 'ThrottlingException':
      return new GatewayError('rate_limit_exceeded', `${provider} is rate limiting requests.`, options);
    case 'ServiceQuotaExceededException':
      return new GatewayError('upstream_quota_exceeded', say('a service quota of the gateway account is used up'), options);
    case 'ModelNotReadyException':
    case 'ServiceUnavailableException':
      // The model is being loaded or Bedrock is out of capacity: another deployment or a retry may serve.
      return new GatewayError('upstream_overloaded', `${provider} is overloaded or the model is not ready.`, options);
    case 'ModelTimeoutException':
      return new GatewayError('upstream_timeout', `${provider}: the model timed out.`, options);
    case 'InternalServerException':
      return new GatewayError('upstream_server_error', `${provider} had an internal error.`, options);
    case 'ModelErrorException':
    case 'ModelStreamErrorException':
      return new GatewayError('upstream_server_error', say('the model failed'), options);
  }
  // No (known) type: a Bedrock API key refused comes as a bare 403 (UNCONFIRMED wording).
  if (effectiveStatus === 401 || (effectiveStatus === 403 && upstreamMessage && /authenticat|api key|security token/i.test(upstreamMessage))) {
    return rejectedCredentials;
  }
  if (effectiveStatus === 400 && upstreamMessage) {
    return isContextLengthMessage(upstreamMessage)
      ? new GatewayError('context_length_exceeded', say('the prompt is too long for this model'), options)
      : new GatewayError('upstream_bad_request', say('the request was refused'), options);
  }
  return genericUpstreamError(provider, { status: effectiveStatus, headers: {}, bodyText: '' });
}

// "Input is too long for requested model.", "too many input tokens", and Anthropic's "prompt is too long: N tokens > M".
function isContextLengthMessage(message: string): boolean {
  return /input is too long|prompt is too long|too many input tokens|exceeds? (the )?(model'?s? )?(maximum )?context/i.test(message);
}

// `ThrottlingException:http://internal.amazon.com/coral/…`: the name is what comes before the first ':' (as botocore reads it).
function errorTypeOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  const name = value.split(':')[0]!.trim();
  // `__type` may be namespaced, `com.amazon.coral.service#UnrecognizedClientException`.
  return name.slice(name.lastIndexOf('#') + 1) || undefined;
}

// Header names arrive lower-cased from the transport; a hand-built response may spell them as AWS does.
function header(headers: UpstreamErrorResponse['headers'], name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}
