import type { GatewayError } from '@switchyard/core';
import type { GeminiErrorBody } from './gemini-wire-types.js';

/** google.rpc canonical codes by HTTP status, as Google APIs answer them. */
const statusByHttp: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'UNIMPLEMENTED',
  408: 'DEADLINE_EXCEEDED',
  409: 'ABORTED',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/**
 * A GatewayError in Gemini's google.rpc.Status envelope with the catalogue's HTTP
 * status. The gateway's stable code is the ErrorInfo `reason` (domain
 * `switchyard`); a retry hint is a RetryInfo `retryDelay`, where Google's clients
 * look for it (Gemini sends no Retry-After). The message is redacted like every error.
 */
export function formatGeminiError(error: GatewayError, requestId?: string): { status: number; body: GeminiErrorBody } {
  const { error: openAI } = error.toBody();
  const status = statusByHttp[error.status] ?? (error.status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION');
  const details: Array<Record<string, unknown>> = [
    {
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
      reason: openAI.code,
      domain: 'switchyard',
      ...(requestId !== undefined && { metadata: { request_id: requestId } }),
    },
  ];
  if (error.retryAfterSeconds !== undefined) details.push({ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${Math.ceil(error.retryAfterSeconds)}s` });
  return { status: error.status, body: { error: { code: error.status, message: openAI.message, status, details } } };
}
