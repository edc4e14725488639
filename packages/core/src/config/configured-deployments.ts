import type { GatewayConfig } from './gateway-config.js';

/**
 * Every `provider/model` the config names: alias targets, group deployments,
 * fallbacks of every kind and the route step's smart-routing targets (`use:` of
 * each rule). A fallback or smart target may name a group (never a `provider/model`,
 * so harmless to a caller looking names up) or a deployment its provider does not
 * list. What the operator configured, as opposed to names a client makes up:
 * per-name state and metric labels keep these whatever clients send.
 */
export function configuredDeployments(config: Pick<GatewayConfig, 'models' | 'chain'>): Set<string> {
  const names = new Set<string>();
  for (const entry of Object.values(config.models)) {
    if (typeof entry === 'string') {
      names.add(entry);
      continue;
    }
    for (const deployment of entry.deployments) names.add(deployment.target);
    for (const fallback of [...(entry.fallbacks ?? []), entry.context_fallback, entry.content_filter_fallback]) {
      if (fallback !== undefined) names.add(fallback);
    }
  }
  for (const target of smartTargets(config.chain)) names.add(target);
  return names;
}

/** The `use:` of every smart-routing rule of the chain's route step (its options as written). */
function smartTargets(chain: GatewayConfig['chain']): string[] {
  const targets: string[] = [];
  for (const step of chain) {
    if (typeof step !== 'object' || step === null || !Object.hasOwn(step, 'route')) continue;
    const rules = (step.route as { smart?: { rules?: unknown } } | null)?.smart?.rules;
    if (!Array.isArray(rules)) continue;
    for (const rule of rules as Array<{ use?: unknown } | null>) {
      if (typeof rule?.use === 'string') targets.push(rule.use);
    }
  }
  return targets;
}
