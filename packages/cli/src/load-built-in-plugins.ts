import { findConfigProblems, type GatewayConfig, type PluginFactory, type PluginKind } from '@switchyard/core';

type Factory = PluginFactory<unknown, unknown>;

/** A package of built-in plugins: which plugins it provides, and how to import it when a config names one. */
interface BuiltInPackage {
  provides: ReadonlyArray<{ kind: PluginKind; name: string }>;
  load(): Promise<Factory[]>;
}

const provider = (name: string) => ({ kind: 'provider' as const, name });
const step = (name: string) => ({ kind: 'step' as const, name });
const storage = (name: string) => ({ kind: 'storage' as const, name });
const only = (module: { default: unknown }) => [module.default as Factory];

/**
 * The built-in plugin packages, each imported only when a config uses one of its
 * plugins: every package loaded costs memory for the life of the process (its code,
 * its dependencies' code — PostgreSQL's client, AWS signing …), about 8 MB of RSS for
 * the ones the full benchmark chain does not use. `builtInPlugins` is all of them at
 * once; `load-built-in-plugins.test.ts` checks that each package provides exactly
 * the plugins listed here.
 */
export const builtInPackages: ReadonlyArray<BuiltInPackage> = [
  { provides: [provider('openai')], load: async () => only(await import('@switchyard/provider-openai')) },
  { provides: [provider('anthropic')], load: async () => only(await import('@switchyard/provider-anthropic')) },
  { provides: [provider('gemini')], load: async () => only(await import('@switchyard/provider-gemini')) },
  { provides: [provider('cohere')], load: async () => only(await import('@switchyard/provider-cohere')) },
  { provides: [provider('azure')], load: async () => only(await import('@switchyard/provider-azure')) },
  { provides: [provider('bedrock')], load: async () => only(await import('@switchyard/provider-bedrock')) },
  { provides: [provider('mistral')], load: async () => only(await import('@switchyard/provider-mistral')) },
  { provides: [provider('mock')], load: async () => only(await import('@switchyard/provider-mock')) },
  {
    provides: [step('auth'), step('key-scope')],
    load: async () => {
      const keys = await import('@switchyard/policy-keys');
      return [keys.default, keys.keyScope] as Factory[];
    },
  },
  { provides: [step('rate-limit')], load: async () => only(await import('@switchyard/policy-rate-limit')) },
  { provides: [step('circuit-breaker')], load: async () => only(await import('@switchyard/policy-circuit-breaker')) },
  { provides: [step('cache')], load: async () => only(await import('@switchyard/policy-cache')) },
  { provides: [step('route')], load: async () => only(await import('@switchyard/policy-router')) },
  { provides: [storage('sqlite')], load: async () => only(await import('@switchyard/store-sqlite')) },
  { provides: [storage('postgres')], load: async () => only(await import('@switchyard/store-postgres')) },
];

/**
 * The built-in plugins a raw config names (its providers, chain steps and storage, with
 * the defaults it would get: the default chain, and SQLite storage, as `switchyard start`
 * adds), imported now. A config whose shape is wrong gets every built-in, so the checker
 * reports its problems exactly as with the full list. Names that are not built-ins
 * (packages, paths) are left to the gateway's own lookup, as before.
 */
export async function loadBuiltInPlugins(raw: unknown, env: Record<string, string | undefined> = process.env): Promise<Factory[]> {
  const wanted = pluginsNamedBy(raw, env);
  const packages = builtInPackages.filter((pkg) => !wanted || pkg.provides.some((plugin) => wanted.has(`${plugin.kind}:${plugin.name}`)));
  return (await Promise.all(packages.map((pkg) => pkg.load()))).flat();
}

/** `kind:name` of every plugin the config refers to, or undefined when its shape does not let us tell. */
function pluginsNamedBy(raw: unknown, env: Record<string, string | undefined>): Set<string> | undefined {
  let config: GatewayConfig;
  try {
    const checked = findConfigProblems(raw, env);
    if (checked.problems.length > 0) return undefined;
    config = checked.config;
  } catch {
    return undefined;
  }
  const named = new Set<string>();
  for (const [id, entry] of Object.entries(config.providers ?? {})) named.add(`provider:${entry?.use ?? id}`);
  named.add(`storage:${config.storage?.use ?? 'sqlite'}`);
  // A step is matched by its name in the chain, even when `use:` says where its package is.
  for (const entry of config.chain ?? []) named.add(`step:${typeof entry === 'string' ? entry : Object.keys(entry)[0]}`);
  return named;
}
