import type { Principal } from '@switchyard/core';
import type { CacheScope } from './cache-options.js';

/**
 * The part of a cache key that says who may share an entry. A principal without
 * the team or project the scope asks for falls back to its own key, never to a
 * wider circle; a request without a principal (no auth step) is `anonymous`.
 */
export function cacheScopeValue(scope: CacheScope, principal: Principal | undefined): string {
  if (scope === 'global') return 'global';
  if (!principal) return 'anonymous';
  if (scope === 'team' && principal.team !== undefined) return `team:${principal.team}`;
  if (scope === 'project' && principal.project !== undefined) {
    // Projects are named within a team; two teams' "default" projects stay apart. Both names
    // are free text: a JSON pair, not `team/project`, so `a/b` + `c` is not `a` + `b/c`.
    return `project:${JSON.stringify([principal.team ?? null, principal.project])}`;
  }
  return `key:${principal.keyId}`;
}
