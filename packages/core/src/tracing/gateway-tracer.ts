import { trace, type Tracer } from '@opentelemetry/api';

/**
 * The tracer every Switchyard span comes from. The API hands out a proxy that
 * forwards to whatever tracer provider the user registers, before or after this
 * module loads; until one is registered every span is a non-recording no-op.
 */
export const gatewayTracer: Tracer = trace.getTracer('@switchyard/core');
