import type { RequestHandler } from 'express';
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

function hasFunctions(value: unknown, names: readonly string[]): boolean {
  return typeof value === 'object' && value !== null && names.every((key) => typeof (value as Record<string, unknown>)[key] === 'function');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value === 'undefined' ? 'nothing' : `a ${typeof value}`;
}
