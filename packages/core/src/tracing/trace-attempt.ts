import { context as otelContext, SpanKind, trace, type Context as TraceContext } from '@opentelemetry/api';
import type { Deployment, ProviderResult, RequestContext } from '../chain/request-context.js';
import { toGatewayError } from '../errors/gateway-error.js';
import { redactModelName } from '../errors/redact-model-name.js';
import { attributes, boundedString, genAiProviderName } from './gen-ai-attributes.js';
import { gatewayTracer } from './gateway-tracer.js';
import { recordSpanError } from './record-span-error.js';
import { traceResult } from './trace-result.js';

/** What traceAttempt needs to know about the attempt besides the request. */
export interface TracedAttempt {
  deployment: Deployment;
  /** The provider's plugin name (`openai`, `bedrock`), for `gen_ai.provider.name`. */
  plugin: string;
  /** Calls the provider; `traceContext` carries the attempt's span, for the upstream `traceparent`. */
  call: (traceContext: TraceContext) => Promise<ProviderResult>;
}

/**
 * Runs one upstream attempt in its own CLIENT span, a child of the request's span:
 * provider, model, attempt number and why it was made (the previous attempt's
 * error code), then the answer's model, usage and finish reasons, or its error
 * code. A stream's span ends when the stream does, cut or not. Only called when
 * the request is traced (`context.traceContext` set).
 */
export async function traceAttempt(context: RequestContext, parent: TraceContext, attempt: TracedAttempt): Promise<ProviderResult> {
  const { deployment, plugin } = attempt;
  const operation = context.endpoint === 'embeddings' ? 'embeddings' : 'chat';
  const previous = context.attempts.at(-1);
  const provider = genAiProviderName(plugin);
  const span = gatewayTracer.startSpan(
    `${operation} ${boundedString(redactModelName(deployment.model))}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [attributes.operationName]: operation,
        [attributes.providerName]: provider,
        [attributes.system]: provider,
        [attributes.provider]: deployment.provider,
        [attributes.requestModel]: boundedString(redactModelName(deployment.model)),
        [attributes.attemptNumber]: context.attempts.length + 1,
        ...(previous && {
          [attributes.retryReason]: previous.errorCode ?? 'none',
          [attributes.fallback]: previous.deployment.provider !== deployment.provider || previous.deployment.model !== deployment.model,
        }),
      },
    },
    parent,
  );
  const attemptContext = trace.setSpan(parent, span);
  const started = performance.now();
  let result: ProviderResult;
  try {
    // Active as well as passed on: instrumentation of the app's own (undici, http) nests under the attempt.
    result = await otelContext.with(attemptContext, attempt.call, undefined, attemptContext);
  } catch (error) {
    recordSpanError(span, toGatewayError(error));
    span.end();
    throw error;
  }
  const requestSpan = trace.getSpan(parent);
  requestSpan?.setAttribute(attributes.providerName, provider);
  requestSpan?.setAttribute(attributes.system, provider);
  return traceResult(result, {
    span,
    requestSpan,
    attemptStartedAt: started,
    requestStartedAt: context.startedAt,
    onFinished: (listener) => context.onFinished(listener),
  });
}
