import { route } from './route-step.js';

export default route;
export { defineRoute, route, type RouteDependencies, type RouteOptions } from './route-step.js';
export { resolveModel, ModelResolver } from './resolve-model.js';
export {
  defaultRetryPolicy,
  defaultTimeoutMs,
  groupFromEntry,
  singleDeploymentGroup,
  type GroupDeployment,
  type ModelEntry,
  type ModelGroup,
  type ModelGroupEntry,
  type RetryPolicy,
  type RoutingStrategy,
} from './model-group.js';
export { attemptWaitsFor, createRoutePlan, type PlanContext, type RoutePlanOptions } from './route-plan.js';
export { DeploymentStats, LATENCY_EWMA_ALPHA, LATENCY_MAX_AGE_MS } from './deployment-stats.js';
export { needsInFlightCounts } from './needs-in-flight-counts.js';
export { orderDeployments, costPerThousand, type OrderingInputs } from './order-deployments.js';
export { selectWeighted, type Weighted } from './select-weighted.js';
export { selectPriority, type Prioritized } from './select-priority.js';
export { selectLeastLatency } from './select-least-latency.js';
export { selectLeastBusy } from './select-least-busy.js';
export { selectCheapest } from './select-cheapest.js';
export { backoffDelayMs, retryDelayMs } from './retry-delay.js';
export { chooseSmartModel, type SmartRule, type SmartRuleCondition, type SmartRequest } from './smart-rules.js';
