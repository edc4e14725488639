import { GatewayError } from '@switchyard/core';
import type { MockBehaviour, MockFailure } from './mock-options.js';

/** The failure this call should act out, if any. */
export function pickFailure(behaviour: MockBehaviour): MockFailure | undefined {
  if (behaviour.failure_rate !== undefined) {
    return Math.random() < behaviour.failure_rate ? (behaviour.fail ?? 'server_error') : undefined;
  }
  return behaviour.fail;
}

/**
 * Whether the failure this call acts out was the client's to ask for (`provider_options.mock`): its own
 * `failure_rate`, or its `fail` where the YAML sets neither. Such a failure is that request's own; one the
 * YAML configures (the operator's flaky deployment) is the deployment's, and the circuit breaker counts it.
 */
export function failureIsClients(perRequest: MockBehaviour | undefined, yaml: MockBehaviour): boolean {
  if (!perRequest) return false;
  if (perRequest.failure_rate !== undefined) return true;
  return perRequest.fail !== undefined && yaml.fail === undefined && yaml.failure_rate === undefined;
}

/**
 * The GatewayError a real provider's failure of this kind maps to; `requestedByClient`: the client asked
 * for it, so it does not count against the deployment's circuit breaker.
 */
export function failureError(failure: MockFailure, behaviour: MockBehaviour, requestedByClient = false): GatewayError {
  const options = { provider: 'mock', requestedByClient };
  switch (failure) {
    case 'rate_limit':
      return new GatewayError('rate_limit_exceeded', 'mock: rate limit reached', {
        ...options,
        upstreamStatus: 429,
        retryAfterSeconds: behaviour.retry_after_s ?? 1,
      });
    case 'server_error':
      return new GatewayError('upstream_server_error', 'mock: the server had an error', { ...options, upstreamStatus: 500 });
    case 'overloaded':
      return new GatewayError('upstream_overloaded', 'mock: overloaded', { ...options, upstreamStatus: 503 });
    case 'timeout':
      return new GatewayError('upstream_timeout', 'mock: did not answer in time', options);
    case 'bad_request':
      return new GatewayError('upstream_bad_request', 'mock: the request was refused', { ...options, upstreamStatus: 400 });
    case 'context_length':
      return new GatewayError('context_length_exceeded', "mock: the prompt is longer than the model's context window", {
        ...options,
        upstreamStatus: 400,
        param: 'messages',
      });
  }
}
