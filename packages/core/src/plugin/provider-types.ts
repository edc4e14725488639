import type { Context as TraceContext } from '@opentelemetry/api';
import type { ChatRequest } from '../canonical/chat-request.js';
import type { ChatResponse } from '../canonical/chat-response.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../canonical/embeddings.js';
import type { ModelInfo } from '../canonical/model-info.js';
import type { StreamPart } from '../canonical/stream-part.js';
import type { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../logging/create-logger.js';
import type { ServerSentEvent } from '../transport/server-sent-event.js';

/** An HTTP request to an upstream, built by an adapter and sent by the core. */
export interface UpstreamRequest {
  /** `https://api.openai.com`: the core keeps one connection pool per origin. */
  origin: string;
  /** Path and query, `/v1/chat/completions`. */
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** What an adapter sees of an upstream response besides its body. */
export interface UpstreamResponseInfo {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/** An upstream error response, body already read (capped) as text. */
export interface UpstreamErrorResponse extends UpstreamResponseInfo {
  bodyText: string;
}

/** Per-request network limits, all in milliseconds. */
export interface UpstreamTimeouts {
  /** Time to open a TCP/TLS connection. */
  connectMs: number;
  /** Time from sending the request to receiving the response headers. */
  headersMs: number;
  /** Longest silence between two body chunks (a stalled stream). */
  bodyMs: number;
}

/** One call of a provider operation. */
export interface ProviderCall<Request> {
  request: Request;
  /** The provider's own model id (the part after `provider/`). */
  model: string;
  /** Aborted when the client disconnects or a deadline passes. */
  signal: AbortSignal;
  logger: Logger;
  /**
   * The OpenTelemetry context of this attempt's span, when the request is traced.
   * The core's transport sends it upstream as W3C `traceparent`; adapters need not touch it.
   */
  traceContext?: TraceContext;
}

/**
 * Turns one native stream event into canonical parts. One decoder per stream: it may
 * keep state (tool-call indices, usage seen so far).
 */
export interface StreamDecoder {
  decode(event: ServerSentEvent): StreamPart[];
  /** Called when the upstream body ends; throws if the stream was cut short. */
  end(): StreamPart[];
}

/**
 * Splits a streamed body into events. The core reads text/event-stream itself;
 * a provider with another framing (Bedrock's binary AWS event stream) brings its
 * own, turning each frame into an event: its type as `event`, its payload as `data`.
 */
export interface StreamFramer {
  /** The events completed by this network chunk. */
  feed(chunk: Uint8Array): ServerSentEvent[];
  /** What is left when the body ends; throws if it ends inside a frame. */
  end(): ServerSentEvent[];
}

/**
 * A chat adapter for an HTTP provider: pure translation, no I/O. The core sends
 * what `buildRequest` returns and hands back what came in.
 */
export interface HttpChatAdapter {
  /** `call` gives the logger for warnings (a setting the provider cannot honour). */
  buildRequest(request: ChatRequest, model: string, call: ProviderCall<ChatRequest>): UpstreamRequest;
  parseResponse(body: unknown, info: UpstreamResponseInfo): ChatResponse;
  createStreamDecoder(info: UpstreamResponseInfo): StreamDecoder;
  /** For streams that are not text/event-stream; Server-Sent Events when absent. */
  createStreamFramer?(): StreamFramer;
}

export interface HttpEmbeddingsAdapter {
  buildRequest(request: EmbeddingsRequest, model: string, call: ProviderCall<EmbeddingsRequest>): UpstreamRequest;
  /** `call.model` names the model for providers whose answer does not. */
  parseResponse(body: unknown, info: UpstreamResponseInfo, call: ProviderCall<EmbeddingsRequest>): EmbeddingsResponse;
}

export interface HttpModelsAdapter {
  buildRequest(): UpstreamRequest;
  parseResponse(body: unknown): ModelInfo[];
  /** For paged lists: the request for the page after this one, or undefined at the end. */
  nextPageRequest?(body: unknown): UpstreamRequest | undefined;
}

/** A chat operation that does its own work (the in-process mock provider). */
export interface DirectChatOperation {
  complete(call: ProviderCall<ChatRequest>): Promise<ChatResponse>;
  stream(call: ProviderCall<ChatRequest>): AsyncIterable<StreamPart>;
}

export interface DirectEmbeddingsOperation {
  embed(call: ProviderCall<EmbeddingsRequest>): Promise<EmbeddingsResponse>;
}

export interface DirectModelsOperation {
  list(signal: AbortSignal): Promise<ModelInfo[]>;
}

/** What a provider plugin's `create` returns: its adapters and how to reach it. */
export interface ProviderAdapters {
  chat?: HttpChatAdapter | DirectChatOperation;
  embeddings?: HttpEmbeddingsAdapter | DirectEmbeddingsOperation;
  models?: HttpModelsAdapter | DirectModelsOperation;
  /** Maps an upstream error response to a GatewayError; required for HTTP adapters. */
  mapError?: (response: UpstreamErrorResponse) => GatewayError;
  timeouts?: Partial<UpstreamTimeouts>;
  /** Values that must never reach a log line or an error body (API keys, tokens). */
  secrets?: string[];
  /** How long a live model list stays fresh, in milliseconds. */
  modelsTtlMs?: number;
}

/** A running provider as the rest of the gateway uses it. */
export interface Provider {
  /** The id used in model addresses: `openai` in `openai/gpt-4o-mini`. */
  id: string;
  /** The plugin that made it: `openai`, `mock`, … */
  plugin: string;
  chat?: {
    complete(call: ProviderCall<ChatRequest>): Promise<ChatResponse>;
    /** Resolves once the first part has arrived, so failures before any output reject here. */
    stream(call: ProviderCall<ChatRequest>): Promise<AsyncIterable<StreamPart>>;
  };
  embeddings?: { embed(call: ProviderCall<EmbeddingsRequest>): Promise<EmbeddingsResponse> };
  listModels?: (signal: AbortSignal) => Promise<ModelInfo[]>;
  modelsTtlMs?: number;
}
