import type { ErrorCode, GatewayError } from '@switchyard/core';

/**
 * Failures of one deployment's account rather than of the request: the provider refused the
 * gateway's key for it (401), the account may not use the model or region (403), its quota is
 * spent (429 `insufficient_quota`), or it has no such model (404). Another deployment or a
 * fallback may well serve the request, but a backoff on the same one will not mend it.
 */
const deploymentAccountFailures: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'upstream_authentication_failed',
  'upstream_permission_denied',
  'upstream_quota_exceeded',
  'upstream_not_found',
]);

export function isDeploymentAccountFailure(error: GatewayError): boolean {
  return deploymentAccountFailures.has(error.code);
}

/**
 * Whether `error` is the gateway's own, raised around the attempt before its provider was
 * called: its store did not answer (the key-scope step's budget reservation). Retryable for
 * the client, but no deployment's doing: every other one would meet it alike.
 */
export function isGatewayOwnFailure(error: GatewayError): boolean {
  return error.code === 'store_unavailable';
}

/**
 * Whether the route plan goes on to the next deployment and the fallbacks after `error`: a
 * retryable failure, or one of the deployment's own account. The client's own errors (a bad
 * request, a budget) and the gateway's own (its store down) end the request at once: every
 * deployment would meet them alike.
 */
export function movesOn(error: GatewayError): boolean {
  return (error.retryable && !isGatewayOwnFailure(error)) || deploymentAccountFailures.has(error.code);
}

/**
 * Whether the deployment's provider does not offer the operation at all (embeddings asked of a
 * chat-only provider): nothing was sent, and no retry mends it. The plan passes such a deployment
 * over, and its refusal answers only when no deployment or fallback got further.
 */
export function isUnofferedOperation(error: GatewayError): boolean {
  return error.code === 'unsupported_operation';
}
