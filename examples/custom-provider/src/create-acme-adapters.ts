import type { HttpChatAdapter, HttpModelsAdapter, ProviderAdapters, UpstreamRequest } from '@switchyard/core';
import type { AcmeOptions } from './acme-options.js';
import type { AcmeEngineList } from './acme-wire-types.js';
import { buildAcmeChatBody } from './build-acme-chat-body.js';
import { createAcmeStreamDecoder } from './acme-stream-decoder.js';
import { createNdjsonFramer } from './create-ndjson-framer.js';
import { mapAcmeError } from './map-acme-error.js';
import { parseAcmeChatResponse } from './parse-acme-chat-response.js';

/** The adapters of one Acme API: chat (whole and NDJSON-streamed) and the live engine list. */
export function createAcmeAdapters(options: AcmeOptions, provider = 'acme'): ProviderAdapters {
  const base = new URL(options.base_url);
  const basePath = base.pathname.replace(/\/+$/, '');
  const headers = { ...options.headers, 'content-type': 'application/json', 'x-acme-key': options.api_key };
  const request = (method: 'GET' | 'POST', path: string, body?: string): UpstreamRequest => ({
    origin: base.origin,
    path: basePath + path,
    method,
    headers,
    ...(body !== undefined && { body }),
  });

  const chat: HttpChatAdapter = {
    buildRequest: (chatRequest, model, call) =>
      request('POST', '/chat', JSON.stringify(buildAcmeChatBody(chatRequest, model, call.logger, provider))),
    parseResponse: (body) => parseAcmeChatResponse(body, provider),
    createStreamDecoder: () => createAcmeStreamDecoder(provider),
    createStreamFramer: () => createNdjsonFramer(provider),
  };

  const models: HttpModelsAdapter = {
    buildRequest: () => request('GET', '/engines'),
    parseResponse(body) {
      const engines = (body as Partial<AcmeEngineList> | null)?.engines;
      if (!Array.isArray(engines)) return [];
      return engines.filter((engine) => typeof engine?.name === 'string').map((engine) => ({ id: engine.name, ownedBy: 'acme' }));
    },
  };

  return {
    chat,
    models,
    mapError: (response) => mapAcmeError(provider, response),
    secrets: [options.api_key],
    timeouts: {
      ...(options.timeouts.connect_ms !== undefined && { connectMs: options.timeouts.connect_ms }),
      ...(options.timeouts.headers_ms !== undefined && { headersMs: options.timeouts.headers_ms }),
      ...(options.timeouts.body_ms !== undefined && { bodyMs: options.timeouts.body_ms }),
    },
    modelsTtlMs: options.models_ttl_ms,
  };
}
