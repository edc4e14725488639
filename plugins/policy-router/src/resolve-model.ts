import { GatewayError, isGatewayError, redactModelName, type Deployment } from '@switchyard/core';
import { groupFromEntry, singleDeploymentGroup, type ModelEntry, type ModelGroup } from './model-group.js';
import { RecentGroups } from './recent-groups.js';

/** Bare `provider/model` names whose groups are kept: more than a gateway's clients usually use at once. */
const keptBareNames = 64;

/**
 * A model name as a client wrote it → the deployment to call. Aliases come first;
 * otherwise the name is `provider/model`, split at the first slash so model ids
 * that contain slashes (`openrouter/meta-llama/llama-3`) stay whole. A group
 * resolves to its first deployment; {@link ModelResolver} gives the whole group.
 */
export function resolveModel(
  name: string,
  aliases: Readonly<Record<string, ModelEntry>>,
  providers: ReadonlySet<string>,
): Deployment {
  // Own keys only: the name is the client's (`constructor` is no alias).
  const entry = Object.hasOwn(aliases, name) ? aliases[name] : undefined;
  const target = entry === undefined ? name : typeof entry === 'string' ? entry : entry.deployments[0]!.target;
  return splitTarget(name, target, providers);
}

/** Resolves model names to groups: configured groups and aliases first, then `provider/model`. */
export class ModelResolver {
  private readonly groups = new Map<string, ModelGroup>();
  private readonly broken = new Map<string, GatewayError>();
  /** Groups of bare names that resolved (their provider is configured); one that did not is never kept. */
  private readonly bare = new RecentGroups(keptBareNames);
  /** Configured targets whose provider does not exist, by config path. */
  readonly problems: Array<{ path: string; message: string }> = [];

  constructor(
    models: Readonly<Record<string, ModelEntry>>,
    private readonly providers: ReadonlySet<string>,
  ) {
    for (const [name, entry] of Object.entries(models)) {
      let path = `/models/${name}`;
      try {
        const group =
          typeof entry === 'string'
            ? singleDeploymentGroup(name, splitTarget(name, entry, providers), true)
            : groupFromEntry(name, entry, (target) => {
                path = `/models/${name}/deployments/${entry.deployments.findIndex((item) => item.target === target)}/target`;
                return splitTarget(target, target, providers);
              });
        this.groups.set(name, group);
      } catch (error) {
        if (!isGatewayError(error)) throw error;
        this.broken.set(name, error);
        this.problems.push({ path, message: error.message });
      }
    }
  }

  /** The group a name stands for; a bare `provider/model` is a group of one with the default retries. */
  resolve(name: string): ModelGroup {
    const broken = this.broken.get(name);
    if (broken) throw broken;
    const configured = this.groups.get(name);
    if (configured) return configured;
    let group = this.bare.get(name);
    if (!group) {
      group = singleDeploymentGroup(name, splitTarget(name, name, this.providers), false);
      this.bare.add(name, group);
    }
    return group;
  }

  /** Whether `resolve(name)` would succeed. */
  has(name: string): boolean {
    try {
      this.resolve(name);
      return true;
    } catch {
      return false;
    }
  }
}

function splitTarget(name: string, target: string, providers: ReadonlySet<string>): Deployment {
  const slash = target.indexOf('/');
  const provider = slash > 0 ? target.slice(0, slash) : undefined;
  const model = slash > 0 ? target.slice(slash + 1) : '';
  // The client's name, as the gateway writes it where others read it: a credential pasted there (spelled with references too) is blanked.
  if (!provider || !model) {
    throw new GatewayError(
      'model_not_found',
      `The model '${redactModelName(name)}' does not exist. Address models as 'provider/model' (for example 'mock/echo') or by a configured alias.`,
      { param: 'model' },
    );
  }
  if (!providers.has(provider)) {
    throw new GatewayError('model_not_found', `The model '${redactModelName(name)}' does not exist: no provider named '${redactModelName(provider)}' is configured.`, {
      param: 'model',
    });
  }
  return { provider, model };
}
