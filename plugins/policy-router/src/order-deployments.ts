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
      return standbysLast(selectLeastLatency(selectWeighted(group.deployments, random), (deployment) => stats.latencyOf(deployment.key)), group);
    case 'least-busy':
      return standbysLast(selectLeastBusy(selectWeighted(group.deployments, random), (deployment) => busyness(stats, deployment.key)), group);
    case 'cheapest':
      return standbysLast(selectCheapest(group.deployments, costOf), group);
  }
}

const isStandby = (deployment: GroupDeployment): boolean => !(deployment.weight > 0);

/**
 * A deployment of weight 0 is a standby, whatever the strategy: never first, tried (in config
 * order) only after the others. Never measured, idle and perhaps the cheapest, it would otherwise
 * come first under least-latency, least-busy and cheapest. Most groups have none: returned as is.
 */
function standbysLast(ordered: GroupDeployment[], group: ModelGroup): GroupDeployment[] {
  if (!ordered.some(isStandby)) return ordered;
  const active = ordered.filter((deployment) => !isStandby(deployment));
  for (const deployment of group.deployments) if (isStandby(deployment)) active.push(deployment);
  return active;
}

/** USD for 1,000 input and 1,000 output tokens: the config's hint, else the runtime's price. */
export function costPerThousand(deployment: GroupDeployment, costOf: (provider: string, model: string) => number): number {
  if (deployment.price) return (deployment.price.input + deployment.price.output) / 1000;
  return costOf(deployment.provider, deployment.model);
}

/** In-flight calls, a deployment that just failed counted busier than any: it has nothing in flight because it fails at once. */
function busyness(stats: DeploymentStats, key: string): number {
  return stats.failedRecently(key) ? Number.MAX_SAFE_INTEGER : stats.inFlightOf(key);
}
