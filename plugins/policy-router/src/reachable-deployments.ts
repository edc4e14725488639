import { matchesModelPattern, type Deployment } from '@switchyard/core';
import type { ModelGroup } from './model-group.js';

/**
 * Every deployment a request for `group` may reach: the group's own, then those of
 * its fallbacks (general, context-window and content-filter), followed transitively,
 * each group once. A budget hold sized for all of them cannot be overspent by a
 * pricier fallback. With `allowedModels` (the calling key's), a fallback outside them
 * is not reached (the route plan skips it), so it does not size the hold either.
 */
export function reachableDeployments(group: ModelGroup, resolve: (name: string) => ModelGroup, allowedModels?: readonly string[]): Deployment[] {
  const seenGroups = new Set<string>();
  const deployments = new Map<string, Deployment>();
  const pending: ModelGroup[] = [group];
  for (let current = pending.shift(); current; current = pending.shift()) {
    if (seenGroups.has(current.name)) continue;
    seenGroups.add(current.name);
    for (const { provider, model } of current.deployments) deployments.set(`${provider}/${model}`, { provider, model });
    const next = [...current.fallbacks, current.contextFallback, current.contentFilterFallback];
    for (const name of next) {
      if (name === undefined || seenGroups.has(name)) continue;
      if (allowedModels && !matchesModelPattern(name, allowedModels)) continue;
      pending.push(resolve(name));
    }
  }
  return [...deployments.values()];
}
