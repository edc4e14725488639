import { credentialHeaderValues, isJsonObject, type ChatRequest, type DirectModelsOperation, type HttpChatAdapter, type HttpEmbeddingsAdapter, type HttpModelsAdapter, type ProviderAdapters } from '@switchyard/core';
import { buildChatBody, createEmbeddingsAdapter, createModelsAdapter, readCompatibleUsage } from '@switchyard/provider-openai';
import { createAzureEndpoint, type AzureEndpoint } from './azure-endpoint.js';
import type { AzureOptions } from './azure-options.js';
import { createAzureStreamDecoder } from './azure-stream-decoder.js';
import { mapAzureError } from './map-azure-error.js';
import { parseAzureCompletion } from './parse-azure-completion.js';

/**
 * The adapters of one Azure OpenAI resource. The body and response translators
 * are provider-openai's; Azure differs in where requests go, how they
 * authenticate, its content-filter annotations and its error envelope.
 */
export function createAzureAdapters(options: AzureOptions, name = 'azure'): ProviderAdapters {
  const endpoint = createAzureEndpoint(options);
  const chat: HttpChatAdapter = {
    buildRequest: (request: ChatRequest, model: string) => {
      const deployment = endpoint.deploymentFor(model);
      // Deployment URLs ignore the body's model; the v1 API reads the deployment from it.
      const body = buildChatBody(request, deployment, options.max_tokens_field, name);
      if (!endpoint.streamOptions) delete body.stream_options;
      return endpoint.request('POST', '/chat/completions', deployment, JSON.stringify(body));
    },
    parseResponse: (body) => parseAzureCompletion(body, name),
    readUsage: (body) => (isJsonObject(body) ? readCompatibleUsage(body) : undefined),
    createStreamDecoder: (info) => createAzureStreamDecoder(info.provider ?? name),
  };
  const secrets = [options.api_key, options.bearer_token, ...credentialHeaderValues(options.headers)].filter((secret): secret is string => secret !== undefined);
  return {
    chat,
    embeddings: createAzureEmbeddingsAdapter(endpoint, name),
    models: createAzureModelsAdapter(endpoint, options, name),
    mapError: (response) => mapAzureError(name, response),
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    secrets,
    modelsTtlMs: options.models_ttl_ms,
  };
}

/** provider-openai's embeddings translation, sent to the model's deployment. */
function createAzureEmbeddingsAdapter(endpoint: AzureEndpoint, name: string): HttpEmbeddingsAdapter {
  const parser = createEmbeddingsAdapter(endpoint.forDeployment(''), name);
  return {
    buildRequest(request, model, call) {
      const deployment = endpoint.deploymentFor(model);
      return createEmbeddingsAdapter(endpoint.forDeployment(deployment), name).buildRequest(request, deployment, call);
    },
    parseResponse: (body, info, call) => parser.parseResponse(body, info, call),
    readUsage: (body) => parser.readUsage?.(body),
  };
}

/**
 * With a `deployments` map, its model names are the list: they are what a client
 * can address, and Azure has no data-plane call listing deployments. Without one,
 * the resource's model list (`/openai/models` or `/openai/v1/models`), whose ids
 * work when deployments are named after their models, as is common.
 */
function createAzureModelsAdapter(endpoint: AzureEndpoint, options: AzureOptions, name: string): HttpModelsAdapter | DirectModelsOperation {
  const configured = Object.keys(options.deployments);
  if (configured.length > 0) {
    const models = configured.map((id) => ({ id, ownedBy: name }));
    return { list: () => Promise.resolve(models.map((model) => ({ ...model }))) };
  }
  return createModelsAdapter(endpoint.forDeployment(''), name);
}
