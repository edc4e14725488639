import { matchesModelPattern, type GatewayConfig } from '@switchyard/core';

/**
 * Which `limits.models` patterns each name under the config's `models:` counts on, decided
 * once at start. The step runs before `route`, so it sees the name a client asked for; an
 * alias or a group is one more name for the models it routes to, and matched by the name
 * alone it got round a limit set on its `provider/model`. A pattern applies to such a name
 * when it matches the name itself, or every `provider/model` the name is first sent to
 * (an alias's target, each of a group's deployments): a request to it always reaches that
 * model. A group mixing models is not charged a limit only some of them have (that would
 * refuse calls bound for the others); nor are fallbacks, which are tried only on failure.
 *
 * Names the config does not define (`provider/model` as sent) are matched at request time.
 */
export function modelLimitsByName<Limits>(
  models: GatewayConfig['models'],
  patterns: ReadonlyArray<readonly [pattern: string, limits: Limits]>,
): Map<string, Limits[]> {
  const byName = new Map<string, Limits[]>();
  if (patterns.length === 0) return byName;
  for (const [name, entry] of Object.entries(models)) {
    const targets = firstTargets(entry);
    const applying: Limits[] = [];
    for (const [pattern, limits] of patterns) {
      const onEveryTarget = targets.length > 0 && targets.every((target) => matchesModelLimit(target, pattern));
      if (onEveryTarget || matchesModelLimit(name, pattern)) applying.push(limits);
    }
    byName.set(name, applying);
  }
  return byName;
}

/** The `provider/model`s a name under `models:` is first sent to: an alias's target, each of a group's deployments. */
export function firstTargets(entry: GatewayConfig['models'][string]): string[] {
  return typeof entry === 'string' ? [entry] : entry.deployments.map((deployment) => deployment.target);
}

/** `provider/models/<id>`: a model by its resource name, as Gemini takes it. */
const resourceName = /^([^/]+)\/models\/(.+)$/s;

/**
 * Whether a model limit's pattern holds a name: as it is spelled, or, for a model named by its
 * resource name (`gemini/models/gemini-2.5-pro`), as `provider/<id>`: Gemini calls both spellings
 * as the same model (the price catalog prices them alike), and matched as typed the resource
 * name got round a limit on `gemini/gemini-2.5-pro`. Elsewhere a `models/` id names no model,
 * so holding it to `provider/<id>`'s limit only refuses what the upstream would.
 */
export function matchesModelLimit(name: string, pattern: string): boolean {
  if (matchesModelPattern(name, [pattern])) return true;
  const resource = resourceName.exec(name);
  return resource !== null && matchesModelPattern(`${resource[1]}/${resource[2]}`, [pattern]);
}
