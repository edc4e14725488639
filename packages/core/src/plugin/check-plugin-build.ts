import type { RequestHandler } from 'express';
import type { IngressContribution } from './define-plugin.js';
import type { ProviderAdapters } from './provider-types.js';

/**
 * What a plugin's `create` returned, checked once at start: a step that built no
 * middleware, or a provider whose adapters are neither HTTP adapters nor direct
 * operations, otherwise started and then failed every request it met with a 500
 * ("step is not a function"). Such a plugin is refused here, by its name.
 */
export function checkStepHandler(name: string, built: unknown): RequestHandler {
  if (typeof built !== 'function') {
    throw new Error(`The step plugin '${name}' built ${describe(built)}, not an Express middleware: its create(options, runtime) must return (req, res, next) => …`);
  }
  return built as RequestHandler;
}

const httpOrDirect: Record<'chat' | 'embeddings' | 'models', { http: readonly string[]; direct: readonly string[] }> = {
  chat: { http: ['buildRequest', 'parseResponse', 'createStreamDecoder'], direct: ['complete', 'stream'] },
  embeddings: { http: ['buildRequest', 'parseResponse'], direct: ['embed'] },
  models: { http: ['buildRequest', 'parseResponse'], direct: ['list'] },
};

export function checkProviderAdapters(name: string, built: unknown): ProviderAdapters {
  if (typeof built !== 'object' || built === null) {
    throw new Error(`The provider plugin '${name}' built ${describe(built)}, not its adapters: its create(options) must return an object ({ chat, embeddings, models, … }).`);
  }
  if (typeof (built as { then?: unknown }).then === 'function') {
    // Refused unawaited: its rejection would otherwise end the process as an unhandled one.
    (built as PromiseLike<unknown>).then(undefined, () => undefined);
    throw new Error(
      `The provider plugin '${name}' built a promise, not its adapters: its create(options) must return them, not a promise (an async create); do asynchronous work inside the operations`,
    );
  }
  for (const [operation, { http, direct }] of Object.entries(httpOrDirect)) {
    const value = (built as Record<string, unknown>)[operation];
    if (value === undefined) continue;
    if (hasFunctions(value, http) || hasFunctions(value, direct)) continue;
    throw new Error(
      `The provider plugin '${name}' built a ${operation} that is neither an HTTP adapter (${http.join(', ')}) nor a direct operation (${direct.join(', ')}).`,
    );
  }
  return built as ProviderAdapters;
}

/** A provider plugin's adapters, built as start builds them; its create's own throw named by the plugin. */
export function buildProviderAdapters(name: string, build: () => unknown): ProviderAdapters {
  return checkProviderAdapters(name, builtByPlugin(`provider plugin '${name}'`, build));
}

/** What a plugin's create() returned; a throw from it is named by the plugin (`plugin`: "provider plugin 'x'"). */
function builtByPlugin(plugin: string, build: () => unknown): unknown {
  try {
    return build();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`The ${plugin} failed to build: ${reason}`, { cause: error });
  }
}

function hasFunctions(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((key) => typeof (value as Record<string, unknown>)[key] === 'function');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value === 'undefined' ? 'nothing' : `a ${typeof value}`;
}

const dialectFunctions = ['parse', 'formatResponse', 'createStreamEncoder', 'formatError'] as const;
const passthroughFunctions = ['formatResponse', 'createStreamEncoder'] as const;

/**
 * An ingress plugin's contribution, checked as it is built at start: a dialect missing a
 * function, or routes that are not a list of routes, otherwise started and then answered
 * its clients 500 ("dialect.parse is not a function") or crashed. Each route's path,
 * method and name are checked where the routes are mounted (`mountIngressPlugins`).
 */
export function buildIngressContribution(name: string, build: () => unknown): IngressContribution {
  return checkIngressContribution(name, builtByPlugin(`ingress plugin '${name}'`, build));
}

function checkIngressContribution(name: string, built: unknown): IngressContribution {
  const refuse = (what: string) => new Error(`The ingress plugin '${name}' built ${what}: its create(options) must return { dialect, routes, pathPrefix? } (docs/plugins.md, 4.2).`);
  if (typeof built !== 'object' || built === null || Array.isArray(built)) throw refuse(`${describe(built)}, not its dialect and routes`);
  const { dialect, routes } = built as Record<string, unknown>;
  if (typeof dialect !== 'object' || dialect === null) throw refuse(`a dialect: ${describe(dialect)}, not an object`);
  const fields = dialect as Record<string, unknown>;
  if (typeof fields['name'] !== 'string' || fields['name'].length === 0) throw refuse(`a dialect.name: ${describe(fields['name'])}, not a name`);
  for (const key of dialectFunctions) {
    if (typeof fields[key] !== 'function') throw refuse(`a dialect.${key}: ${describe(fields[key])}, not a function`);
  }
  if (fields['beforeLastWrite'] !== undefined && typeof fields['beforeLastWrite'] !== 'function') {
    throw refuse(`a dialect.beforeLastWrite: ${describe(fields['beforeLastWrite'])}, not a function`);
  }
  checkPassthrough(fields['passthrough'], refuse);
  if (!Array.isArray(routes) || routes.length === 0) throw refuse(`routes: ${describe(routes)}, not a list of at least one route`);
  routes.forEach((route: unknown, index) => {
    if (typeof route !== 'object' || route === null || Array.isArray(route)) throw refuse(`routes[${index}]: ${describe(route)}, not a route ({ method, path, name })`);
  });
  return built as IngressContribution;
}

function checkPassthrough(passthrough: unknown, refuse: (what: string) => Error): void {
  if (passthrough === undefined) return;
  if (typeof passthrough !== 'object' || passthrough === null) throw refuse(`a dialect.passthrough: ${describe(passthrough)}, not an object`);
  const fields = passthrough as Record<string, unknown>;
  if (typeof fields['name'] !== 'string') throw refuse(`a dialect.passthrough.name: ${describe(fields['name'])}, not a provider dialect's name`);
  for (const key of passthroughFunctions) {
    if (typeof fields[key] !== 'function') throw refuse(`a dialect.passthrough.${key}: ${describe(fields[key])}, not a function`);
  }
}
