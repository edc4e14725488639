import { configuredDeployments, definePlugin, getContext, redisUrlProblems, type GatewayRuntime } from '@switchyard/core';
import { circuitBreakerOptionsSchema, sharedRedisSettings, type CircuitBreakerOptions } from './circuit-breaker-options.js';
import { DeploymentBreakers, type BreakerState } from './deployment-breakers.js';
import { RedisSharedBreakerState } from './redis-shared-breaker-state.js';

/**
 * The circuit-breaker step: one opossum breaker per deployment, wrapped around
 * every attempt. A deployment that keeps failing (5xx, timeouts, unreachable,
 * upstream 429) is refused at once with a retryable `upstream_overloaded` until one
 * probe after `reset_timeout_ms` shows it answers again; the route step meanwhile
 * tries the next deployment. States and counts are served on `GET /health` under
 * `circuit_breakers`. With `shared: { use: redis }` a circuit opened on one
 * instance is open on every instance sharing the Redis, and one probe across them
 * all decides when it closes.
 */
export const circuitBreaker = definePlugin<CircuitBreakerOptions>({
  name: 'circuit-breaker',
  optionsSchema: circuitBreakerOptionsSchema,
  checkOptions: (options) => redisUrlProblems(options.shared?.use === 'redis' ? options.shared.url : undefined, '/shared/url'),
  create(options, runtime) {
    const configured = configuredDeployments(runtime.config);
    // Named by the operator: their breakers are never dropped for names a provider merely lists.
    const isConfigured = (name: string) => configured.has(name) || Object.hasOwn(options.deployments, name);
    const isKnown = (name: string) => isConfigured(name) || runtime.models.isListed(name);
    const shared =
      options.shared?.use === 'redis'
        ? new RedisSharedBreakerState({ redis: sharedRedisSettings(options.shared), isKnown, maxMarks: options.max_breakers, logger: runtime.logger })
        : undefined;
    const breakers = new DeploymentBreakers(options, runtime.logger, isKnown, shared, isConfigured);
    runtime.addHealthCheck('circuit_breakers', () => breakers.health());
    registerBreakerGauge(runtime, breakers);
    runtime.onClose(async () => {
      breakers.shutdown();
      await shared?.close();
    });
    return (_req, res, next) => {
      getContext(res).interceptors.push(breakers.interceptor);
      next();
    };
  },
});

const breakerStates: BreakerState[] = ['closed', 'open', 'half-open'];

/**
 * `switchyard_circuit_breaker_state{deployment, state}`: 1 for the state each known
 * deployment's breaker is in, 0 for the others (the usual enum gauge); breakers of
 * names nobody configured or listed are counted together as `deployment="(other)"`.
 */
function registerBreakerGauge(runtime: GatewayRuntime, breakers: DeploymentBreakers): void {
  runtime.metrics.gauge({
    name: 'switchyard_circuit_breaker_state',
    help: 'Circuit breaker state per deployment: 1 for its current state (closed, open, half-open); (other) counts unlisted names.',
    labelNames: ['deployment', 'state'],
    collect() {
      this.reset();
      const { known, unlisted } = breakers.states();
      for (const [deployment, current] of known) {
        for (const state of breakerStates) this.set({ deployment, state }, state === current ? 1 : 0);
      }
      for (const state of breakerStates) this.set({ deployment: '(other)', state }, unlisted[state]);
    },
  });
}
