import type { DeploymentStats } from './deployment-stats.js';
import type { GroupDeployment, ModelGroup } from './model-group.js';
import { selectCheapest } from './select-cheapest.js';
import { selectLeastBusy } from './select-least-busy.js';
import { selectLeastLatency } from './select-least-latency.js';
import { selectPriority } from './select-priority.js';
import { selectWeighted } from './select-weighted.js';

/** What the strategies read besides the group. */
export interface OrderingInputs {
  stats: DeploymentStats;
  random: () => number;
  /** Cost of a call of 1,000 input and 1,000 output tokens, for `cheapest`. */
  costOf: (deployment: GroupDeployment) => number;
}

/** The group's deployments in the order its strategy tries them. */
export function orderDeployments(group: ModelGroup, inputs: OrderingInputs): GroupDeployment[] {
  const { stats, random, costOf } = inputs;
  switch (group.strategy) {
    case 'weighted':
      return selectWeighted(group.deployments, random);
    case 'priority':
      return selectPriority(group.deployments, random);
    case 'least-latency':
      return selectLeastLatency(selectWeighted(group.deployments, random), (deployment) => stats.latencyOf(deployment.key));
    case 'least-busy':
      return selectLeastBusy(selectWeighted(group.deployments, random), (deployment) => busyness(stats, deployment.key));
    case 'cheapest':
      return selectCheapest(group.deployments, costOf);
  }
}

/** USD for 1,000 input and 1,000 output tokens: the config's hint, else the runtime's price. */
export function costPerThousand(deployment: GroupDeployment, maxCost: (provider: string, model: string) => number): number {
  if (deployment.price) return (deployment.price.input + deployment.price.output) / 1000;
  return maxCost(deployment.provider, deployment.model);
}

/** In-flight calls, a deployment that just failed counted busier than any: it has nothing in flight because it fails at once. */
function busyness(stats: DeploymentStats, key: string): number {
  return stats.failedRecently(key) ? Number.MAX_SAFE_INTEGER : stats.inFlightOf(key);
}
