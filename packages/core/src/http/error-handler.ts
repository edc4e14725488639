import type { ErrorRequestHandler, Request, Response } from 'express';
import { findContext } from '../chain/request-context.js';
import { toGatewayError } from '../errors/gateway-error.js';
import { createLogger, type Logger } from '../logging/create-logger.js';
import type { IngressDialect } from '../ingress/ingress-dialect.js';
import { fromBodyParserError } from './from-body-parser-error.js';
import { fromPathDecodeError } from './from-path-decode-error.js';
import { loggedPath } from './logged-path.js';
import { sendError } from './send-error.js';

export interface ErrorHandlerOptions {
  /** Where failures inside the gateway are logged when the request has no context; default: a pino logger at `warn`. */
  logger?: Logger;
  /** Writes the error in a client dialect's shape (Anthropic's on `/v1/messages`); default: OpenAI's envelope. */
  dialect?: Pick<IngressDialect, 'formatError'>;
}

/**
 * Express error middleware that turns anything a Switchyard step (or the app's
 * handler behind one, or the app's `express.json()` in front) throws into an
 * OpenAI-shaped answer with the catalogue's status, `Retry-After` when there is
 * one, and logs each 5xx once: at error level a failure of the gateway's own, at
 * warn one an upstream caused (it timed out, was unreachable, sent what cannot be
 * read): an alert on error lines then means a bug of ours, not a provider's bad minute.
 * Mount it after the routes: `app.use(errorHandler())`.
 */
/**
 * 5xx codes not logged per request: a store outage is logged by the store at most once
 * per interval, and a drain by the shutdown (the refused requests are on their info lines).
 */
const loggedElsewhere: ReadonlySet<string> = new Set(['store_unavailable', 'shutting_down']);

export function errorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  let fallbackLogger = options.logger;
  return (error: unknown, req: Request, res: Response, _next) => {
    const gatewayError = fromBodyParserError(error) ?? fromPathDecodeError(error) ?? toGatewayError(error);
    const context = findContext(res);
    if (context) context.error = gatewayError;
    // A body left unread (refused before it was read, or cut off at the size limit)
    // must not keep the connection: Node would otherwise read and discard all of it.
    if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
    if (gatewayError.status >= 500 && gatewayError.upstreamStatus === undefined && !loggedElsewhere.has(gatewayError.code)) {
      const logger = context?.logger ?? (fallbackLogger ??= createLogger({ level: 'warn' }));
      if (gatewayError.code.startsWith('upstream_')) logger.warn({ err: error, path: loggedPath(req.path) }, 'request failed upstream');
      else logger.error({ err: error, path: loggedPath(req.path) }, 'request failed inside the gateway');
    }
    // A refusal that is no request of its own (a 405, an unknown path) has no context, only its id header: the body names that.
    const requestId = context?.id ?? untrackedRequestId(res);
    sendError(res, gatewayError, options.dialect && ((error) => options.dialect!.formatError(error, requestId)));
  };
}

function untrackedRequestId(res: Response): string | undefined {
  const header = res.getHeader('x-request-id');
  return typeof header === 'string' ? header : undefined;
}
