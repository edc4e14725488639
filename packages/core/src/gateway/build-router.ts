import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import { createRequestContext, findContext, type Endpoint } from '../chain/request-context.js';
import { GatewayError, toGatewayError } from '../errors/gateway-error.js';
import { sendError } from '../http/send-error.js';
import { parseEmbeddingsRequest } from '../ingress/openai/embeddings.js';
import { parseChatCompletionsRequest } from '../ingress/openai/parse-chat-completions-request.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { RequestTracker } from './request-tracker.js';

/**
 * The gateway's Express router: the OpenAI-compatible endpoints, each running
 * body parsing, the request context and then the configured chain, in order.
 */
export function buildRouter(runtime: GatewayRuntime, steps: RequestHandler[], tracker: RequestTracker): Router {
  const router = express.Router();
  // Any content type is read as JSON: clients that forget the header still get a clear answer.
  const parseJson = express.json({ limit: runtime.config.server.body_limit, type: () => true });

  router.get('/health', (_req, res) => {
    res.status(tracker.draining ? 503 : 200).json({
      status: tracker.draining ? 'draining' : 'ok',
      providers: [...runtime.providers.keys()],
    });
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

  router.post('/v1/chat/completions', parseJson, begin('chat'), ...steps);
  router.post('/v1/embeddings', parseJson, begin('embeddings'), ...steps);
  router.get('/v1/models', begin('models'), ...steps);
  router.get('/v1/models/*model', begin('models'), ...steps);

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

/** Turns anything that went wrong into an OpenAI-shaped error, and logs it once. */
function errorHandler(runtime: GatewayRuntime): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next) => {
    const gatewayError = fromBodyParser(error) ?? toGatewayError(error);
    const context = findContext(res);
    if (context) context.error = gatewayError;
    const logger = context?.logger ?? runtime.logger;
    if (gatewayError.status >= 500 && gatewayError.upstreamStatus === undefined) {
      logger.error({ err: error, path: req.path }, 'request failed inside the gateway');
    }
    sendError(res, gatewayError);
  };
}

/** body-parser marks its errors with a `type`; map those to the catalogue. */
function fromBodyParser(error: unknown): GatewayError | undefined {
  const type = (error as { type?: unknown }).type;
  switch (type) {
    case 'entity.parse.failed':
      return new GatewayError('invalid_json', 'The request body is not valid JSON.', { cause: error });
    case 'entity.too.large': {
      const limit = (error as { limit?: number }).limit;
      return new GatewayError('request_too_large', `The request body is larger than the limit${limit ? ` of ${limit} bytes` : ''}.`, {
        cause: error,
      });
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new GatewayError('unsupported_media_type', 'The request body encoding is not supported.', { cause: error });
    case 'request.aborted':
      return new GatewayError('client_closed_request', 'The client closed the connection.', { cause: error });
    default:
      return undefined;
  }
}
