import type { ErrorRequestHandler, Request, RequestHandler, Response, Router } from 'express';
import type { ChatRequest } from '../canonical/chat-request.js';
import { getContext, nameUntrackedAnswer, type Endpoint, type RequestContext } from '../chain/request-context.js';
import { runSteps, type RunStepsOptions } from '../chain/run-steps.js';
import { GatewayError, isGatewayError } from '../errors/gateway-error.js';
import { errorHandler } from '../http/error-handler.js';
import { refuseMethod } from '../http/refuse-method.js';
import { sendJson } from '../http/send-json.js';
import { unknownEndpoint } from '../http/shown-path.js';
import type { IngressLimits } from '../ingress/ingress-limits.js';
import { createResponsesDialect, openAIResponsesDialect } from '../ingress/responses/openai-responses-dialect.js';
import { conversationOutput } from '../ingress/responses/conversation-output.js';
import { parseResponsesRequest, prefixConversation, type ParsedResponsesRequest } from '../ingress/responses/parse-responses-request.js';
import { responseIdPattern } from '../ingress/responses/responses-request-schema.js';
import { responsesItemId } from '../ingress/responses/responses-item-id.js';
import type { ResponsesInputItem, ResponsesItemList, ResponsesResponse } from '../ingress/responses/responses-wire-types.js';
import { estimatePromptTokens } from '../pricing/estimate-prompt-tokens.js';
import type { StoredResponse } from '../stores/response-store.js';
import { isStoredResponseTooLarge } from '../stores/stored-response-too-large.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { HotRoutes } from './hot-routes.js';
import { parseTtl } from './parse-ttl.js';

/** What the router hands the Responses routes: the pieces every endpoint is built from. */
export interface ResponsesRoutesOptions {
  /** Where `POST /v1/responses` is registered, matched before the router's walk. */
  hotRoutes: HotRoutes;
  runtime: GatewayRuntime;
  begin: (endpoint: Endpoint) => RequestHandler;
  /** The header-only steps (auth) that run before the body is read. */
  beforeBody: RequestHandler[];
  afterBody: RequestHandler[];
  /**
   * The chain's steps a request that calls no model goes through (key-scope, rate-limit):
   * reading, listing and deleting stored responses count against the key's request limits.
   */
  admission?: RequestHandler[];
  parseJson: RequestHandler;
  ingressLimits: IngressLimits;
  chain: RunStepsOptions;
}

/**
 * How long one response-store call may take before the request answers without it:
 * the stores bound their own calls, this bounds a store that does not.
 */
const storeCallTimeoutMs = 5_000;
const idPattern = new RegExp(responseIdPattern);
/** How many stored items (reasoning included) a conversation may hold per `limits.max_messages`. */
const conversationItemsPerMessage = 4;

/**
 * OpenAI's Responses API: `POST /v1/responses` through the same chain as every
 * model call, and the stored responses it keeps (`GET` and `DELETE
 * /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`), each behind the auth
 * step and the key's `responses` endpoint scope, every error in OpenAI's envelope.
 * A stored response belongs to the key that made it: any other key gets the same
 * 404 as for an id that never existed.
 */
