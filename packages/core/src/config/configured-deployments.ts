import type { GatewayConfig } from './gateway-config.js';

/**
 * Every `provider/model` the config's `models:` section names: alias targets, group
 * deployments and fallbacks of every kind. A fallback may name a group (never a
 * `provider/model`, so harmless to a caller looking names up) or a deployment its
 * provider does not list. What the operator configured, as opposed to names a client
 * makes up: per-name state and metric labels keep these whatever clients send.
 */
export function configuredDeployments(models: GatewayConfig['models']): Set<string> {
  const names = new Set<string>();
  for (const entry of Object.values(models)) {
    if (typeof entry === 'string') {
      names.add(entry);
      continue;
    }
    for (const deployment of entry.deployments) names.add(deployment.target);
    for (const fallback of [...(entry.fallbacks ?? []), entry.context_fallback, entry.content_filter_fallback]) {
      if (fallback !== undefined) names.add(fallback);
    }
  }
  return names;
}
