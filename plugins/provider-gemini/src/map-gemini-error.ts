import { GatewayError, genericUpstreamError, parseUpstreamJson, type UpstreamErrorResponse } from '@switchyard/core';
import type { GeminiErrorEnvelope } from './gemini-wire-types.js';
import { readRetryDelay } from './read-retry-delay.js';

/** A Gemini error response (google.rpc.Status envelope) → GatewayError. */
export function mapGeminiError(provider: string, response: UpstreamErrorResponse): GatewayError {
  let body: unknown;
  try {
    body = parseUpstreamJson(response.bodyText);
  } catch {
    // HTML or empty bodies (a proxy's 502): the status decides alone.
  }
  return mapGeminiErrorBody(provider, response.status, unwrapErrorList(body) ?? {}, response.headers);
}

/**
 * The envelope of an error body: the object itself, or the first item of a list. The
 * streaming endpoint writes its answer as a JSON list, and an error as `[{"error": …}]`;
 * read as an object, the list had no `error`, and a bad key was a 400 of unknown cause.
 */
export function unwrapErrorList(body: unknown): GeminiErrorEnvelope | undefined {
  const envelope: unknown = Array.isArray(body) ? body[0] : body;
  return typeof envelope === 'object' && envelope !== null && !Array.isArray(envelope) ? (envelope as GeminiErrorEnvelope) : undefined;
}

/**
 * The HTTP status the `code` of an envelope that came at 200 (a stream's error event, a
 * whole answer a proxy wrote) stands for: an integer 400–599, else 500 (its `status` word
 * still decides, in mapGeminiErrorBody). The code is the upstream's word: taken as it
 * came, 200, 0 or -1 made the failure a 400 upstream_bad_request (the client blamed, no
 * other deployment tried), and 1e309 a "failed with status Infinity".
 */
export function errorEnvelopeStatus(code: unknown): number {
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code <= 599 ? code : 500;
}

/**
 * Maps the `{ error: { code, message, status, details } }` envelope; also used for
 * the error event of a stream that fails after it began.
 */
export function mapGeminiErrorBody(
  provider: string,
  status: number,
  body: GeminiErrorEnvelope,
  headers: UpstreamErrorResponse['headers'] = {},
): GatewayError {
  const error = typeof body.error === 'object' && body.error !== null ? body.error : {};
  const upstreamMessage = typeof error.message === 'string' && error.message !== '' ? error.message : undefined;
  const rpcStatus = typeof error.status === 'string' ? error.status : undefined;
  const details = Array.isArray(error.details) ? (error.details as unknown[]) : [];
  const options = { provider, upstreamStatus: status, param: blamedField(details) };
  const say = (fallback: string) => `${provider}: ${upstreamMessage ?? fallback}`;

  // Gemini answers a bad key with 400 INVALID_ARGUMENT; clients expect a 401. Never
  // echo its message: authentication messages are where keys get quoted.
  if (status === 401 || rpcStatus === 'UNAUTHENTICATED' || hasReason(details, /^API_KEY_/)) {
    return new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's API key.`, options);
  }
  if (status === 400 && upstreamMessage && /input token count.*exceeds/i.test(upstreamMessage)) {
    return new GatewayError('context_length_exceeded', say('the prompt is too long for this model'), options);
  }
  // "User location is not supported", billing not enabled: the deployment's account, not the
  // client's request, so another deployment may serve it. The billing message names the project.
  if (rpcStatus === 'FAILED_PRECONDITION') {
    return new GatewayError('upstream_permission_denied', `${provider} cannot serve the gateway's account from its region or without billing.`, {
      ...options,
      retryable: true,
    });
  }
  if (status === 400) return new GatewayError('upstream_bad_request', say('the request was refused'), options);
  if (status === 403) return new GatewayError('upstream_permission_denied', say('access denied'), options);
  if (status === 404) return new GatewayError('upstream_not_found', say('the model or endpoint does not exist'), options);
  if (status === 429 || rpcStatus === 'RESOURCE_EXHAUSTED') {
    const retryAfterSeconds = readRetryDelay(details, headers);
    // Google's quota message names the gateway's project (`project_number:…`) and quota metrics: not the client's to see.
    return new GatewayError('rate_limit_exceeded', `${provider} is rate limiting requests.`, {
      ...options,
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    });
  }
  // A retryable failure's wait (RetryInfo, or a proxy's retry-after) goes on, as every provider's does.
  const retryAfterSeconds = readRetryDelay(details, headers);
  const retryable = retryAfterSeconds === undefined ? options : { ...options, retryAfterSeconds };
  if (status === 503 || rpcStatus === 'UNAVAILABLE') return new GatewayError('upstream_overloaded', say('the model is overloaded'), retryable);
  if (status === 504 || rpcStatus === 'DEADLINE_EXCEEDED') return new GatewayError('upstream_timeout', say('the deadline expired'), retryable);
  if (status === 500 || rpcStatus === 'INTERNAL') return new GatewayError('upstream_server_error', say('internal error'), retryable);
  return genericUpstreamError(provider, { status, headers, bodyText: '' });
}

function hasReason(details: unknown[], pattern: RegExp): boolean {
  return details.some((detail) => {
    const reason = typeof detail === 'object' && detail !== null ? (detail as { reason?: unknown }).reason : undefined;
    return typeof reason === 'string' && pattern.test(reason);
  });
}

/** The field a `google.rpc.BadRequest` detail blames, reported as OpenAI's `param`. */
function blamedField(details: unknown[]): string | null {
  for (const detail of details) {
    const violations = typeof detail === 'object' && detail !== null ? (detail as { fieldViolations?: unknown }).fieldViolations : undefined;
    if (!Array.isArray(violations)) continue;
    const field = (violations[0] as { field?: unknown } | undefined)?.field;
    if (typeof field === 'string' && field !== '') return field;
  }
  return null;
}
