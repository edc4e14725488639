import { credentialHeaderValues, type ChatRequest, type HttpChatAdapter, type Logger, type ProviderAdapters, type UpstreamRequest } from '@switchyard/core';
import { buildGenerateContentBody } from './build-generate-content-body.js';
import { createGeminiEmbeddingsAdapter } from './gemini-embeddings-adapter.js';
import { createGeminiEndpoint } from './gemini-endpoint.js';
import { createGeminiModelsAdapter } from './gemini-models-adapter.js';
import type { GeminiOptions } from './gemini-options.js';
import { createGeminiStreamDecoder } from './gemini-stream-decoder.js';
import { mapGeminiError } from './map-gemini-error.js';
import type { GeminiUsageMetadata } from './gemini-wire-types.js';
import { mapGeminiUsage } from './map-gemini-usage.js';
import { parseGenerateContentResponse } from './parse-generate-content-response.js';

/** What of a provider call the chat adapter uses when the core hands it over. */
export interface GeminiCallContext {
  logger: Pick<Logger, 'warn'>;
}

/**
 * Gemini's chat adapter. `buildRequest` takes the call as an optional third
 * argument: what the translation had to drop (schema keywords Gemini refuses …) is
 * logged as a warning on the call's logger.
 */
export interface GeminiChatAdapter extends HttpChatAdapter {
  buildRequest(request: ChatRequest, model: string, call?: GeminiCallContext): UpstreamRequest;
}

/** The adapters of one Gemini API. `name` is the plugin name, used in messages and for `providerOptions`. */
export function createGeminiAdapters(options: GeminiOptions, name = 'gemini'): ProviderAdapters {
  const endpoint = createGeminiEndpoint(options);
  const settings = {
    provider: name,
    safetySettings: options.safety_settings,
    responseSchemaField: options.response_schema_field,
  };
  const chat: GeminiChatAdapter = {
    buildRequest(request, model, call) {
      const { body, warnings } = buildGenerateContentBody(request, settings);
      if (warnings.length > 0) call?.logger.warn({ provider: name, warnings }, `${name}: parts of the request were changed for Gemini`);
      const action = request.stream ? ':streamGenerateContent?alt=sse' : ':generateContent';
      return endpoint.request('POST', endpoint.modelPath(model) + action, JSON.stringify(body));
    },
    parseResponse: (body) => parseGenerateContentResponse(body, name),
    readUsage: (body) => (typeof body === 'object' && body !== null ? mapGeminiUsage((body as { usageMetadata?: GeminiUsageMetadata }).usageMetadata) : undefined),
    createStreamDecoder: (info) => createGeminiStreamDecoder(info.provider ?? name),
  };
  return {
    chat,
    embeddings: createGeminiEmbeddingsAdapter(endpoint, name),
    models: createGeminiModelsAdapter(endpoint, name),
    mapError: (response) => mapGeminiError(name, response),
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    secrets: [options.api_key, ...credentialHeaderValues(options.headers)],
    modelsTtlMs: options.models_ttl_ms,
  };
}
