import { imageTokenEstimates, type GatewayConfig, type ImageHoldTokens } from '@switchyard/core';
import { firstTargets } from './model-limits-by-name.js';

/**
 * What one image counts in the tpm estimate of a request to each name under `models:`: the
 * most any model it is first sent to may bill for it, at each detail (core's
 * imageTokenEstimates), decided once at start. Counted by the name itself, which is no
 * model, an image to an alias of gpt-4o-mini counted 1,600 and may be billed 48,169.
 * Fallbacks are left out, as for limits (tried only on failure; the charge settles to what
 * was used): a group of gpt-4o falling back to gpt-4o-mini would refuse twenty images it
 * bills at 29,000 as needing 963,000.
 */
export function imageTokensByName(models: GatewayConfig['models']): Map<string, ImageHoldTokens> {
  const byName = new Map<string, ImageHoldTokens>();
  for (const [name, entry] of Object.entries(models)) byName.set(name, imageTokenEstimates(firstTargets(entry)));
  return byName;
}
