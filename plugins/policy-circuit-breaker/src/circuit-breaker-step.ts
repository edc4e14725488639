import { definePlugin, getContext } from '@switchyard/core';
import { circuitBreakerOptionsSchema, type CircuitBreakerOptions } from './circuit-breaker-options.js';
import { DeploymentBreakers } from './deployment-breakers.js';

/**
 * The circuit-breaker step: one opossum breaker per deployment, wrapped around
 * every attempt. A deployment that keeps failing (5xx, timeouts, unreachable,
 * upstream 429) is refused at once with a retryable `upstream_overloaded` until one
 * probe after `reset_timeout_ms` shows it answers again; the route step meanwhile
 * tries the next deployment. States and counts are served on `GET /health` under
 * `circuit_breakers`.
 */
export const circuitBreaker = definePlugin<CircuitBreakerOptions>({
  name: 'circuit-breaker',
  optionsSchema: circuitBreakerOptionsSchema,
  create(options, runtime) {
    const breakers = new DeploymentBreakers(options, runtime.logger);
    runtime.addHealthCheck('circuit_breakers', () => breakers.health());
    runtime.onClose(() => breakers.shutdown());
    return (_req, res, next) => {
      getContext(res).interceptors.push(breakers.interceptor);
      next();
    };
  },
});
