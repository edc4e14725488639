import { credentialHeaderValues, isJsonObject, type ChatRequest, type HttpChatAdapter, type ProviderAdapters } from '@switchyard/core';
import { createBedrockEndpoint } from './bedrock-endpoint.js';
import type { BedrockOptions } from './bedrock-options.js';
import { buildConverseBody } from './build-converse-body.js';
import { createConverseStreamDecoder } from './create-converse-stream-decoder.js';
import { createEmbeddingsAdapter } from './create-embeddings-adapter.js';
import { createEventStreamFramer } from './create-event-stream-framer.js';
import { createModelsOperation } from './create-models-operation.js';
import type { BedrockUsage } from './bedrock-wire-types.js';
import { mapBedrockError } from './map-bedrock-error.js';
import { mapBedrockUsage } from './map-bedrock-usage.js';
import { parseConverseResponse } from './parse-converse-response.js';

/**
 * The adapters of one Bedrock Runtime: Converse chat (whole and streamed over the
 * binary event stream), Titan embeddings and the configured model list. `name` is
 * used in messages; provider options are read from `providerOptions.bedrock`.
 * `now` is the signing clock, injectable for tests.
 */
export function createBedrockAdapters(options: BedrockOptions, name = 'bedrock', now?: () => Date): ProviderAdapters {
  const endpoint = createBedrockEndpoint(options, now);
  const chat: HttpChatAdapter = {
    buildRequest(request: ChatRequest, model: string) {
      const body = JSON.stringify(buildConverseBody(request, name));
      return endpoint.post(model, request.stream ? 'converse-stream' : 'converse', body);
    },
    parseResponse: (body, info) => parseConverseResponse(body, name, info),
    readUsage: (body) => (isJsonObject(body) ? mapBedrockUsage(body['usage'] as BedrockUsage | undefined) : undefined),
    createStreamDecoder: (info) => createConverseStreamDecoder(info.provider ?? name, info),
    createStreamFramer: () => createEventStreamFramer(name),
  };
  // The access key id too: SigV4 sends it in the clear (`Credential=AKIA…/date/region/…`), and an
  // upstream echoing the request quotes it, percent-encoded or in an answer's text, where no pattern finds it.
  const secrets = [options.access_key_id, options.secret_access_key, options.session_token, options.api_key, ...credentialHeaderValues(options.headers)].filter(
    (secret): secret is string => secret !== undefined,
  );
  return {
    chat,
    embeddings: createEmbeddingsAdapter(endpoint, name),
    ...(options.models.length > 0 && { models: createModelsOperation(options.models) }),
    mapError: (response) => mapBedrockError(name, response),
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    secrets,
    modelsTtlMs: options.models_ttl_ms,
  };
}
