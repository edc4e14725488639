import type { Deployment, GatewayConfig } from '@switchyard/core';

/** One entry of the config's `models:` section: an alias string or a group. */
export type ModelEntry = GatewayConfig['models'][string];
/** A group as written in the config, before defaults. */
export type ModelGroupEntry = Exclude<ModelEntry, string>;
/** How a group's deployments are ordered. */
export type RoutingStrategy = NonNullable<ModelGroupEntry['strategy']>;

/** A deployment of a group, with what the strategies need to know about it. */
export interface GroupDeployment extends Deployment {
  /** `provider/model`: the key of its runtime stats. */
  readonly key: string;
  readonly weight: number;
  readonly priority: number;
  /** USD per million tokens, when the config gives a hint. */
  readonly price?: { input: number; output: number };
  readonly contextWindow?: number;
}

/** How often a group is tried again after every deployment failed, and how long to wait between rounds. */
export interface RetryPolicy {
  /** Rounds after the first. */
  readonly attempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
}

/** A model name resolved: the deployments behind it and how to route over them. */
export interface ModelGroup {
  /** The name it was resolved from: a group, an alias or `provider/model`. */
  readonly name: string;
  readonly deployments: readonly GroupDeployment[];
  readonly strategy: RoutingStrategy;
  readonly retries: RetryPolicy;
  /** Deadline of the whole routed call. */
  readonly timeoutMs: number;
  readonly attemptTimeoutMs?: number;
  readonly fallbacks: readonly string[];
  readonly contextFallback?: string;
  readonly contentFilterFallback?: string;
  /** Whether it comes from the config (its deployments' stats are kept) or from a bare `provider/model`. */
  readonly configured: boolean;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 2, backoffMs: 200, maxBackoffMs: 5000 };
export const defaultTimeoutMs = 120_000;

/** A group of one deployment with the default retries: what an alias or a bare `provider/model` means. */
export function singleDeploymentGroup(name: string, deployment: Deployment, configured: boolean): ModelGroup {
  return {
    name,
    deployments: [{ ...deployment, key: `${deployment.provider}/${deployment.model}`, weight: 1, priority: 0 }],
    strategy: 'priority',
    retries: defaultRetryPolicy,
    timeoutMs: defaultTimeoutMs,
    fallbacks: [],
    configured,
  };
}

/** A configured group with its defaults filled in; `target` is split by `splitTarget`. */
export function groupFromEntry(name: string, entry: ModelGroupEntry, splitTarget: (target: string) => Deployment): ModelGroup {
  const deployments = entry.deployments.map((item): GroupDeployment => {
    const deployment = splitTarget(item.target);
    return {
      ...deployment,
      key: `${deployment.provider}/${deployment.model}`,
      weight: item.weight ?? 1,
      priority: item.priority ?? 0,
      ...(item.price && { price: item.price }),
      ...(item.context_window !== undefined && { contextWindow: item.context_window }),
    };
  });
  const prioritiesDiffer = new Set(deployments.map((deployment) => deployment.priority)).size > 1;
  return {
    name,
    deployments,
    strategy: entry.strategy ?? (prioritiesDiffer ? 'priority' : 'weighted'),
    retries: {
      attempts: entry.retries?.attempts ?? defaultRetryPolicy.attempts,
      backoffMs: entry.retries?.backoff_ms ?? defaultRetryPolicy.backoffMs,
      maxBackoffMs: entry.retries?.max_backoff_ms ?? defaultRetryPolicy.maxBackoffMs,
    },
    timeoutMs: entry.timeout_ms ?? defaultTimeoutMs,
    ...(entry.attempt_timeout_ms !== undefined && { attemptTimeoutMs: entry.attempt_timeout_ms }),
    fallbacks: entry.fallbacks ?? [],
    ...(entry.context_fallback !== undefined && { contextFallback: entry.context_fallback }),
    ...(entry.content_filter_fallback !== undefined && { contentFilterFallback: entry.content_filter_fallback }),
    configured: true,
  };
}
