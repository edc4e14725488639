import type { GatewayError } from '../../errors/gateway-error.js';
import type { AnthropicErrorBody } from './anthropic-messages-wire-types.js';

/** Anthropic's error `type` per HTTP status (https://docs.claude.com/en/api/errors). */
const typeByStatus: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/**
 * Anthropic answers an overloaded API with its own 529, not the 503 the catalogue (OpenAI's
 * surface) uses; the gateway's other 503s (draining, its store down) are not overload and
 * stay 503 `api_error`.
 */
const overloadedStatus = 529;

/** The HTTP status Anthropic would answer this error with. */
function anthropicErrorStatus(error: GatewayError): number {
  return error.code === 'upstream_overloaded' ? overloadedStatus : error.status;
}

/**
 * A GatewayError in Anthropic's envelope, with the catalogue's status (529 for an
 * overloaded upstream, as Anthropic's API), so the Anthropic SDKs raise their matching
 * error class. The gateway's stable code stays in the message's reach as `error.code`,
 * an extra field the SDKs ignore.
 */
export function formatAnthropicError(error: GatewayError, requestId?: string): { status: number; body: AnthropicErrorBody } {
  const { error: openAIError } = error.toBody();
  const status = anthropicErrorStatus(error);
  const type = typeByStatus[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  const body: AnthropicErrorBody = { type: 'error', error: { type, message: openAIError.message, code: openAIError.code } };
  if (requestId !== undefined) body.request_id = requestId;
  return { status, body };
}
