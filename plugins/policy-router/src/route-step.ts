import { definePlugin, getContext, type JsonSchema } from '@switchyard/core';
import { resolveModel } from './resolve-model.js';

export type RouteOptions = Record<string, never>;

const routeOptionsSchema: JsonSchema = { type: 'object', additionalProperties: false, properties: {} };

/** The route step: turns the requested model name into the deployments to try. */
export const route = definePlugin<RouteOptions>({
  name: 'route',
  optionsSchema: routeOptionsSchema,
  create(_options, runtime) {
    const providers = new Set(runtime.providers.keys());
    const aliases = runtime.config.models;
    return (_req, res, next) => {
      const context = getContext(res);
      const request = context.chatRequest ?? context.embeddingsRequest;
      if (request) context.deployments = [resolveModel(request.model, aliases, providers)];
      next();
    };
  },
});
