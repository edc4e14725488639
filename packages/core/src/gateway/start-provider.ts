import type { ChatRequest } from '../canonical/chat-request.js';
import type { EmbeddingsRequest } from '../canonical/embeddings.js';
import type { ModelInfo } from '../canonical/model-info.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ProviderPlugin } from '../plugin/define-plugin.js';
import type {
  DirectChatOperation,
  DirectEmbeddingsOperation,
  DirectModelsOperation,
  HttpChatAdapter,
  HttpEmbeddingsAdapter,
  HttpModelsAdapter,
  Provider,
  ProviderAdapters,
  ProviderCall,
  UpstreamErrorResponse,
  UpstreamRequest,
  UpstreamTimeouts,
} from '../plugin/provider-types.js';
import { UpstreamPartStream } from '../transport/upstream-part-stream.js';
import { peekFirst } from '../transport/peek-first.js';
import { readJsonBody, readUpstreamError } from '../transport/read-upstream-body.js';
import { defaultUpstreamTimeouts, mapTransportError, type UpstreamTransport } from '../transport/upstream-transport.js';

/**
 * Turns a provider plugin's pure adapters into a running Provider: HTTP adapters
 * get the shared transport wrapped around them, direct operations are used as is.
 */
export function startProvider(id: string, plugin: ProviderPlugin, transport: UpstreamTransport): Provider {
  const adapters = plugin.build();
  const http: HttpContext = {
    id,
    transport,
    timeouts: { ...defaultUpstreamTimeouts, ...adapters.timeouts },
    secrets: adapters.secrets ?? [],
    mapError: adapters.mapError ?? ((response) => genericUpstreamError(id, response)),
  };
  const provider: Provider = { id, plugin: plugin.name };
  if (adapters.modelsTtlMs !== undefined) provider.modelsTtlMs = adapters.modelsTtlMs;
  if (adapters.chat) provider.chat = isDirectChat(adapters.chat) ? directChat(adapters.chat) : httpChat(adapters.chat, http);
  if (adapters.embeddings) {
    provider.embeddings = isDirectEmbeddings(adapters.embeddings)
      ? adapters.embeddings
      : httpEmbeddings(adapters.embeddings, http);
  }
  if (adapters.models) {
    const models = adapters.models;
    provider.listModels = isDirectModels(models) ? (signal) => models.list(signal) : httpModels(models, http);
  }
  return provider;
}

interface HttpContext {
  id: string;
  transport: UpstreamTransport;
  timeouts: UpstreamTimeouts;
  secrets: readonly string[];
  mapError: NonNullable<ProviderAdapters['mapError']>;
}

function isDirectChat(chat: HttpChatAdapter | DirectChatOperation): chat is DirectChatOperation {
  return typeof (chat as DirectChatOperation).complete === 'function';
}

function isDirectEmbeddings(op: HttpEmbeddingsAdapter | DirectEmbeddingsOperation): op is DirectEmbeddingsOperation {
  return typeof (op as DirectEmbeddingsOperation).embed === 'function';
}

function isDirectModels(op: HttpModelsAdapter | DirectModelsOperation): op is DirectModelsOperation {
  return typeof (op as DirectModelsOperation).list === 'function';
}

function directChat(chat: DirectChatOperation): NonNullable<Provider['chat']> {
  return {
    complete: (call) => chat.complete(call),
    stream: (call) => peekFirst(chat.stream(call)),
  };
}

function httpChat(adapter: HttpChatAdapter, http: HttpContext): NonNullable<Provider['chat']> {
  return {
    async complete(call: ProviderCall<ChatRequest>) {
      const response = await sendChecked(http, adapter.buildRequest(call.request, call.model, call), call.signal);
      const body = await readJsonBody(response, http.id, call.signal);
      return adapter.parseResponse(body, { status: response.statusCode, headers: response.headers });
    },
    async stream(call: ProviderCall<ChatRequest>) {
      const response = await sendChecked(http, adapter.buildRequest(call.request, call.model, call), call.signal);
      const decoder = adapter.createStreamDecoder({ status: response.statusCode, headers: response.headers });
      return peekFirst(new UpstreamPartStream(response.body, decoder, http.id, call.signal, adapter.createStreamFramer?.()));
    },
  };
}

function httpEmbeddings(adapter: HttpEmbeddingsAdapter, http: HttpContext): DirectEmbeddingsOperation {
  return {
    async embed(call: ProviderCall<EmbeddingsRequest>) {
      const response = await sendChecked(http, adapter.buildRequest(call.request, call.model, call), call.signal);
      const body = await readJsonBody(response, http.id, call.signal);
      return adapter.parseResponse(body, { status: response.statusCode, headers: response.headers }, call);
    },
  };
}

/** At most this many pages of a model list are read; a provider with more is misbehaving. */
const maxModelPages = 20;

function httpModels(adapter: HttpModelsAdapter, http: HttpContext) {
  return async (signal: AbortSignal) => {
    const models: ModelInfo[] = [];
    let request: UpstreamRequest | undefined = adapter.buildRequest();
    for (let page = 0; request && page < maxModelPages; page++) {
      const body = await readJsonBody(await sendChecked(http, request, signal), http.id, signal);
      models.push(...adapter.parseResponse(body));
      request = adapter.nextPageRequest?.(body);
    }
    return models;
  };
}

async function sendChecked(http: HttpContext, request: Parameters<UpstreamTransport['send']>[0], signal: AbortSignal) {
  const response = await http.transport.send(request, signal, http.timeouts, http.id);
  if (response.statusCode >= 400) {
    throw http.mapError(await readUpstreamError(response, http.secrets));
  }
  return response;
}

/** The fallback mapping by status alone, for adapters that bring none of their own. */
export function genericUpstreamError(provider: string, response: UpstreamErrorResponse): GatewayError {
  const options = { provider, upstreamStatus: response.status };
  const status = response.status;
  if (status === 401) return new GatewayError('upstream_authentication_failed', `${provider} rejected the gateway's credentials.`, options);
  if (status === 403) return new GatewayError('upstream_permission_denied', `${provider} denied access.`, options);
  if (status === 404) return new GatewayError('upstream_not_found', `${provider} does not know this model or endpoint.`, options);
  if (status === 408) return new GatewayError('upstream_timeout', `${provider} timed out.`, options);
  if (status === 429) return new GatewayError('rate_limit_exceeded', `${provider} is rate limiting requests.`, options);
  if (status === 503 || status === 529) return new GatewayError('upstream_overloaded', `${provider} is overloaded.`, options);
  if (status >= 500) return new GatewayError('upstream_server_error', `${provider} failed with status ${status}.`, options);
  return new GatewayError('upstream_bad_request', `${provider} refused the request (status ${status}).`, options);
}
