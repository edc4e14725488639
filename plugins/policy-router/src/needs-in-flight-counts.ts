import type { GatewayConfig } from '@switchyard/core';

/**
 * Whether any configured group routes by least-busy, the only strategy that reads
 * how many calls each deployment has in flight. Counts are kept by deployment, so
 * one such group means every call is counted (another group may share its deployments).
 */
export function needsInFlightCounts(models: GatewayConfig['models']): boolean {
  return Object.values(models).some((entry) => typeof entry !== 'string' && entry.strategy === 'least-busy');
}
