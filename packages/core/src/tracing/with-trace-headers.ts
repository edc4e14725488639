import { context as otelContext, propagation, type Context as TraceContext, type TextMapSetter } from '@opentelemetry/api';

/**
 * What the propagator wrote during the current `inject` call. `inject` is
 * synchronous, so one module-level slot serves every request; it is made only when
 * a propagator writes something, which without an SDK it never does.
 */
let injected: Record<string, string> | undefined;

const collectInjected: TextMapSetter<unknown> = {
  set(_carrier, key, value) {
    // The W3C propagator writes a client's tracestate it parsed to nothing (oversized, no
    // list member) as "": an empty header, which W3C Trace Context says not to send.
    if (value !== '') (injected ??= {})[key] = value;
  },
};

/**
 * An upstream request's headers with the trace context the registered propagator
 * writes (W3C `traceparent`, `tracestate`). Without an SDK the propagator writes
 * nothing and the adapter's headers are returned as they are, uncopied, with no
 * carrier made per request. The adapter's own headers win: a signed request (SigV4)
 * must go out as signed.
 *
 * Baggage never goes upstream: the context's baggage holds whatever a client sent in
 * its `baggage` header (extracted by our request span or the app's HTTP instrumentation),
 * and a provider is outside the trust boundary. Only a context that has baggage is
 * copied without it, so a request without baggage pays one map lookup.
 */
export function withTraceHeaders(headers: Record<string, string>, traceContext: TraceContext = otelContext.active()): Record<string, string> {
  injected = undefined;
  try {
    propagation.inject(withoutBaggage(traceContext), headers, collectInjected);
    return injected === undefined ? headers : { ...(injected as Record<string, string>), ...headers };
  } finally {
    injected = undefined;
  }
}

function withoutBaggage(traceContext: TraceContext): TraceContext {
  return propagation.getBaggage(traceContext) === undefined ? traceContext : propagation.deleteBaggage(traceContext);
}
