import path from 'node:path';
import type { ChainEntry, GatewayConfig } from '../config/gateway-config.js';
import {
  isPluginFactory,
  isPluginOptionsError,
  type IngressPlugin,
  type PluginFactory,
  type ProviderPlugin,
  type PluginKind,
  type StepPlugin,
  type StoragePlugin,
} from '../plugin/define-plugin.js';
import type { ValidationProblem } from '../validation/compile-validator.js';
import type { TextReadings } from '../validation/put-back-text.js';
import { locatePluginModule, pluginSearchDirs } from './locate-plugin-module.js';
import { readPluginOptionsAsText } from './read-plugin-options-as-text.js';

/** Loads a plugin module from the `file:` URL it was found at; by default `import()`. */
export type ImportModule = (specifier: string) => Promise<unknown>;

export interface ResolvedPlugins {
  providers: Array<{ id: string; plugin: ProviderPlugin }>;
  steps: StepPlugin[];
  storage: StoragePlugin | undefined;
  /** Ingress plugins by their id in the config's `ingress:` section, in config order. */
  ingress: Array<{ id: string; plugin: IngressPlugin }>;
}

export interface ResolvePluginsOptions {
  /** Plugin factories handed over directly; they win over packages of the same name. */
  plugins: ReadonlyArray<PluginFactory<unknown, unknown>>;
  importModule: ImportModule;
  /**
   * The config file's folder: relative `use:` paths are resolved against it, and
   * package names are looked up from it first (then the working folder, then core's own).
   */
  baseDir: string;
  /**
   * Values of the config that were one whole `${VAR}` read as a number or a boolean, by pointer,
   * with their text (findConfigProblems): put back as text where a plugin's schema wants a string.
   */
  typedReferences?: TextReadings;
}

/** Which package provides a step, for steps that live together in one package. */
const stepPackages: Record<string, string> = {
  auth: '@switchyard/policy-keys',
  'key-scope': '@switchyard/policy-keys',
  route: '@switchyard/policy-router',
};

/**
 * Finds the plugin behind every provider and chain step of a config and checks its
 * options against the plugin's schema. Collects every problem before failing.
 */
export async function resolvePlugins(config: GatewayConfig, options: ResolvePluginsOptions): Promise<ResolvedPlugins> {
  const problems: ValidationProblem[] = [];
  const resolved: ResolvedPlugins = { providers: [], steps: [], storage: undefined, ingress: [] };

  for (const [id, entry] of Object.entries(config.providers)) {
    const { use } = entry;
    const name = use ?? id;
    const pointer = `/providers/${id}`;
    const factory = await findFactory('provider', name, options, problems, use !== undefined ? `${pointer}/use` : pointer);
    if (!factory) continue;
    const plugin = configure<ProviderPlugin>(factory, entry, pointer, problems, options);
    if (plugin) resolved.providers.push({ id, plugin });
  }

  if (config.storage) {
    const factory = await findFactory('storage', config.storage.use!, options, problems, '/storage/use');
    if (factory) resolved.storage = configure<StoragePlugin>(factory, config.storage, '/storage', problems, options);
  }

  for (const [id, entry] of Object.entries(config.ingress ?? {})) {
    const { use } = entry;
    const pointer = `/ingress/${id}`;
    const factory = await findFactory('ingress', use ?? id, options, problems, use !== undefined ? `${pointer}/use` : pointer);
    if (!factory) continue;
    const plugin = configure<IngressPlugin>(factory, entry, pointer, problems, options);
    if (plugin) resolved.ingress.push({ id, plugin });
  }

  config.chain.forEach((entry, index) => {
    const { name } = chainEntryParts(entry);
    if (name === 'adapter' && index !== config.chain.length - 1) {
      problems.push({ path: `/chain/${index}`, message: "the 'adapter' step must come last" });
    }
  });
  if (!config.chain.some((entry) => chainEntryParts(entry).name === 'adapter')) {
    problems.push({ path: '/chain', message: "the chain must end with the 'adapter' step" });
  }

  for (const [index, entry] of config.chain.entries()) {
    const { name, options: stepOptions } = chainEntryParts(entry);
    const { use } = stepOptions;
    const pointer = typeof entry === 'string' ? `/chain/${index}` : `/chain/${index}/${name}`;
    const factory = await findFactory('step', typeof use === 'string' ? use : name, options, problems, pointer, name);
    if (!factory) continue;
    const plugin = configure<StepPlugin>(factory, stepOptions, pointer, problems, options);
    if (plugin) resolved.steps.push(plugin);
  }

  if (problems.length > 0) throw new PluginResolutionError(problems, resolved);
  return resolved;
}

/** Raised with every plugin problem of a config; the caller adds the file name. */
export class PluginResolutionError extends Error {
  override readonly name = 'PluginResolutionError';
  constructor(
    readonly problems: ValidationProblem[],
    /** The plugins that did resolve, so their own checks can still run and report in the same pass. */
    readonly resolved?: ResolvedPlugins,
  ) {
    super(`${problems.length} plugin problem(s) in the configuration`);
  }
}

export function chainEntryParts(entry: ChainEntry): { name: string; options: Record<string, unknown> } {
  if (typeof entry === 'string') return { name: entry, options: {} };
  const [name, options] = Object.entries(entry)[0]!;
  return { name, options: options ?? {} };
}

/** The plugin of a config entry (its options, beside the gateway's own `use:`), or its problems. */
function configure<Plugin>(
  factory: PluginFactory<unknown, unknown>,
  entry: Record<string, unknown>,
  pointer: string,
  problems: ValidationProblem[],
  options: ResolvePluginsOptions,
): Plugin | undefined {
  if (options.typedReferences) readPluginOptionsAsText(factory.optionsSchema, entry, pointer, options.typedReferences);
  const { use: _use, ...pluginOptions } = entry;
  try {
    return factory(pluginOptions) as Plugin;
  } catch (error) {
    if (!isPluginOptionsError(error)) throw error;
    for (const problem of error.problems) problems.push({ path: pointer + problem.path, message: problem.message });
    return undefined;
  }
}

