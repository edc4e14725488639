import type { Request, RequestHandler, Response } from 'express';
import { getContext } from '../../chain/request-context.js';
import { sendJson } from '../../http/send-json.js';
import { estimatePromptTokens } from '../../pricing/estimate-prompt-tokens.js';
import type { IngressLimits } from '../ingress-limits.js';
import { parseMessagesRequest } from './parse-messages-request.js';

/**
 * Answers `POST /v1/messages/count_tokens` with `{ input_tokens }`: the gateway's
 * own estimate of the parsed request (about four characters per token), the same
 * one budgets reserve with. No provider is called, so the count is the same
 * whichever model the name routes to; it is an estimate, not a tokenizer's count.
 * The body is a Messages body without `max_tokens`, checked with the same bounds.
 */
export function countMessagesTokens(limits: IngressLimits): RequestHandler {
  return (req: Request, res: Response) => {
    const body: unknown = req.body;
    const withMaxTokens = typeof body === 'object' && body !== null && !Array.isArray(body) ? { max_tokens: 1, ...body } : body;
    const { request } = parseMessagesRequest(withMaxTokens, limits);
    getContext(res).chatRequest = request;
    sendJson(res, 200, { input_tokens: estimatePromptTokens(request) });
  };
}
