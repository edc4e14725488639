import { credentialHeaderValues, isJsonObject, type ChatRequest, type HttpChatAdapter, type ProviderAdapters, type ProviderCall } from '@switchyard/core';
import { buildChatBody } from './build-chat-body.js';
import { buildPassthroughBody } from './build-passthrough-body.js';
import { isContentOnlyChunk } from './chat-chunk-tap.js';
import { createEmbeddingsAdapter } from './embeddings-adapter.js';
import { mapOpenAIError } from './map-openai-error.js';
import { createModelsAdapter } from './models-adapter.js';
import { createOpenAIEndpoint } from './openai-endpoint.js';
import type { OpenAIOptions } from './openai-options.js';
import { createOpenAIStreamDecoder } from './openai-stream-decoder.js';
import { checkOpenAIStopLimit } from './openai-stop-limit.js';
import { parseChatCompletion } from './parse-chat-completion.js';
import { readOpenAIUsage } from './read-openai-usage.js';
import { readCompatibleUsage } from './presets/read-compatible-usage.js';
import { readResponsesUsage } from './responses/read-responses-usage.js';
import { buildResponsesPassthroughBody } from './responses/build-responses-passthrough-body.js';
import { parseResponsesResponse } from './responses/parse-responses-response.js';
import { createResponsesStreamDecoder } from './responses/responses-stream-decoder.js';
import { createCompatibleStreamDecoder } from './presets/create-compatible-stream-decoder.js';
import { dropUnsupportedParams } from './presets/drop-unsupported-params.js';
import { mapCompatibleError } from './presets/map-compatible-error.js';
import { openAIPresets } from './presets/openai-presets.js';
import { parseCompatibleCompletion } from './presets/parse-compatible-completion.js';

/**
 * The adapters of one OpenAI-compatible API. `name` is the plugin name, used in
 * messages and for `providerOptions`; with a `preset` it defaults to the preset's
 * name (`groq`), and the quirk-tolerant parsers and error mapping are used.
 */
export function createOpenAIAdapters(options: OpenAIOptions, name = options.preset ?? 'openai'): ProviderAdapters {
  const endpoint = createOpenAIEndpoint(options);
  const preset = options.preset ? openAIPresets[options.preset] : undefined;
  const compatible = preset !== undefined || options.unsupported_params !== undefined || options.stream_usage !== undefined;
  const streamUsage = options.stream_usage ?? preset?.streamUsage ?? true;
  // OpenAI's own API, whose documented limits the gateway can check before sending.
  const officialApi = !compatible && new URL(options.base_url).host === 'api.openai.com';
  const chat: HttpChatAdapter = compatible
    ? {
        buildRequest: (request: ChatRequest, model: string, call?: ProviderCall<ChatRequest>) => {
          const body = buildChatBody(request, model, options.max_tokens_field, name) as unknown as Record<string, unknown>;
          if (!streamUsage) delete body['stream_options'];
          dropUnsupportedParams(body, options.unsupported_params ?? preset?.unsupportedParams(model) ?? [], name, call && (() => call.logger));
          return endpoint.request('POST', '/chat/completions', JSON.stringify(body));
        },
        parseResponse: (body) => parseCompatibleCompletion(body, name),
        readUsage: (body) => (isJsonObject(body) ? readCompatibleUsage(body) : undefined),
        createStreamDecoder: (info) => createCompatibleStreamDecoder(info.provider ?? name),
      }
    : {
        buildRequest: (request: ChatRequest, model: string) => {
          if (officialApi) checkOpenAIStopLimit(request);
          return endpoint.request('POST', '/chat/completions', JSON.stringify(buildChatBody(request, model, options.max_tokens_field, name)));
        },
        parseResponse: (body) => parseChatCompletion(body, name),
        readUsage: (body) => (isJsonObject(body) ? readOpenAIUsage(body['usage']) : undefined),
        createStreamDecoder: (info) => createOpenAIStreamDecoder(info.provider ?? name),
      };
  chat.passthrough = {
    dialect: 'openai-chat',
    buildRequest: (request, model, call) => {
      const body = buildPassthroughBody(request.body, {
        model,
        maxTokensField: options.max_tokens_field,
        providerName: name,
        streamUsage,
        unsupportedParams: compatible ? (options.unsupported_params ?? preset?.unsupportedParams(model) ?? []) : [],
        logger: () => call.logger,
      });
      return endpoint.request('POST', '/chat/completions', JSON.stringify(body));
    },
    isContentOnly: isContentOnlyChunk,
  };
  // OpenAI's Responses API, natively: only OpenAI itself by default (compatible servers rarely have it).
  if (options.responses_api ?? options.preset === undefined) {
    chat.passthroughs = [{
      dialect: 'openai-responses',
      buildRequest: (request, model) => endpoint.request('POST', '/responses', JSON.stringify(buildResponsesPassthroughBody(request.body, model, name))),
      parseResponse: (body) => parseResponsesResponse(body, name),
      readUsage: (body) => (isJsonObject(body) ? readResponsesUsage(body['usage']) : undefined),
      createStreamDecoder: (info) => createResponsesStreamDecoder(info.provider ?? name),
    }];
  }
  return {
    chat,
    embeddings: createEmbeddingsAdapter(endpoint, name),
    models: createModelsAdapter(endpoint, name),
    mapError: compatible ? (response) => mapCompatibleError(name, response) : (response) => mapOpenAIError(name, response),
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    secrets: [...(options.api_key ? [options.api_key] : []), ...credentialHeaderValues(options.headers)],
    modelsTtlMs: options.models_ttl_ms,
  };
}
