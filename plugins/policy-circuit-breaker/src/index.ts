import { circuitBreaker } from './circuit-breaker-step.js';

export default circuitBreaker;
export { circuitBreaker } from './circuit-breaker-step.js';
export { circuitBreakerOptionsSchema, type BreakerSettings, type CircuitBreakerOptions } from './circuit-breaker-options.js';
export { breakerFailureCodes, countsAsBreakerFailure } from './counts-as-breaker-failure.js';
export { DeploymentBreakers, type BreakerReport, type BreakerState, type BreakersHealth } from './deployment-breakers.js';
