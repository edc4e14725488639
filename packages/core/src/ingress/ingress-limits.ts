import type { ResourceLimits } from '../config/gateway-config.js';

/** The bounds an ingress dialect applies to a parsed body, from `limits:` in the config. */
export interface IngressLimits {
  /** Most messages in one chat request (`limits.max_messages`). */
  maxMessages: number;
  /** Longest model name (`limits.max_model_name_length`). */
  maxModelNameLength: number;
}

/** The config's defaults, for callers (tests, the conformance kit) that have no config. */
export const defaultIngressLimits: IngressLimits = { maxMessages: 4096, maxModelNameLength: 256 };

/** The ingress part of the config's `limits:` section. */
export function ingressLimitsFrom(limits: ResourceLimits): IngressLimits {
  return { maxMessages: limits.max_messages, maxModelNameLength: limits.max_model_name_length };
}
