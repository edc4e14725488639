import { imageTokenEstimates, type GatewayConfig, type ImageHoldTokens, type Provider } from '@switchyard/core';
import { firstTargets } from './model-limits-by-name.js';

/** What the tpm estimate of a request to a name under `models:` counts by the models it is first sent to. */
export interface ConfiguredNameTargets {
  /**
   * What one image counts: the most any of those models may bill for it, at each detail (core's
   * imageTokenEstimates). Counted by the name itself, which is no model, an image to an alias of
   * gpt-4o-mini counted 1,600 and may be billed 48,169.
   */
  imageTokens: ImageHoldTokens;
  /**
   * Those models' providers whose adapters send an output limit of their own to a request
   * without one; undefined when a target names no running provider (then charged as any name).
   */
  limitSendingProviders: Provider[] | undefined;
}

/**
 * The targets of each name under `models:`, decided once at start from its first targets (an
 * alias's, each of a group's deployments). Fallbacks are left out, as for limits (tried only on
 * failure; the charge settles to what was used): a group of gpt-4o falling back to gpt-4o-mini
 * would refuse twenty images it bills at 29,000 as needing 963,000.
 */
export function configuredNameTargets(
  models: GatewayConfig['models'],
  providers: ReadonlyMap<string, Provider> | undefined,
): Map<string, ConfiguredNameTargets> {
  const byName = new Map<string, ConfiguredNameTargets>();
  for (const [name, entry] of Object.entries(models)) {
    const targets = firstTargets(entry);
    const targetProviders = targets.map((target) => providers?.get(target.slice(0, target.indexOf('/'))));
    byName.set(name, {
      imageTokens: imageTokenEstimates(targets),
      limitSendingProviders: targetProviders.includes(undefined)
        ? undefined
        : (targetProviders as Provider[]).filter((provider) => provider.chat?.defaultOutputLimit !== undefined),
    });
  }
  return byName;
}
