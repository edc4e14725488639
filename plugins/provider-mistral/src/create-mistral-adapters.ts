import {
  GatewayError,
  credentialHeaderValues,
  isJsonObject,
  readEmbeddingsUsage,
  type ChatRequest,
  type EmbeddingsRequest,
  type HttpChatAdapter,
  type HttpEmbeddingsAdapter,
  type ProviderAdapters,
  type ProviderCall,
} from '@switchyard/core';
import {
  createCompatibleStreamDecoder,
  createModelsAdapter,
  createOpenAIEndpoint,
  mapCompatibleError,
  parseCompatibleCompletion,
  readCompatibleUsage,
  readEmbeddingsData,
  toFloatVectors,
} from '@switchyard/provider-openai';
import { buildMistralChatBody } from './build-mistral-chat-body.js';
import type { MistralOptions } from './mistral-options.js';

const name = 'mistral';

/** The adapters of Mistral's API: OpenAI's translation with Mistral's differences. */
export function createMistralAdapters(options: MistralOptions): ProviderAdapters {
  const endpoint = createOpenAIEndpoint({ ...options, max_tokens_field: 'max_tokens' });
  const chat: HttpChatAdapter = {
    buildRequest: (request: ChatRequest, model: string, call?: ProviderCall<ChatRequest>) =>
      endpoint.request('POST', '/chat/completions', JSON.stringify(buildMistralChatBody(request, model, options, call?.logger))),
    parseResponse: (body) => parseCompatibleCompletion(body, name),
    readUsage: (body) => (isJsonObject(body) ? readCompatibleUsage(body) : undefined),
    createStreamDecoder: (info) => createCompatibleStreamDecoder(info.provider ?? name),
  };
  const embeddings: HttpEmbeddingsAdapter = {
    buildRequest(request: EmbeddingsRequest, model: string, call?: ProviderCall<EmbeddingsRequest>) {
      const body: Record<string, unknown> = { model, input: request.input };
      if (request.dimensions !== undefined) body['output_dimension'] = request.dimensions;
      if (request.user !== undefined) call?.logger.warn({ provider: name, dropped: ['user'] }, 'mistral does not accept user; dropped from the request');
      return endpoint.request('POST', '/embeddings', JSON.stringify(body));
    },
    parseResponse(body: unknown) {
      const response = body as { model?: unknown; data?: unknown; usage?: { prompt_tokens?: unknown } } | null;
      if (!Array.isArray(response?.data)) {
        throw new GatewayError('upstream_invalid_response', 'The mistral upstream answered without embeddings.', { provider: name });
      }
      return {
        model: typeof response.model === 'string' ? response.model : '',
        // In input order, each a list of finite numbers (readEmbeddingsData: anything else is upstream_invalid_response).
        embeddings: toFloatVectors(readEmbeddingsData(response.data, name), name),
        // Undefined when missing or unreadable: the gateway bills its estimate of the input, never 0.
        usage: readEmbeddingsUsage(response.usage?.prompt_tokens),
      };
    },
  };
  return {
    chat,
    embeddings,
    models: createModelsAdapter(endpoint, name),
    mapError: (response) => mapCompatibleError(name, response),
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    secrets: [options.api_key, ...credentialHeaderValues(options.headers)],
    modelsTtlMs: options.models_ttl_ms,
  };
}
