import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import { createRequestContext, findContext, type Endpoint } from '../chain/request-context.js';
import { runSteps } from '../chain/run-steps.js';
import { GatewayError, toGatewayError } from '../errors/gateway-error.js';
import { readJsonBody, parseByteSize } from '../http/read-json-body.js';
import { sendError } from '../http/send-error.js';
import { sendJson } from '../http/send-json.js';
import { parseEmbeddingsRequest } from '../ingress/openai/embeddings.js';
import { parseChatCompletionsRequest } from '../ingress/openai/parse-chat-completions-request.js';
import type { GatewayRuntime, HealthSection } from './gateway-runtime.js';
import type { RequestTracker } from './request-tracker.js';

/**
 * The gateway's Express router: the OpenAI-compatible endpoints, each running
 * body parsing, the request context and then the configured chain, in order.
 */
export function buildRouter(
  runtime: GatewayRuntime,
  steps: RequestHandler[],
  tracker: RequestTracker,
  healthChecks: ReadonlyMap<string, () => HealthSection>,
): Router {
  const router = express.Router();
  const parseJson = readJsonBody(parseByteSize(runtime.config.server.body_limit));

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

  router.get('/metrics', (_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(formatMetrics(runtime));
  });

  const begin = (endpoint: Endpoint): RequestHandler => (req, res, next) => {
    const context = createRequestContext(req, res, endpoint, runtime.logger);
    tracker.track(context, res);
    if (tracker.draining) {
      res.setHeader('connection', 'close');
      throw new GatewayError('shutting_down', 'The gateway is shutting down; retry on another instance.');
    }
    if (endpoint === 'chat') {
      const parsed = parseChatCompletionsRequest(req.body);
      context.chatRequest = parsed.request;
      context.includeStreamUsage = parsed.includeStreamUsage;
    } else if (endpoint === 'embeddings') {
      context.embeddingsRequest = parseEmbeddingsRequest(req.body).request;
    }
    next();
  };

  router.post('/v1/chat/completions', runSteps([parseJson, begin('chat'), ...steps]));
  router.post('/v1/embeddings', runSteps([parseJson, begin('embeddings'), ...steps]));
  const models = runSteps([begin('models'), ...steps]);
  router.get('/v1/models', models);
  router.get('/v1/models/*model', models);

  for (const path of ['/v1/chat/completions', '/v1/embeddings', '/v1/models', '/health']) {
    router.all(path, (req) => {
      throw new GatewayError('method_not_allowed', `${req.method} is not allowed on ${path}.`);
    });
  }
  router.use((req: Request) => {
    throw new GatewayError('not_found', `Unknown endpoint ${req.method} ${req.path}.`);
  });
  router.use(errorHandler(runtime));
  return router;
}

/** Prometheus text format. More counters come with the rate-limit and breaker steps. */
function formatMetrics(runtime: GatewayRuntime): string {
  const lines = [
    '# HELP switchyard_unpriced_calls_total Calls of models without a price, recorded at cost 0.',
    '# TYPE switchyard_unpriced_calls_total counter',
  ];
  for (const [key, count] of runtime.unpricedCalls) {
    const slash = key.indexOf('/');
    const label = (value: string) => value.replace(/["\\\n]/g, '_');
    lines.push(`switchyard_unpriced_calls_total{provider="${label(key.slice(0, slash))}",model="${label(key.slice(slash + 1))}"} ${count}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Turns anything that went wrong into an OpenAI-shaped error, and logs it once. */
function errorHandler(runtime: GatewayRuntime): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next) => {
    const gatewayError = toGatewayError(error);
    const context = findContext(res);
    if (context) context.error = gatewayError;
    const logger = context?.logger ?? runtime.logger;
    // A store outage is logged by the store, at most once per interval: not once per request here.
    if (gatewayError.status >= 500 && gatewayError.upstreamStatus === undefined && gatewayError.code !== 'store_unavailable') {
      logger.error({ err: error, path: req.path }, 'request failed inside the gateway');
    }
    sendError(res, gatewayError);
  };
}
