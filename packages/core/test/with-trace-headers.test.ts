import { ROOT_CONTEXT, defaultTextMapGetter, propagation, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { withTraceHeaders } from '../src/tracing/with-trace-headers.js';

/** Writes a fixed traceparent, and an authorization header the adapter's own must beat. */
const writingPropagator: TextMapPropagator = {
  inject(_context, carrier, setter) {
    setter.set(carrier, 'traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    setter.set(carrier, 'authorization', 'from-the-propagator');
  },
  extract: (context) => context,
  fields: () => ['traceparent'],
};

describe('withTraceHeaders', () => {
  afterEach(() => propagation.disable());

  it('returns the adapter headers themselves, uncopied and untouched, when no propagator writes', () => {
    const headers = { authorization: 'Bearer secret', 'content-type': 'application/json' };
    expect(withTraceHeaders(headers, ROOT_CONTEXT)).toBe(headers);
    expect(headers).toEqual({ authorization: 'Bearer secret', 'content-type': 'application/json' });
  });

  it('adds what the propagator writes to a copy, the adapter headers winning', () => {
    propagation.setGlobalPropagator(writingPropagator);
    const headers = { authorization: 'Bearer secret' };
    const sent = withTraceHeaders(headers, ROOT_CONTEXT);
    expect(sent).toEqual({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', authorization: 'Bearer secret' });
    expect(headers).toEqual({ authorization: 'Bearer secret' });
    // Nothing of one call's injection leaks into the next once the propagator is gone.
    propagation.disable();
    expect(withTraceHeaders(headers, ROOT_CONTEXT)).toBe(headers);
  });

  it('leaves nothing behind when a propagator throws', () => {
    propagation.setGlobalPropagator({
      ...writingPropagator,
      inject(_context, carrier, setter) {
        setter.set(carrier, 'traceparent', 'half-written');
        throw new Error('propagator failed');
      },
    });
    const headers = { authorization: 'Bearer secret' };
    expect(() => withTraceHeaders(headers, ROOT_CONTEXT)).toThrow('propagator failed');
    propagation.disable();
    expect(withTraceHeaders(headers, ROOT_CONTEXT)).toBe(headers);
  });

  it("sends the client's trace context upstream but never its baggage (NodeSDK's default propagators)", () => {
    propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const client = propagation.extract(ROOT_CONTEXT, { traceparent, tracestate: 'vendor=abc', baggage: 'secret=1,user=alice' }, defaultTextMapGetter);
    expect(propagation.getBaggage(client)?.getEntry('secret')?.value).toBe('1');
    const sent = withTraceHeaders({ authorization: 'Bearer secret' }, client);
    expect(sent).toEqual({ traceparent, tracestate: 'vendor=abc', authorization: 'Bearer secret' });
    // Baggage alone (no trace) adds nothing: the adapter's headers go out as they are.
    const headers = { authorization: 'Bearer secret' };
    expect(withTraceHeaders(headers, propagation.extract(ROOT_CONTEXT, { baggage: 'secret=1' }, defaultTextMapGetter))).toBe(headers);
  });
});
