import { GatewayError, type Deployment } from '@switchyard/core';

/**
 * A model name as a client wrote it → the deployment to call. Aliases come first;
 * otherwise the name is `provider/model`, split at the first slash so model ids
 * that contain slashes (`openrouter/meta-llama/llama-3`) stay whole.
 */
export function resolveModel(
  name: string,
  aliases: Readonly<Record<string, string>>,
  providers: ReadonlySet<string>,
): Deployment {
  const target = aliases[name] ?? name;
  const slash = target.indexOf('/');
  const provider = slash > 0 ? target.slice(0, slash) : undefined;
  const model = slash > 0 ? target.slice(slash + 1) : '';
  if (!provider || !model) {
    throw new GatewayError(
      'model_not_found',
      `The model '${name}' does not exist. Address models as 'provider/model' (for example 'mock/echo') or by a configured alias.`,
      { param: 'model' },
    );
  }
  if (!providers.has(provider)) {
    throw new GatewayError('model_not_found', `The model '${name}' does not exist: no provider named '${provider}' is configured.`, {
      param: 'model',
    });
  }
  return { provider, model };
}
