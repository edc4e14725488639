import { credentialHeaderValues, isJsonObject, type ChatRequest, type HttpChatAdapter, type ProviderAdapters, type ProviderCall } from '@switchyard/core';
import { buildCohereChatBody } from './build-cohere-chat-body.js';
import { createCohereEmbeddingsAdapter } from './create-cohere-embeddings-adapter.js';
import { createCohereEndpoint } from './cohere-endpoint.js';
import { createCohereModelsAdapter } from './create-cohere-models-adapter.js';
import type { CohereOptions } from './cohere-options.js';
import { createCohereStreamDecoder } from './cohere-stream-decoder.js';
import { listUnsupportedSettings } from './list-unsupported-settings.js';
import type { CohereUsage } from './cohere-wire-types.js';
import { mapCohereError } from './map-cohere-error.js';
import { mapCohereUsage } from './map-cohere-usage.js';
import { parseCohereChatResponse } from './parse-cohere-chat-response.js';

/**
 * The adapters of one Cohere API: chat (v2), embeddings (v2) and the live model
 * list (v1). `name` is used in messages; provider options are read from
 * `providerOptions.cohere` whatever the instance is called.
 */
export function createCohereAdapters(options: CohereOptions, name = 'cohere'): ProviderAdapters {
  const endpoint = createCohereEndpoint(options);
  const chat: HttpChatAdapter = {
    buildRequest(request: ChatRequest, model: string, call?: ProviderCall<ChatRequest>) {
      const unsupported = listUnsupportedSettings(request);
      if (unsupported.length > 0) call?.logger.warn({ provider: name, unsupported }, 'settings Cohere cannot honour were left out');
      return endpoint.request('POST', '/v2/chat', JSON.stringify(buildCohereChatBody(request, model)));
    },
    parseResponse: (body) => parseCohereChatResponse(body, name),
    readUsage: (body) => (isJsonObject(body) ? mapCohereUsage(body['usage'] as CohereUsage | undefined) : undefined),
    createStreamDecoder: (info) => createCohereStreamDecoder(info.provider ?? name),
  };
  return {
    chat,
    embeddings: createCohereEmbeddingsAdapter(endpoint, options.embedding_input_type, name),
    models: createCohereModelsAdapter(endpoint, name),
    mapError: (response) => mapCohereError(name, response),
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    secrets: [options.api_key, ...credentialHeaderValues(options.headers)],
    modelsTtlMs: options.models_ttl_ms,
  };
}
