import { GatewayError, isGatewayError, toGatewayError } from '../errors/gateway-error.js';
import type { CancelSource } from './attempt-cancel.js';
import { StreamEventTooLargeError, maxStreamEventChars } from './sse-decoder.js';
import type { UpstreamBodyGuard } from './upstream-body-guard.js';
import { undiciErrors } from './undici-pool.js';

/**
 * Maps a failure while reading an answer's body. The upstream was reached and
 * answered, so a connection that ends here is an answer that ended early
 * (`upstream_invalid_response`), never `upstream_unreachable`. A bound the guard
 * enforced wins over the socket error its cut caused; the client's own abort stays
 * an abort; a silence longer than `timeouts.body_ms` is a timeout.
 */
export function mapBodyReadError(error: unknown, provider: string, signal: CancelSource, guard?: UpstreamBodyGuard): GatewayError {
  if (guard?.error) return guard.error;
  if (isGatewayError(error)) return toGatewayError(error);
  if (signal.aborted) {
    return new GatewayError('client_closed_request', 'The client closed the connection.', { provider, cause: error });
  }
  if (error instanceof undiciErrors.BodyTimeoutError) {
    return new GatewayError('upstream_timeout', `The ${provider} upstream stopped sending its answer.`, { provider, cause: error });
  }
  return new GatewayError('upstream_invalid_response', `The ${provider} upstream's connection ended before its answer was complete.`, { provider, cause: error });
}

/**
 * Maps what a stream's framer or decoder threw on an event that was received whole
 * (a plugin's decoder calling JSON.parse, a shape it did not expect): the answer came,
 * but an event of it could not be read, which is not a connection that ended early.
 * Still `upstream_invalid_response` (docs/errors.md: an answer that could not be read);
 * the decoder's own words stay in the cause, redacted, and out of the client's message.
 * A GatewayError the decoder chose, a bound the guard enforced and the client's own
 * abort are kept as mapBodyReadError keeps them.
 */
export function mapStreamDecodeError(error: unknown, provider: string, signal: CancelSource, guard?: UpstreamBodyGuard): GatewayError {
  if (guard?.error || isGatewayError(error) || signal.aborted) return mapBodyReadError(error, provider, signal, guard);
  if (error instanceof StreamEventTooLargeError) {
    const mib = maxStreamEventChars / (1024 * 1024);
    return new GatewayError('upstream_response_too_large', `The ${provider} upstream sent a stream event over ${mib} MiB; the answer was cut.`, { provider, cause: error });
  }
  return new GatewayError('upstream_invalid_response', `The ${provider} upstream sent a stream event the gateway could not read.`, { provider, cause: error });
}