export function mountResponsesRoutes(router: Router, options: ResponsesRoutesOptions): void {
  const { hotRoutes, runtime, begin, beforeBody, afterBody, admission = [], parseJson, ingressLimits, chain } = options;
  const ttlMs = parseTtl(runtime.config.responses.ttl);
  const errors = errorHandler({ logger: runtime.logger, dialect: openAIResponsesDialect });

  /** The stored conversation `previous_response_id` continues (the key's own), put before this turn's messages. */
  const continueConversation = async (parsed: ParsedResponsesRequest, owner: string): Promise<ResponsesInputItem[]> => {
    if (parsed.previousResponseId === undefined) return [];
    const previous = await storeCall(() => runtime.responses.get(owner, parsed.previousResponseId!));
    if (!previous) {
      throw new GatewayError('previous_response_not_found', `Previous response with id ${shownId(parsed.previousResponseId!)} not found.`, { param: 'previous_response_id' });
    }
    const conversation = previous.conversationItems as ResponsesInputItem[];
    prefixConversation(parsed, conversation, ingressLimits);
    return conversation;
  };

  const parseResponses: RequestHandler = async (req, res, next) => {
    const context = getContext(res);
    const parsed = parseResponsesRequest(req.body, ingressLimits);
    const owner = ownerOf(context);
    const previousConversation = await continueConversation(parsed, owner);
    const responseId = responsesItemId('resp');
    let pending: Promise<void> | undefined;
    const save = (response: ResponsesResponse): void => {
      const createdAt = new Date();
      const stored: StoredResponse = {
        id: responseId,
        ownerKeyId: owner,
        response,
        inputItems: parsed.inputItems,
        conversationItems: [...previousConversation, ...parsed.inputItems, ...conversationOutput(response.output)],
        createdAt,
        expiresAt: new Date(createdAt.getTime() + ttlMs),
      };
      // Failures are counted by operation where the store is observed (observe-response-store.ts);
      // one too large to store is logged there, once a minute.
      pending = storeCall(() => runtime.responses.put(stored)).catch((error: unknown) => {
        if (isStoredResponseTooLarge(error)) return;
        context.logger.warn({ code: isGatewayError(error) ? error.code : 'internal_error', responseId }, 'a stored response could not be saved; the answer went out without it');
      });
    };
    if (parsed.translationRefusal) context.translationRefusal = parsed.translationRefusal;
    // Items that are no messages (reasoning) escape the message bound; the pass-through sends them all.
    if (previousConversation.length + parsed.inputItems.length > ingressLimits.maxMessages * conversationItemsPerMessage) {
      throw new GatewayError('invalid_request', `The conversation continued from 'previous_response_id' has more than ${ingressLimits.maxMessages * conversationItemsPerMessage} items (${conversationItemsPerMessage} × limits.max_messages).`, { param: 'previous_response_id' });
    }
    // The fast path sends the client's body with the conversation expanded: the gateway keeps every
    // stored response itself, so a conversation may move between OpenAI and any other deployment.
    context.passthroughBody = upstreamBody(req.body as Record<string, unknown>, [...previousConversation, ...parsed.inputItems]);
    context.chatRequest = parsed.request;
    context.includeStreamUsage = parsed.includeStreamUsage;
    context.dialect = {
      ...createResponsesDialect({ responseId, echo: parsed.echo, ...(parsed.store && { onFinished: save }) }),
      beforeLastWrite: () => pending ?? Promise.resolve(),
    };
    next();
  };

  hotRoutes.post(router, '/v1/responses', runSteps([begin('responses'), ...beforeBody, parseJson, parseResponses, ...afterBody], chain), errors);

  // Reading and deleting stored responses: authenticated, scoped and rate-limited like a model call
  // (a request, no tokens: no chat request is on the context), no body, no provider.
  const stored = (handler: (req: Request, res: Response, owner: string, id: string) => Promise<void>): RequestHandler =>
    runSteps([begin('responses'), ...beforeBody, scopeResponses, ...admission, async (req, res) => {
      const id = String(req.params['id']);
      if (!idPattern.test(id)) throw notFound(id);
      await handler(req, res, ownerOf(getContext(res)), id);
    }], chain);
  const handle = (handler: Parameters<typeof stored>[0]): [RequestHandler, ErrorRequestHandler] => [stored(handler), errors];

  // Before the stored response's routes, which would read it as the id `input_tokens` (GET was a 404 "No response found").
  router.all('/v1/responses/input_tokens', (req: Request, _res: Response, next: (route?: 'route') => void) => next(req.method === 'POST' ? 'route' : undefined), nameUntrackedAnswer, refuseMethod(['POST']), errors);
  router.get('/v1/responses/:id', ...handle(async (req, res, owner, id) => {
    if (req.query['stream'] !== undefined && req.query['stream'] !== 'false') {
      throw new GatewayError('invalid_request', 'Streaming a stored response again (stream=true) is not supported by this gateway.', { param: 'stream' });
    }
    const found = await storeCall(() => runtime.responses.get(owner, id));
    if (!found) throw notFound(id);
    sendJson(res, 200, found.response);
  }));
  router.delete('/v1/responses/:id', ...handle(async (_req, res, owner, id) => {
    const deleted = await storeCall(() => runtime.responses.delete(owner, id));
    if (!deleted) throw notFound(id);
    sendJson(res, 200, { id, object: 'response', deleted: true });
  }));
  router.get('/v1/responses/:id/input_items', ...handle(async (req, res, owner, id) => {
    const page = readPageQuery(req);
    const found = await storeCall(() => runtime.responses.get(owner, id));
    if (!found) throw notFound(id);
    sendJson(res, 200, listPage(found.inputItems as Array<{ id?: string }>, page));
  }));
  // OpenAI's input token count (`client.responses.inputTokens.count()`): a Responses body, every field optional, estimated
  // as `/v1/messages/count_tokens` is: no provider called, the key's endpoint scope and request limits apply, no tokens held.
  const parseCount: RequestHandler = async (req, res, next) => {
    const context = getContext(res) as CountingContext;
    const body: unknown = req.body;
    const wire = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    // Filled in only to pass the create body's checks; a count names a model or none, and no model is called.
    const filled = wire && { ...(wire['input'] === undefined && wire['previous_response_id'] == null && { input: [] }), ...wire, ...(wire['model'] == null && { model: uncountedModel }) };
    const parsed = parseResponsesRequest(filled ?? body, ingressLimits);
    await continueConversation(parsed, ownerOf(context));
    context[countedKey] = parsed.request;
    // Held to the key's models by key-scope, as /v1/messages/count_tokens is.
    if (parsed.request.model !== uncountedModel) context.countedModel = parsed.request.model;
    next();
  };
  const answerCount: RequestHandler = (_req, res) => {
    const context = getContext(res) as CountingContext;
    const request = context[countedKey]!;
    // On the context for the request's record only, and only when the client named a model.
    if (request.model !== uncountedModel) context.chatRequest = request;
    sendJson(res, 200, { object: 'response.input_tokens', input_tokens: estimatePromptTokens(request) });
  };
  router.post('/v1/responses/input_tokens', runSteps([begin('responses'), ...beforeBody, parseJson, scopeResponses, parseCount, ...admission, answerCount], chain), errors);

  const methodsOf: Array<[string, string[]]> = [
    ['/v1/responses', ['POST']],
    ['/v1/responses/:id', ['GET', 'DELETE']],
    ['/v1/responses/:id/input_items', ['GET']],
  ];
  for (const [path, methods] of methodsOf) {
    const refuse = refuseMethod(methods, path.replace(':id', '{id}'));
    router.all(path, nameUntrackedAnswer, (req: Request, res: Response) => {
      // What cannot be a response id is another endpoint (the SDK's /responses/compact): not served.
      const id = req.params['id'];
      if (id !== undefined && !idPattern.test(String(id))) throw unknownEndpoint(req);
      refuse(req, res);
    }, errors);
  }
}

