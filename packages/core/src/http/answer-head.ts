import type { Response } from 'express';
import { findContext } from '../chain/request-context.js';

/**
 * The headers for an answer's `writeHead`: the request's collected gateway headers
 * (see `ResponseHeaders`), then the answer's own. Just `own` for a response without a
 * context, or whose headers went to `res.setHeader` (Node merges those itself).
 */
export function answerHead(res: Response, own: string[]): string[] {
  const headers = findContext(res)?.responseHeaders;
  return headers === undefined ? own : headers.headFor(own);
}
