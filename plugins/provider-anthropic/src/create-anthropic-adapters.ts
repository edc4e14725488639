import { credentialHeaderValues, type ChatRequest, type HttpChatAdapter, type ProviderAdapters } from '@switchyard/core';
import { createAnthropicEndpoint } from './anthropic-endpoint.js';
import type { AnthropicOptions } from './anthropic-options.js';
import { createAnthropicStreamDecoder } from './anthropic-stream-decoder.js';
import { buildMessagesBody, defaultMaxTokensFor } from './build-messages-body.js';
import { isContentOnlyEvent } from './anthropic-event-tap.js';
import { buildPassthroughRequest } from './build-passthrough-request.js';
import { mapAnthropicError } from './map-anthropic-error.js';
import { createModelsAdapter } from './models-adapter.js';
import { mapAnthropicUsage } from './map-anthropic-usage.js';
import { parseAnthropicMessage } from './parse-anthropic-message.js';

/**
 * The adapters of one Anthropic Messages API. There are no embeddings: Anthropic
 * offers none. `name` is used in messages; provider options are read from
 * `providerOptions.anthropic` whatever the instance is called.
 */
export function createAnthropicAdapters(options: AnthropicOptions, name = 'anthropic'): ProviderAdapters {
  const endpoint = createAnthropicEndpoint(options);
  const chat: HttpChatAdapter = {
    buildRequest(request: ChatRequest, model: string) {
      const { body, betas } = buildMessagesBody(request, model, options);
      return endpoint.request('POST', '/messages', JSON.stringify(body), betas);
    },
    // What a request without max_tokens is sent: budgets hold it and tpm limits charge it.
    defaultOutputLimit: (request) => defaultMaxTokensFor(request, options.default_max_tokens),
    parseResponse: (body, info) => parseAnthropicMessage(body, name, info),
    readUsage: (body) => (typeof body === 'object' && body !== null ? mapAnthropicUsage((body as { usage?: unknown }).usage) : undefined),
    createStreamDecoder: (info) => createAnthropicStreamDecoder(info.provider ?? name),
    // The same-dialect fast path for /v1/messages clients (docs/fast-path.md).
    passthrough: {
      dialect: 'anthropic-messages',
      buildRequest: (request, model) => buildPassthroughRequest(request, model, endpoint, options.default_max_tokens),
      isContentOnly: isContentOnlyEvent,
    },
  };
  return {
    chat,
    models: createModelsAdapter(endpoint, name),
    mapError: (response) => mapAnthropicError(name, response),
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    secrets: [options.api_key, ...credentialHeaderValues(options.headers)],
    modelsTtlMs: options.models_ttl_ms,
  };
}
