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
    const targets = typeof entry === 'string' ? [entry] : entry.deployments.map((deployment) => deployment.target);
    const applying: Limits[] = [];
    for (const [pattern, limits] of patterns) {
      const onEveryTarget = targets.length > 0 && targets.every((target) => matchesModelPattern(target, [pattern]));
      if (onEveryTarget || matchesModelPattern(name, [pattern])) applying.push(limits);
    }
    byName.set(name, applying);
  }
  return byName;
}
