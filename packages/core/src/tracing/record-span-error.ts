import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { GatewayError } from '../errors/gateway-error.js';
import { attributes } from './gen-ai-attributes.js';

/**
 * Marks a span failed with the error's catalogue code, the upstream's status and
 * its Retry-After. The message stays out: it may quote a provider's words.
 */
export function recordSpanError(span: Span, error: GatewayError): void {
  span.setAttribute(attributes.errorType, error.code);
  if (error.upstreamStatus !== undefined) span.setAttribute(attributes.httpStatus, error.upstreamStatus);
  if (error.retryAfterSeconds !== undefined && Number.isFinite(error.retryAfterSeconds)) {
    span.setAttribute(attributes.retryAfterSeconds, error.retryAfterSeconds);
  }
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.code });
}
