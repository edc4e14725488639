import { openAIResponsesDialect } from '../ingress/responses/openai-responses-dialect.js';
import { parseResponsesRequest } from '../ingress/responses/parse-responses-request.js';
import type { Request, RequestHandler, Response } from 'express';
import { createRequestContext, findContext, markChainSettled, type Endpoint, type RequestContext } from '../chain/request-context.js';
import { GatewayError } from '../errors/gateway-error.js';
import { anthropicMessagesDialect } from '../ingress/anthropic/anthropic-messages-dialect.js';
import { parseEmbeddingsRequest } from '../ingress/openai/embeddings.js';
import { parseChatCompletionsRequest } from '../ingress/openai/parse-chat-completions-request.js';
import { defaultIngressLimits, type IngressLimits } from '../ingress/ingress-limits.js';
import { createLogger, type Logger } from '../logging/create-logger.js';

export interface ContextMiddlewareOptions {
  /**
   * What the route is. `custom` (the default) for a route of the app's own: steps
   * see no model and no prompt (a rate limit counts requests, not tokens). `chat` or
   * `embeddings` when the route takes an OpenAI body, `messages` for an Anthropic
   * Messages body (already parsed into `req.body`): it is checked and becomes the
   * canonical request every step sees.
   */
  endpoint?: Endpoint;
  /** The logger each request's child logger comes from; default: a pino logger at `warn`. */
  logger?: Logger;
  /** Called once with each new context; `createSteps` counts the request and records its usage here. */
  onContext?: (context: RequestContext, res: Response) => void;
  /** Bounds on the parsed body (model name, messages); `createSteps` passes its config's `limits`. Default: the config's defaults. */
  limits?: IngressLimits;
}

/**
 * Creates the Switchyard request context on a route outside the gateway router,
 * so steps (auth, rate-limit, key-scope …) can be mounted in front of the app's
 * own handlers. A request that already has a context keeps it.
 *
 * @example app.post('/api/summarize', express.json(), contextMiddleware(), rateLimitStep, handler)
 */
export function contextMiddleware(options: ContextMiddlewareOptions = {}): RequestHandler {
  const endpoint = options.endpoint ?? 'custom';
  let logger = options.logger;
  return (req, res, next) => {
    ensureContext(req, res, endpoint, (logger ??= createLogger({ level: 'warn' })), options.onContext, options.limits);
    next();
  };
}

/** The request's context, created (and its body parsed for `chat`/`embeddings`) if it has none. */
export function ensureContext(
  req: Request,
  res: Response,
  endpoint: Endpoint,
  logger: Logger,
  onContext?: (context: RequestContext, res: Response) => void,
  limits: IngressLimits = defaultIngressLimits,
): RequestContext {
  const existing = findContext(res);
  if (existing) return existing;
  const context = createRequestContext(req, res, endpoint, logger);
  // The app's own handler owns the response here, and no Switchyard chain wraps it
  // to say when it returned: the request is over when its response has closed.
  markChainSettled(res);
  onContext?.(context, res);
  if (endpoint === 'chat' || endpoint === 'messages' || endpoint === 'responses' || endpoint === 'embeddings') {
    if (req.body === undefined) {
      throw new GatewayError('invalid_json', 'The request has no JSON body; mount a JSON body parser before the Switchyard context.');
    }
    if (endpoint === 'chat') {
      const parsed = parseChatCompletionsRequest(req.body, limits);
      context.chatRequest = parsed.request;
      context.includeStreamUsage = parsed.includeStreamUsage;
      if (parsed.translationRefusal) context.translationRefusal = parsed.translationRefusal;
    } else if (endpoint === 'messages') {
      const parsed = anthropicMessagesDialect.parse(req.body, limits);
      context.chatRequest = parsed.request;
      context.includeStreamUsage = parsed.includeStreamUsage;
      if (parsed.translationRefusal) context.translationRefusal = parsed.translationRefusal;
      context.dialect = anthropicMessagesDialect;
    } else if (endpoint === 'responses') {
      const parsed = parseResponsesRequest(req.body, limits);
      // Stored conversations are the gateway's /v1/responses route's; an app's own route has no store to continue from.
      if (parsed.previousResponseId !== undefined) {
        throw new GatewayError('invalid_request', "previous_response_id is only supported on the gateway's own /v1/responses route.", { param: 'previous_response_id' });
      }
      context.chatRequest = parsed.request;
      context.includeStreamUsage = parsed.includeStreamUsage;
      if (parsed.translationRefusal) context.translationRefusal = parsed.translationRefusal;
      // On the pass-through nothing is kept at OpenAI either: the gateway stores, or nobody does.
      context.passthroughBody = { ...(req.body as Record<string, unknown>), store: false };
      context.dialect = openAIResponsesDialect;
    } else {
      context.embeddingsRequest = parseEmbeddingsRequest(req.body, limits).request;
    }
  }
  return context;
}
