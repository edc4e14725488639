import {
  context as otelContext,
  isSpanContextValid,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context as TraceContext,
  type Span,
} from '@opentelemetry/api';
import type { Request, Response } from 'express';
import type { Endpoint, RequestContext } from '../chain/request-context.js';
import { redactModelName } from '../errors/redact-model-name.js';
import { requestUsage } from '../gateway/request-cost.js';
import { attributes, boundedString } from './gen-ai-attributes.js';
import { gatewayTracer } from './gateway-tracer.js';
import { setUsageAttributes } from './set-usage-attributes.js';

/** The GenAI operation of each endpoint; the others are plain HTTP. */
const operations: Partial<Record<Endpoint, string>> = { chat: 'chat', embeddings: 'embeddings' };
/** Endpoints of the other chat dialects, each with several routes. */
const chatDialects: ReadonlySet<Endpoint> = new Set(['messages', 'responses']);
const routes: Partial<Record<Endpoint, string>> = { chat: '/v1/chat/completions', embeddings: '/v1/embeddings', models: '/v1/models' };

/**
 * Opens the request's span and ends it when the request is over (RequestContext.onFinished),
 * with what the context learnt by then. The parent is the active span when the app
 * has HTTP instrumentation, else the client's W3C `traceparent`. Returns the context
 * that carries the span, for the attempt spans; undefined when nothing is traced (no
 * SDK registered), so the hot path can skip all tracing with one check.
 */
export function startRequestSpan(req: Request, res: Response, context: RequestContext): TraceContext | undefined {
  const active = otelContext.active();
  const inInstrumentedServer = trace.getSpan(active) !== undefined;
  const parent = inInstrumentedServer ? active : propagation.extract(active, req.headers);
  const route = routes[context.endpoint];
  // Under an HTTP instrumentation's server span, ours is the gateway's part of that request.
  const kind = inInstrumentedServer ? SpanKind.INTERNAL : SpanKind.SERVER;
  const span = gatewayTracer.startSpan(route ? `${req.method} ${route}` : `${req.method} switchyard`, { kind }, parent);
  if (!isSpanContextValid(span.spanContext())) return undefined;
  if (span.isRecording()) {
    span.setAttributes({
      [attributes.httpMethod]: req.method,
      [attributes.requestId]: context.id,
      [attributes.endpoint]: context.endpoint,
    });
    if (context.clientRequestId) span.setAttribute(attributes.clientRequestId, context.clientRequestId);
    context.onFinished(() => endRequestSpan(span, context, req, res));
  } else {
    context.onFinished(() => span.end());
  }
  return trace.setSpan(parent, span);
}

function endRequestSpan(span: Span, context: RequestContext, req: Request, res: Response): void {
  const aborted = !res.writableFinished;
  const status = aborted ? 499 : res.statusCode;
  const errorCode = aborted ? 'client_closed_request' : context.error?.code;
  // The Messages and Responses routes also count tokens and read stored answers: only a request
  // parsed to be answered in the dialect (count_tokens parses one too, but answers it itself) is a chat.
  const operation = operations[context.endpoint] ?? (chatDialects.has(context.endpoint) && context.dialect && context.chatRequest ? 'chat' : undefined);
  const request = context.chatRequest ?? context.embeddingsRequest;
  // The route Express matched (an embedding app's own, a stored-response read, an ingress plugin's):
  // its pattern is code, never the client's path. The hot model routes leave it unset and keep their names.
  const routePath = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof routePath === 'string') {
    span.setAttribute(attributes.httpRoute, boundedString(routePath));
    span.updateName(`${req.method} ${boundedString(routePath)}`);
  }
  if (operation) {
    span.setAttribute(attributes.operationName, operation);
    if (request) span.updateName(`${operation} ${redactModelName(request.model)}`);
  }
  // Model names were checked at ingress (bounded, printable); one a client pasted a key into is blanked.
  if (request) span.setAttribute(attributes.requestModel, redactModelName(request.model));
  const chat = context.chatRequest;
  if (chat) {
    span.setAttribute(attributes.stream, chat.stream === true);
    setNumber(span, attributes.requestMaxTokens, chat.maxOutputTokens);
    setNumber(span, attributes.requestTemperature, chat.temperature);
    setNumber(span, attributes.requestTopP, chat.topP);
  }
  const principal = context.principal;
  if (principal) {
    span.setAttribute(attributes.keyId, boundedString(principal.keyId));
    span.setAttribute(attributes.keyKind, principal.kind);
    if (principal.team) span.setAttribute(attributes.team, boundedString(principal.team));
    if (principal.project) span.setAttribute(attributes.project, boundedString(principal.project));
  }
  const served = context.servedBy;
  if (served) {
    span.setAttribute(attributes.servedBy, boundedString(redactModelName(`${served.provider}/${served.model}`)));
    // gen_ai.provider.name comes from the attempt that answered (traceAttempt), which knows the plugin.
    span.setAttribute(attributes.provider, served.provider);
  }
  span.setAttribute(attributes.cacheHit, context.cacheHit);
  span.setAttribute(attributes.attempts, context.attempts.length);
  span.setAttribute(attributes.fallbacks, countFallbacks(context));
  // What the request is billed for, as its record says: a failed attempt the provider bills counts too.
  const usage = requestUsage(context);
  if (usage) setUsageAttributes(span, usage, true);
  if (context.firstByteMs !== undefined) span.setAttribute(attributes.timeToFirstByteMs, round(context.firstByteMs));
  span.setAttribute(attributes.httpStatus, status);
  if (errorCode) span.setAttribute(attributes.errorType, errorCode);
  // A server span is in error for the gateway's own failures and the upstreams', not for a client's 4xx;
  // a stream the upstream cut after its 200 went out failed as its error's status (502, 504) says.
  const failedStatus = aborted ? status : Math.max(status, context.error?.status ?? 0);
  if (failedStatus >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: errorCode ?? `status ${status}` });
  span.end();
}

/** Attempts that went to another deployment than the one tried before them. */
function countFallbacks(context: RequestContext): number {
  let fallbacks = 0;
  for (let index = 1; index < context.attempts.length; index++) {
    const previous = context.attempts[index - 1]!.deployment;
    const current = context.attempts[index]!.deployment;
    if (previous.provider !== current.provider || previous.model !== current.model) fallbacks++;
  }
  return fallbacks;
}

function setNumber(span: Span, name: string, value: number | undefined): void {
  if (value !== undefined && Number.isFinite(value)) span.setAttribute(name, value);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
