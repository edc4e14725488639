import { GatewayError } from '../errors/gateway-error.js';

/**
 * The error of an upstream that answered `101 Switching Protocols` to a request that asked
 * for no upgrade: it was reached and answered, in a protocol the gateway does not read, so
 * the answer is unreadable (`upstream_invalid_response`), not a network failure.
 */
export function switchedProtocols(provider: string, cause?: unknown): GatewayError {
  return new GatewayError('upstream_invalid_response', `The ${provider} upstream answered 101, switching protocols, which the gateway did not ask for.`, { provider, cause });
}
