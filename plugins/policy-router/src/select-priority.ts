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
  // One tier (a single deployment, or all of equal rank): no tiers to build and sort.
  if (isOneTier(items)) return selectWeighted(items, random);
  const tiers = new Map<number, T[]>();
  for (const item of items) {
    const tier = tiers.get(item.priority);
    if (tier) tier.push(item);
    else tiers.set(item.priority, [item]);
  }
  const ordered: T[] = [];
  for (const priority of [...tiers.keys()].sort((a, b) => a - b)) ordered.push(...selectWeighted(tiers.get(priority)!, random));
  return ordered;
}

function isOneTier(items: readonly Prioritized[]): boolean {
  for (let index = 1; index < items.length; index++) if (items[index]!.priority !== items[0]!.priority) return false;
  return true;
}
