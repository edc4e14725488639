import { context as otelContext, propagation, type Context as TraceContext } from '@opentelemetry/api';

/**
 * An upstream request's headers with the trace context the registered propagator
 * writes (W3C `traceparent`, `tracestate`). Without an SDK the propagator writes
 * nothing and the adapter's headers are returned as they are, uncopied. The
 * adapter's own headers win: a signed request (SigV4) must go out as signed.
 */
export function withTraceHeaders(headers: Record<string, string>, traceContext: TraceContext = otelContext.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(traceContext, carrier);
  return Object.keys(carrier).length === 0 ? headers : { ...carrier, ...headers };
}
