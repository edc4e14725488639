import { circuitBreaker } from './circuit-breaker-step.js';

export default circuitBreaker;
export { circuitBreaker } from './circuit-breaker-step.js';
export {
  circuitBreakerOptionsSchema,
  sharedRedisDefaults,
  sharedRedisSettings,
  type BreakerSettings,
  type CircuitBreakerOptions,
  type RedisSharedBreakerOption,
  type SharedBreakerOption,
} from './circuit-breaker-options.js';
export { parseBreakerEvent, type BreakerEvent } from './breaker-event.js';
export { RedisSharedBreakerState, type RedisSharedBreakerStateOptions } from './redis-shared-breaker-state.js';
export { SharedBreakerMarks, type SharedMarkReading, type SharedMarkState } from './shared-breaker-marks.js';
export type { ProbeClaim, SharedBreakerState, SharedBreakersHealth } from './shared-breaker-state.js';
export { breakerFailureCodes, countsAsBreakerFailure, saysNothingOfUpstream } from './counts-as-breaker-failure.js';
export { DeploymentBreakers, type BreakerReport, type BreakerState, type BreakersHealth } from './deployment-breakers.js';
