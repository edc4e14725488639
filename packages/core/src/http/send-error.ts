import type { Response } from 'express';
import { findContext } from '../chain/request-context.js';
import { maxRetryAfterSeconds, type GatewayError } from '../errors/gateway-error.js';
import { errorCatalogue, type ErrorCatalogueEntry } from '../errors/error-catalogue.js';
import { sendJson } from './send-json.js';

const catalogue: Readonly<Record<string, ErrorCatalogueEntry>> = errorCatalogue;

/** The statuses the openai and Anthropic SDKs retry unless an answer says `x-should-retry: false`. */
function sdkWouldRetry(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * Whether a client should try the code again, as docs/errors.md tells it: the catalogue's
 * flag, not the error's own (a request limit is final for the route, which must not try the
 * next deployment, yet the client may come back after its Retry-After). A code the catalogue
 * does not know (a newer plugin's) is left to the client.
 */
function retryableForClients(code: string): boolean {
  return catalogue[code]?.retryable !== false;
}

/**
 * Answers with an error in OpenAI's envelope (or the shape `format` gives), or does
 * nothing if the answer has begun. A code that is not retryable goes with
 * `x-should-retry: false`, which the official SDKs obey before their own status rules.
 */
export function sendError(res: Response, error: GatewayError, format?: (error: GatewayError) => { status: number; body: unknown }): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  if (sdkWouldRetry(error.status) && !retryableForClients(error.code)) {
    // The official SDKs retry these statuses on their own (twice by default); a code the catalogue
    // calls final (a spent budget, an answer past the gateway's limits, a bug) would be sent, and billed, again.
    const headers = findContext(res)?.responseHeaders;
    if (headers) headers.set('x-should-retry', 'false');
    else res.setHeader('x-should-retry', 'false');
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
