import { GatewayError } from '../errors/gateway-error.js';

/**
 * Express's router decodes a route's parameters (`/v1/models/:id`) with
 * `decodeURIComponent`, and for a malformed escape (`%ZZ`, a cut `%E0%A4%A`) throws a
 * URIError it marks 400. As the GatewayError a client should see, instead of a 500;
 * the message does not quote the path.
 */
export function fromPathDecodeError(error: unknown): GatewayError | undefined {
  if (!(error instanceof URIError) || (error as { status?: unknown }).status !== 400) return undefined;
  return new GatewayError('invalid_request', 'The request path is not valid percent-encoding: each % must start two hex digits, and the escapes must spell UTF-8.', {
    cause: error,
  });
}