async function findFactory(
  kind: PluginKind,
  name: string,
  options: ResolvePluginsOptions,
  problems: ValidationProblem[],
  pointer: string,
  pluginName = name,
): Promise<PluginFactory<unknown, unknown> | undefined> {
  // The last one handed over wins: `[...builtInPlugins, ownMock]` replaces the built-in mock, as a spread reads.
  const given = options.plugins.findLast((factory) => factory.kind === kind && factory.pluginName === pluginName);
  if (given) return given;

  const specifier = moduleSpecifier(kind, name);
  let url: string | undefined;
  try {
    url = locatePluginModule(specifier, options.baseDir, pluginSearchDirs(options.baseDir));
  } catch (error) {
    problems.push({ path: pointer, message: `the ${kind} plugin '${name}' cannot be resolved: ${describeLoadError(error)}` });
    return undefined;
  }
  if (!url) {
    const looked = isPath(specifier) ? `the file ${path.resolve(options.baseDir, specifier)}` : `the package ${specifier}`;
    problems.push({ path: pointer, message: `no ${kind} plugin '${name}' (looked for ${looked}; is it installed?)` });
    return undefined;
  }
  let module: unknown;
  try {
    module = await options.importModule(url);
  } catch (error) {
    // It exists but does not load (a broken import, a syntax error): say what broke, not "not found".
    problems.push({ path: pointer, message: `the ${kind} plugin '${name}' failed to load: ${describeLoadError(error)}` });
    return undefined;
  }
  const factories = exportedFactories(module);
  const match =
    factories.find((factory) => factory.kind === kind && factory.pluginName === pluginName) ??
    (factories.length === 1 && factories[0]!.kind === kind ? factories[0] : undefined);
  if (!match) {
    problems.push({ path: pointer, message: notExported(specifier, kind, pluginName, factories, module) });
  }
  return match;
}

const helperOf: Record<PluginKind, string> = { provider: 'defineProvider', step: 'definePlugin', storage: 'defineStorage', ingress: 'defineIngress' };
const sectionOf: Record<PluginKind, string> = { provider: 'providers:', step: 'chain:', storage: 'storage:', ingress: 'ingress:' };

/**
 * Why a module that loaded gave no plugin, in words a plugin's author can act on: it said
 * "does not export a provider plugin named './x.js'" of a hand-written factory, of a step
 * named under providers: and of a module of two providers alike.
 */
function notExported(specifier: string, kind: PluginKind, pluginName: string, factories: Array<PluginFactory<unknown, unknown>>, module: unknown): string {
  const ofKind = factories.filter((factory) => factory.kind === kind);
  const names = (list: Array<PluginFactory<unknown, unknown>>) => list.map((factory) => `'${factory.pluginName}'`).join(', ');
  if (ofKind.length > 0) {
    // A step is chosen by its chain entry's name; the others by the module use: names, which must then hold one.
    return kind === 'step'
      ? `${specifier} exports the step plugin${ofKind.length === 1 ? '' : 's'} ${names(ofKind)}, none named '${pluginName}'`
      : `${specifier} exports the ${kind} plugins ${names(ofKind)}: a module named by use: holds one, as its default export`;
  }
  if (factories.length > 0) {
    const other = factories[0]!;
    return `${specifier} exports the ${other.kind} plugin '${other.pluginName}', not a ${kind} plugin: a ${other.kind} is named under ${sectionOf[other.kind]}`;
  }
  const fallback = module !== null && typeof module === 'object' ? (module as { default?: unknown }).default : undefined;
  const found = fallback === undefined ? 'it has no default export' : `its default export is ${fallback === null ? 'null' : Array.isArray(fallback) ? 'an array' : `a${typeof fallback === 'object' ? 'n' : ''} ${typeof fallback}`}`;
  return `${specifier} exports no Switchyard plugin (${found}): a ${kind} plugin's default export is made with ${helperOf[kind]} from @switchyard/core`;
}

function moduleSpecifier(kind: PluginKind, name: string): string {
  if (isPath(name)) return name;
  if (name.includes('/')) return name; // a package name such as @acme/switchyard-provider-foo
  if (kind === 'provider') return `@switchyard/provider-${name}`;
  if (kind === 'storage') return `@switchyard/store-${name}`;
  if (kind === 'ingress') return `@switchyard/ingress-${name}`;
  // Own keys only: a step named `constructor` is looked for as a package, not read from Object.prototype.
  return (Object.hasOwn(stepPackages, name) ? stepPackages[name] : undefined) ?? `@switchyard/policy-${name}`;
}

function isPath(name: string): boolean {
  return name.startsWith('.') || path.isAbsolute(name);
}

/** The error's message and the first frame of its stack outside Node itself: enough to find the broken line. */
function describeLoadError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frame = error.stack
    ?.split('\n')
    .map((line) => line.trim())
    .find((line) => line.startsWith('at ') && !line.includes('node:internal'));
  const message = error.message.split('\n')[0]!;
  return frame ? `${message} (${frame})` : message;
}

function exportedFactories(module: unknown): Array<PluginFactory<unknown, unknown>> {
  if (!module || typeof module !== 'object') return [];
  const found: Array<PluginFactory<unknown, unknown>> = [];
  for (const value of Object.values(module as Record<string, unknown>)) {
    if (isPluginFactory(value) && !found.includes(value)) found.push(value);
  }
  return found;
}
