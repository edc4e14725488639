import { GatewayError, isGatewayError, toGatewayError } from '../errors/gateway-error.js';
import type { CancelSource } from './attempt-cancel.js';
import type { UpstreamBodyGuard } from './upstream-body-guard.js';
import { undiciErrors } from './undici-pool.js';

/**
 * Maps a failure while reading an answer's body. The upstream was reached and
 * answered, so a broken connection here is a broken answer
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
  return new GatewayError('upstream_invalid_response', `The ${provider} upstream broke off its answer.`, { provider, cause: error });
}
