import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import { createRequestContext, getContext, markChainSettled, nameUntrackedAnswer, type Endpoint } from '../chain/request-context.js';
import { runSteps } from '../chain/run-steps.js';
import { GatewayError } from '../errors/gateway-error.js';
import { errorHandler } from '../http/error-handler.js';
import { readJsonBody, parseByteSize } from '../http/read-json-body.js';
import { sendJson } from '../http/send-json.js';
import { refuseMethod } from '../http/refuse-method.js';
import { unknownEndpoint } from '../http/shown-path.js';
import { anthropicMessagesDialect } from '../ingress/anthropic/anthropic-messages-dialect.js';
import { countMessagesTokens } from '../ingress/anthropic/count-messages-tokens.js';
import { isAnthropicClient } from '../ingress/anthropic/format-anthropic-models.js';
import type { IngressDialect } from '../ingress/ingress-dialect.js';
import { ingressLimitsFrom } from '../ingress/ingress-limits.js';
import { parseEmbeddingsRequest } from '../ingress/openai/embeddings.js';
import { metricsHandler } from '../metrics/metrics-handler.js';
import { parseChatCompletionsRequest } from '../ingress/openai/parse-chat-completions-request.js';
import type { GatewayRuntime, HealthSection } from './gateway-runtime.js';
import type { RequestTracker } from './request-tracker.js';
import type { IngressContribution } from '../plugin/define-plugin.js';
import { mountIngressPlugins } from './mount-ingress-plugins.js';
import { mountResponsesRoutes } from './responses-routes.js';
import { HotRoutes } from './hot-routes.js';

/** A built chain step, and whether it may run before the body is read. */
export interface BuiltStep {
  handler: RequestHandler;
  headersOnly: boolean;
  /** The chain entry's name (`rate-limit`), when known. */
  name?: string;
}

/** The chain's steps that admit a request without calling a model: a token count goes through them too. */
const admissionSteps = new Set(['key-scope', 'rate-limit']);

/**
 * What an app's own route behind `guard` goes through after the header-only steps (auth): the
 * request limits. Not key-scope: its endpoint scope names the gateway's endpoints, and a route of
 * the app's own (a key's own view) is none of them.
 */
const guardSteps = new Set(['rate-limit']);

/** The gateway's router, and the guard that puts an app's own route behind its auth and rate limit. */
export interface GatewayRoutes {
  router: Router;
  guard: (handler: RequestHandler) => [RequestHandler, ErrorRequestHandler];
}

/**
 * The gateway's Express router: the OpenAI-compatible endpoints, each running the
 * request context, the leading header-only steps (auth), body parsing and then the
 * rest of the configured chain, in order. Authentication before the body: a caller
 * without a valid key is answered 401 without the body being read or waited for.
 */
