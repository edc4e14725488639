import { fromBodyParserError, fromPathDecodeError, GatewayError, loggedPath, sendError, toGatewayError, type Logger } from '@switchyard/core';
import type { ErrorRequestHandler } from 'express';

/** Body-parser's error types, in the gateway's codes. */
const bodyErrorCodes: Record<string, GatewayError['code']> = {
  'entity.parse.failed': 'invalid_json',
  'entity.too.large': 'request_too_large',
  'encoding.unsupported': 'unsupported_media_type',
  'charset.unsupported': 'unsupported_media_type',
  'request.aborted': 'client_closed_request',
};

/** Answers every error of an admin route as a JSON GatewayError; body-parser failures keep their own codes, a body its content-encoding does not describe and a malformed path are 400s. */
export function adminErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const bodyErrorType = (error as { type?: unknown } | null)?.type;
    const code = typeof bodyErrorType === 'string' ? bodyErrorCodes[bodyErrorType] : undefined;
    const gatewayError = code
      ? new GatewayError(code, code === 'invalid_json' ? 'The request body is not valid JSON.' : `The request body could not be read (${bodyErrorType}).`)
      : (fromBodyParserError(error) ?? fromPathDecodeError(error) ?? toGatewayError(error));
    // A body left unread (refused before or while it came) would be read to its end to keep the connection.
    if (!req.complete && !res.headersSent) res.setHeader('connection', 'close');
    if (gatewayError.status >= 500) logger.error({ err: error, path: loggedPath(req.path) }, 'admin request failed');
    sendError(res, gatewayError);
  };
}