/** The Responses body an OpenAI upstream gets: this turn's input after the stored conversation, nothing stored there. */
function upstreamBody(clientBody: Record<string, unknown>, input: ResponsesInputItem[]): Record<string, unknown> {
  const { previous_response_id: _previous, ...rest } = clientBody;
  // A user/system/developer message takes no id at OpenAI (the gateway made those for input_items): left out.
  // A reasoning item without encrypted_content (another provider's, or asked without `include`) is only a
  // reference to an item OpenAI would have stored; with store:false it cannot be resolved: left out too.
  const items = input.filter((item) => item.type !== 'reasoning' || typeof (item as { encrypted_content?: unknown }).encrypted_content === 'string').map((item) => {
    if ((item.type === undefined || item.type === 'message') && (item as { role?: string }).role !== 'assistant') {
      const { id: _id, ...message } = item as { id?: string };
      return message;
    }
    return item;
  });
  return { ...rest, input: items, store: false };
}

/** Where a count's parsed request waits while the admission steps run (per-request state: a symbol on the context). */
const countedKey = Symbol('switchyard.responses.inputTokens.request');
type CountingContext = RequestContext & { [countedKey]?: ChatRequest };
/** The model a count names when the client named none: it passes the body's checks and is never recorded or called. */
const uncountedModel = 'input-tokens-count';

