import type { Request, RequestHandler, Response } from 'express';
import type { ChatRequest } from '../../canonical/chat-request.js';
import { getContext, type RequestContext } from '../../chain/request-context.js';
import { sendJson } from '../../http/send-json.js';
import { estimatePromptTokens } from '../../pricing/estimate-prompt-tokens.js';
import type { IngressLimits } from '../ingress-limits.js';
import { parseMessagesRequest } from './parse-messages-request.js';

/** Where a count's parsed request waits while the admission steps run (as core keeps per-request state: a symbol on the context). */
const countedKey = Symbol('switchyard.countTokens.request');
type CountingContext = RequestContext & { [countedKey]?: ChatRequest };

/**
 * Answers `POST /v1/messages/count_tokens` with `{ input_tokens }`: the gateway's
 * own estimate of the parsed request (about four characters per token), the same
 * one budgets reserve with. No provider is called, so the count is the same
 * whichever model the name routes to; it is an estimate, not a tokenizer's count.
 * The body is a Messages body without `max_tokens`, checked with the same bounds.
 *
 * `admission` are the chain's steps a count goes through after its body is checked
 * (key-scope, rate-limit): it is a request like any other to the key's endpoint and
 * model scope (the model is named to them as `countedModel`) and request limits. They
 * see no chat request, so a count holds no tokens and reserves no budget; the request
 * is put on the context only for its record.
 */
export function countMessagesTokens(limits: IngressLimits, admission: readonly RequestHandler[] = []): RequestHandler[] {
  const parse: RequestHandler = (req: Request, res: Response, next) => {
    const body: unknown = req.body;
    const withMaxTokens = typeof body === 'object' && body !== null && !Array.isArray(body) ? { max_tokens: 1, ...body } : body;
    const context = getContext(res) as CountingContext;
    const request = parseMessagesRequest(withMaxTokens, limits).request;
    context[countedKey] = request;
    context.countedModel = request.model;
    next();
  };
  const answer: RequestHandler = (_req: Request, res: Response) => {
    const context = getContext(res) as CountingContext;
    const request = context[countedKey]!;
    context.chatRequest = request;
    sendJson(res, 200, { input_tokens: estimatePromptTokens(request) });
  };
  return [parse, ...admission, answer];
}