export function buildRouter(
  runtime: GatewayRuntime,
  builtSteps: BuiltStep[],
  tracker: RequestTracker,
  healthChecks: ReadonlyMap<string, () => HealthSection>,
  ingressPlugins: ReadonlyArray<{ id: string; contribution: IngressContribution }> = [],
): GatewayRoutes {
  const router = express.Router();
  const hotRoutes = new HotRoutes();
  // First, so a model call is matched with one lookup instead of a walk over every layer.
  router.use(hotRoutes.middleware);
  const parseJson = readJsonBody(parseByteSize(runtime.config.server.body_limit), {
    maxDepth: runtime.config.limits.max_json_depth,
    maxKeys: runtime.config.limits.max_json_keys,
  });
  const ingressLimits = ingressLimitsFrom(runtime.config.limits);

  router.get('/health', (_req, res) => {
    const checks: Record<string, HealthSection> = {};
    let healthy = !tracker.draining;
    for (const [name, check] of healthChecks) {
      checks[name] = check();
      healthy &&= checks[name].healthy;
    }
    sendJson(res, healthy ? 200 : 503, {
      status: tracker.draining ? 'draining' : healthy ? 'ok' : 'degraded',
      providers: [...runtime.providers.keys()],
      ...(healthChecks.size > 0 && { checks }),
    });
  });

  // Liveness, apart from readiness: the process answers HTTP. A degraded store or an
  // open breaker (shared by every instance) makes /health 503, which should take
  // instances out of rotation, not restart them all at once.
  router.get('/health/live', (_req, res) => {
    sendJson(res, 200, { status: tracker.draining ? 'draining' : 'live' });
  });

  const metricsConfig = runtime.config.metrics;
  if (metricsConfig.enabled) {
    router.get(
      '/metrics',
      metricsHandler(runtime.metrics, { processMetrics: metricsConfig.process_metrics, ...(metricsConfig.token !== undefined && { token: metricsConfig.token }) }),
    );
  }

  const leading = builtSteps.findIndex((step) => !step.headersOnly);
  const split = leading === -1 ? builtSteps.length : leading;
  const beforeBody = builtSteps.slice(0, split).map((step) => step.handler);
  const afterBody = builtSteps.slice(split).map((step) => step.handler);
  const steps = [...beforeBody, ...afterBody];
  // What a request that calls no model still goes through: the key's scope and request limits.
  const admissionHandlers = handlersNamed(builtSteps.slice(split), admissionSteps);

  // Every answer on these routes is written by sendJson, sendError or the SseWriter.
  const contextOptions = { gatewayWritesAnswer: true, clientStallMs: runtime.config.limits.client_stall_ms };
  const begin = (endpoint: Endpoint, options = contextOptions): RequestHandler => (req, res, next) => {
    const context = createRequestContext(req, res, endpoint, runtime.logger, options);
    tracker.track(context, res);
    if (tracker.draining) {
      res.setHeader('connection', 'close');
      throw new GatewayError('shutting_down', 'The gateway is shutting down; retry on another instance.');
    }
    next();
  };

  const parseRequest = (endpoint: Endpoint): RequestHandler => (req, res, next) => {
    const context = getContext(res);
    if (endpoint === 'chat') {
      const parsed = parseChatCompletionsRequest(req.body, ingressLimits);
      context.chatRequest = parsed.request;
      context.includeStreamUsage = parsed.includeStreamUsage;
      if (parsed.translationRefusal) context.translationRefusal = parsed.translationRefusal;
    } else if (endpoint === 'embeddings') {
      context.embeddingsRequest = parseEmbeddingsRequest(req.body, ingressLimits).request;
    }
    next();
  };

  // Another dialect's chat endpoint: parsed to the same canonical request, answered in its own shape.
  const parseDialect = (dialect: IngressDialect): RequestHandler => (req, res, next) => {
    const context = getContext(res);
    const parsed = dialect.parse(req.body, ingressLimits);
    context.chatRequest = parsed.request;
    context.includeStreamUsage = parsed.includeStreamUsage;
    if (parsed.translationRefusal) context.translationRefusal = parsed.translationRefusal;
    context.dialect = dialect;
    next();
  };

  // The request is over when its response has closed and its chain has returned.
  const chain = { onSettled: (_req: Request, res: Response) => markChainSettled(res) };
  const withBody = (endpoint: Endpoint) =>
    runSteps([begin(endpoint), ...beforeBody, parseJson, parseRequest(endpoint), ...afterBody], chain);
  hotRoutes.post(router, '/v1/chat/completions', withBody('chat'));
  hotRoutes.post(router, '/v1/embeddings', withBody('embeddings'));

  // Anthropic's Messages API: the same chain, every error in Anthropic's envelope.
  const anthropicErrors = errorHandler({ logger: runtime.logger, dialect: anthropicMessagesDialect });
  // Anthropic's SDKs read a request's id from `request-id` (message._request_id, APIError.requestID).
  const nameAnthropicRequest: RequestHandler = (_req, res, next) => {
    const context = getContext(res);
    context.responseHeaders.set('request-id', context.id);
    next();
  };
  hotRoutes.post(
    router,
    '/v1/messages',
    runSteps([begin('messages'), nameAnthropicRequest, ...beforeBody, parseJson, parseDialect(anthropicMessagesDialect), ...afterBody], chain),
    anthropicErrors,
  );
  // Counting calls no provider: authenticated, parsed and bounded like a message, scoped and
  // rate-limited as a request (no tokens), then estimated.
  hotRoutes.post(
    router,
    '/v1/messages/count_tokens',
    runSteps([begin('messages'), nameAnthropicRequest, ...beforeBody, parseJson, ...countMessagesTokens(ingressLimits, admissionHandlers)], chain),
    anthropicErrors,
  );
  // Refusals on the Anthropic surface are requests of their own (logged, counted), with the
  // `request-id` an Anthropic SDK reads from every error (APIError.requestID).
  // As a chain (runSteps with `chain`), so the request is over once answered: a context that no chain
  // marks settled stayed in flight for the 30 s grace, then was recorded with an error logged.
  for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
    router.all(path, runSteps([begin('messages'), nameAnthropicRequest, refuseMethod(['POST'], path)], chain), anthropicErrors);
  }
  // Anthropic's SDK calls more under /v1/messages (batches) than the gateway serves: an unknown one is a 404 its client can read.
  // A prefix, not a `*rest` parameter: a parameter is decoded first, and a path that is not valid
  // percent-encoding (`/v1/messages/%`) would fail there and be answered in OpenAI's envelope.
  const refuseUnknown = (req: Request) => {
    throw unknownEndpoint(req);
  };
  router.use('/v1/messages', runSteps([begin('messages'), nameAnthropicRequest, refuseUnknown], chain), anthropicErrors);
  mountResponsesRoutes(router, { hotRoutes, runtime, begin, beforeBody, afterBody, admission: admissionHandlers, parseJson, ingressLimits, chain });
  // Dialects from plugins (the config's `ingress:`): chat endpoints behind the same chain, errors in their shape.
  mountIngressPlugins(router, ingressPlugins, {
    chainFor: (parse) => runSteps([begin('chat'), ...beforeBody, parseJson, parse, ...afterBody], chain),
    limits: ingressLimits,
    logger: runtime.logger,
  });
  // An Anthropic client (its SDK's `models.list()`, Claude Code) is answered as Anthropic does: its shape, its errors, `request-id`.
  const nameAnthropicClientRequest: RequestHandler = (req, res, next) => {
    if (isAnthropicClient(req.headers)) getContext(res).responseHeaders.set('request-id', getContext(res).id);
    next();
  };
  const anthropicClientErrors: ErrorRequestHandler = (error, req, res, next) => {
    if (isAnthropicClient(req.headers)) anthropicErrors(error, req, res, next);
    else next(error);
  };
  const models = runSteps([begin('models'), nameAnthropicClientRequest, ...steps], chain);
  router.get('/v1/models', models, anthropicClientErrors);
  router.get('/v1/models/*model', models, anthropicClientErrors);
  // A model id that is not valid percent-encoding fails before the route runs (Express decodes `*model` first).
  router.use('/v1/models', anthropicClientErrors);

  const methodsOf: Array<[string, string[]]> = [
    ['/v1/chat/completions', ['POST']],
    ['/v1/embeddings', ['POST']],
    ['/v1/models', ['GET']],
    ['/v1/models/*model', ['GET']],
    ['/health', ['GET']],
    ['/health/live', ['GET']],
    ...(metricsConfig.enabled ? [['/metrics', ['GET']] as [string, string[]]] : []),
  ];
  for (const [path, methods] of methodsOf) router.all(path, nameUntrackedAnswer, refuseMethod(methods, path.replace('*model', '{model}')));
  // These refusals carry a request id but are not tracked as requests (no log line, no metrics).
  router.use(nameUntrackedAnswer, (req: Request) => {
    throw unknownEndpoint(req);
  });
  router.use(errorHandler({ logger: runtime.logger }));

  // An app's own route: its handler may answer with res.json, so the gateway's headers (x-request-id,
  // x-ratelimit-*) go on the response at once instead of waiting for the gateway to write the answer.
  const guarded = [begin('custom', { ...contextOptions, gatewayWritesAnswer: false }), ...beforeBody, ...handlersNamed(builtSteps.slice(split), guardSteps)];
  const guardErrors = errorHandler({ logger: runtime.logger });
  const guard = (handler: RequestHandler): [RequestHandler, ErrorRequestHandler] => [runSteps([...guarded, handler], chain), guardErrors];
  return { router, guard };
}

function handlersNamed(steps: readonly BuiltStep[], names: ReadonlySet<string>): RequestHandler[] {
  return steps.filter((step) => step.name !== undefined && names.has(step.name)).map((step) => step.handler);
}