/** Whose stored responses a request may touch: its key's. Without an auth step every caller is one owner. */
function ownerOf(context: RequestContext): string {
  return context.principal?.keyId ?? 'anonymous';
}

/** The key-scope step's endpoint check, for the routes that call no model: kept for a chain without that step. */
const scopeResponses: RequestHandler = (_req, res, next) => {
  const endpoints = getContext(res).principal?.scope?.endpoints;
  if (endpoints && !endpoints.includes('responses')) {
    throw new GatewayError('endpoint_not_allowed', 'This API key may not use the responses endpoint.');
  }
  next();
};

function notFound(id: string): GatewayError {
  return new GatewayError('not_found', `No response found with id ${shownId(id)}.`, { param: 'response_id' });
}

/** The shape of every id the gateway makes (responsesItemId): `resp_` and 48 hex digits. */
const gatewayIdPattern = /^resp_[0-9a-f]{48}$/;

/**
 * An id as an error message names it: quoted only when it has the gateway's own shape. Any other
 * text is no stored response and may be a client's paste: `resp_sk-proj-…` (a key after `_`,
 * which the body's key-shape redaction does not see at a word's middle) never comes back.
 */
function shownId(id: string): string {
  return gatewayIdPattern.test(id) ? `'${id}'` : 'given';
}

/** A response-store call bounded in time; anything but a GatewayError from it is an outage. */
async function storeCall<T>(call: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('response store call timed out')), storeCallTimeoutMs);
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (error) {
    // Too large is the response's fault, not an outage: its callers tell it apart (logged once a minute).
    if (isGatewayError(error) || isStoredResponseTooLarge(error)) throw error;
    throw new GatewayError('store_unavailable', 'The gateway cannot reach its response store right now; try again shortly.', { retryAfterSeconds: 1, cause: error });
  } finally {
    clearTimeout(timer);
  }
}

interface PageQuery {
  limit: number;
  order: 'asc' | 'desc';
  after: string | undefined;
  before: string | undefined;
}

/** `limit` 1–100 (default 20), `order` asc|desc (default desc), `after`/`before` item ids. */
function readPageQuery(req: Request): PageQuery {
  const query = req.query;
  const single = (name: string): string | undefined => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length > 256) throw new GatewayError('invalid_request', `Invalid value for '${name}'.`, { param: name });
    return value;
  };
  const limitText = single('limit');
  // Digits only: Number() would also read '0x10', ' 5 ' and '1e1'.
  const limit = limitText === undefined ? 20 : /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new GatewayError('invalid_request', "Invalid value for 'limit': expected an integer from 1 to 100.", { param: 'limit' });
  }
  const order = single('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new GatewayError('invalid_request', "Invalid value for 'order': expected 'asc' or 'desc'.", { param: 'order' });
  return { limit, order, after: single('after'), before: single('before') };
}

/** One page of a response's input items, as OpenAI's cursor list. */
function listPage(items: ReadonlyArray<{ id?: string }>, page: PageQuery): ResponsesItemList {
  let ordered = page.order === 'asc' ? [...items] : [...items].reverse();
  if (page.after !== undefined) {
    const at = ordered.findIndex((item) => item.id === page.after);
    ordered = at === -1 ? [] : ordered.slice(at + 1);
  }
  if (page.before !== undefined) {
    const at = ordered.findIndex((item) => item.id === page.before);
    ordered = at === -1 ? [] : ordered.slice(0, at);
  }
  const data = ordered.slice(0, page.limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: ordered.length > data.length,
  };
}
