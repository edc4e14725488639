import type { ChatRequest, HttpChatAdapter, ProviderAdapters } from '@switchyard/core';
import { buildChatBody } from './build-chat-body.js';
import { createEmbeddingsAdapter } from './embeddings-adapter.js';
import { mapOpenAIError } from './map-openai-error.js';
import { createModelsAdapter } from './models-adapter.js';
import { createOpenAIEndpoint } from './openai-endpoint.js';
import type { OpenAIOptions } from './openai-options.js';
import { createOpenAIStreamDecoder } from './openai-stream-decoder.js';
import { parseChatCompletion } from './parse-chat-completion.js';

/**
 * The adapters of one OpenAI-compatible API. `name` is the plugin name, used in
 * messages and for `providerOptions`; presets for compatible services reuse this.
 */
export function createOpenAIAdapters(options: OpenAIOptions, name = 'openai'): ProviderAdapters {
  const endpoint = createOpenAIEndpoint(options);
  const chat: HttpChatAdapter = {
    buildRequest: (request: ChatRequest, model: string) =>
      endpoint.request('POST', '/chat/completions', JSON.stringify(buildChatBody(request, model, options.max_tokens_field, name))),
    parseResponse: (body) => parseChatCompletion(body, name),
    createStreamDecoder: () => createOpenAIStreamDecoder(name),
  };
  return {
    chat,
    embeddings: createEmbeddingsAdapter(endpoint, name),
    models: createModelsAdapter(endpoint, name),
    mapError: (response) => mapOpenAIError(name, response),
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    secrets: options.api_key ? [options.api_key] : [],
    modelsTtlMs: options.models_ttl_ms,
  };
}
