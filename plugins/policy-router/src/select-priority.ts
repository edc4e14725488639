import { selectWeighted, type Weighted } from './select-weighted.js';

/** Something with a failover rank. */
export interface Prioritized extends Weighted {
  /** Lower is tried first. */
  readonly priority: number;
}

/**
 * Ordered failover: the lowest priority first. Deployments that share a priority
 * split its traffic by weight, so a tier of equals is load-balanced.
 */
export function selectPriority<T extends Prioritized>(items: readonly T[], random: () => number): T[] {
  const tiers = new Map<number, T[]>();
  for (const item of items) {
    const tier = tiers.get(item.priority);
    if (tier) tier.push(item);
    else tiers.set(item.priority, [item]);
  }
  return [...tiers.keys()].sort((a, b) => a - b).flatMap((priority) => selectWeighted(tiers.get(priority)!, random));
}
