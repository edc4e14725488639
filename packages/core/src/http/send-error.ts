import type { Response } from 'express';
import { findContext } from '../chain/request-context.js';
import { maxRetryAfterSeconds, type GatewayError } from '../errors/gateway-error.js';
import { sendJson } from './send-json.js';

/**
 * Answers with an error in OpenAI's envelope (or the shape `format` gives), or does
 * nothing if the answer has begun.
 */
export function sendError(res: Response, error: GatewayError, format?: (error: GatewayError) => { status: number; body: unknown }): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  if (error.retryAfterSeconds !== undefined) {
    // delay-seconds are digits: an upstream's 1e300 (String gives '1e+300') or a date in 2099 is told as a day at most.
    const seconds = Math.ceil(error.retryAfterSeconds);
    const retryAfter = String(seconds > 0 ? Math.min(maxRetryAfterSeconds, seconds) : 0);
    const headers = findContext(res)?.responseHeaders;
    if (headers) headers.set('retry-after', retryAfter);
    else res.setHeader('retry-after', retryAfter);
  }
  if (format) {
    const { status, body } = format(error);
    sendJson(res, status, body);
    return;
  }
  sendJson(res, error.status, error.toBody());
}
