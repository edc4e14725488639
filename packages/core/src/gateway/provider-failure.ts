import { GatewayError, isGatewayError } from '../errors/gateway-error.js';
import { redactGatewayError } from '../errors/redact-gateway-error.js';
import type { SecretRedactor } from '../errors/redact-secrets.js';

/**
 * What a provider operation ended with, as the client, the logs and the route step
 * see it, its secrets blanked. A GatewayError is the plugin's (or the transport's)
 * word. Anything else is the plugin's own code failing (a buildRequest meeting a
 * request it did not expect, a direct operation passing on its SDK's error): the
 * plugin runs inside the gateway, so a 500 `internal_error`, but one naming the
 * provider, its words and stack kept (redacted) in the cause for the log, and
 * retryable, so the route step tries the next deployment or fallback as after any
 * other provider failure. The circuit breaker does not count it (not an upstream_
 * code): one client's request shape must not take the deployment from every client.
 */
export function providerFailure(error: unknown, redactor: SecretRedactor, provider: string): GatewayError {
  if (isGatewayError(error)) return redactGatewayError(error, redactor);
  const failure = new GatewayError('internal_error', `The ${provider} provider's plugin failed on this request.`, { provider, retryable: true, cause: error });
  return redactGatewayError(failure, redactor);
}
