import type { Context as TraceContext } from '@opentelemetry/api';
import type { ChatRequest } from '../canonical/chat-request.js';
import type { ChatResponse, UpstreamChatResponse } from '../canonical/chat-response.js';
import type { EmbeddingsRequest, EmbeddingsResponse, UpstreamEmbeddingsResponse } from '../canonical/embeddings.js';
import type { ModelInfo } from '../canonical/model-info.js';
import type { StreamPart } from '../canonical/stream-part.js';
import type { Usage } from '../canonical/usage.js';
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
  /**
   * The configured id of the provider that answered (`east`), for the messages an adapter
   * writes: one plugin may serve under several ids (two OpenAI-compatible upstreams), and its
   * own name told them apart in neither the client's error nor the logs. Set by the core on
   * every answer; absent only where a caller built the info itself.
   */
  provider?: string;
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
  /**
   * True once the upstream's own end-of-stream marker has come (OpenAI's `[DONE]`):
   * the stream is over even if the body stays open (an upstream sending keep-alive
   * comments after it), so nothing more is waited for. `end()` is called then.
   */
  isComplete?(): boolean;
  /**
   * True while what a content event decodes to depends on the events before it (an
   * Anthropic tool_use block that started with its whole input, which the first piece
   * of input replaces): the fast path's lazy tap then decodes every event, in order.
   */
  needsContent?(): boolean;
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
  /** Usage undefined when the upstream's is missing or unreadable: the core bills its estimate. */
  parseResponse(body: unknown, info: UpstreamResponseInfo): UpstreamChatResponse;
  /**
   * The usage of a whole answer `parseResponse` refused (a 200 whose choices cannot be
   * read): the provider bills it though the gateway retries elsewhere, so the request
   * is billed it too. Undefined when there is none to read; nothing billed when absent.
   */
  readUsage?(body: unknown): Usage | undefined;
  createStreamDecoder(info: UpstreamResponseInfo): StreamDecoder;
  /**
   * The output limit `buildRequest` sends for a request that sets none (`maxOutputTokens`
   * undefined): the adapter's default and whatever it adds to it (Anthropic: its
   * `default_max_tokens`, plus the thinking budget). Budgets hold for it and tpm limits charge
   * it before the call (without it they took the price's `max_output`, or 8,192 tokens, and a
   * larger limit sent overspent the budget). Absent, or undefined, when the adapter sends no
   * limit of its own. Called before the call on every budgeted or tpm-limited request
   * without `max_tokens`: keep it cheap (no walk of the messages), and do not throw (a
   * setting `buildRequest` refuses may count as none: nothing is sent).
   */
  defaultOutputLimit?(request: ChatRequest): number | undefined;
  /** For streams that are not text/event-stream; Server-Sent Events when absent. */
  createStreamFramer?(): StreamFramer;
  /**
   * The same-dialect fast path, for a provider whose native wire format is one of
   * the gateway's ingress dialects: the client's own body goes upstream (model
   * replaced) and the upstream's events come back as they are. The adapter's own
   * `parseResponse` and `createStreamDecoder` still run on the answer, as a tap for
   * usage, finish reasons and in-stream errors. See docs/fast-path.md.
   */
  passthrough?: ChatPassthroughAdapter;
  /**
   * Pass-through operations for further dialects the provider also speaks natively
   * (OpenAI: Chat Completions as `passthrough`, the Responses API here). Each brings
   * its own tap (`parseResponse`, `createStreamDecoder`) when its wire format is not
   * the chat adapter's.
   */
  passthroughs?: ChatPassthroughAdapter[];
}

/** The ingress dialects a provider may speak natively. */
export type PassthroughDialect = 'openai-chat' | 'anthropic-messages' | 'openai-responses';

/** What the fast path sends: the client's body, and the client headers the dialect passes on. */
export interface PassthroughRequest {
  /** The client's JSON body, as it arrived (already held to the body size and depth bounds). */
  body: Record<string, unknown>;
  /** Client headers the dialect forwards, already validated (`anthropic-version`, `anthropic-beta`). */
  headers: Record<string, string>;
  /** The same request as every policy read it: what a usage the upstream left out is estimated from. */
  canonical: ChatRequest;
}

/** A provider's pass-through operation for the one dialect it speaks natively. */
export interface ChatPassthroughAdapter {
  dialect: PassthroughDialect;
  /**
   * The upstream request for the client's own body: the model replaced by the
   * deployment's, and whatever the translated path would force too (usage on streams).
   * Must not change `request.body`: the same body may be tried on a fallback.
   */
  buildRequest(request: PassthroughRequest, model: string, call: ProviderCall<PassthroughRequest>): UpstreamRequest;
  /** The tap of a whole answer in this dialect; the chat adapter's `parseResponse` when absent. */
  parseResponse?(body: unknown, info: UpstreamResponseInfo): UpstreamChatResponse;
  /** The usage of a whole answer in this dialect that could not be read (`HttpChatAdapter.readUsage`); the chat adapter's when absent. */
  readUsage?(body: unknown): Usage | undefined;
  /** The tap of a stream in this dialect; the chat adapter's `createStreamDecoder` when absent. */
  createStreamDecoder?(info: UpstreamResponseInfo): StreamDecoder;
  /**
   * Makes the stream's tap lazy: true when an event's raw text shows it can hold
   * nothing but content (text, reasoning, tool-call deltas): no usage, no finish
   * reason, no error, nothing that changes the decoder's state (unless the decoder says
   * it needs such events in order: StreamDecoder.needsContent). Such an event goes
   * to the client untouched and is decoded only if billing a cut stream needs its
   * characters, late or even twice, so it must decode the same whenever it is read.
   * Every event is decoded when absent. The first event of a stream is always decoded.
   */
  isContentOnly?: (event: ServerSentEvent) => boolean;
}

/** One upstream event on the fast path, with what the adapter's decoder read from it. */
export interface PassthroughEvent {
  /** Absent for parts the decoder gave only when the body ended. */
  event?: ServerSentEvent;
  /**
   * The canonical parts the event holds: the tap for usage, finish reasons and billing
   * of cut streams. Empty for an event the tap left unread.
   */
  parts: readonly StreamPart[];
  /** Set when the tap left a content-only event unread: reads its parts when they are needed. */
  unread?: UnreadEventReader;
}

/** Decodes, on demand, the content-only events a lazy tap left unread (ChatPassthroughAdapter.isContentOnly). */
export interface UnreadEventReader {
  /** The event's parts (content only); none when the event cannot be read (it was forwarded as it came). */
  read(event: ServerSentEvent): readonly StreamPart[];
}

export interface HttpEmbeddingsAdapter {
  buildRequest(request: EmbeddingsRequest, model: string, call: ProviderCall<EmbeddingsRequest>): UpstreamRequest;
  /**
   * `call.model` names the model for providers whose answer does not. Usage undefined
   * when the upstream's is missing or unreadable (readEmbeddingsUsage): the core bills its estimate.
   */
  parseResponse(body: unknown, info: UpstreamResponseInfo, call: ProviderCall<EmbeddingsRequest>): UpstreamEmbeddingsResponse;
  /** The usage of an answer `parseResponse` refused, billed though the call failed (`HttpChatAdapter.readUsage`). */
  readUsage?(body: unknown): Usage | undefined;
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
  /** Values that must never reach a log line or an error body (API keys, tokens, and credentialHeaderValues of extra headers). */
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
    /** The same-dialect fast path, when the provider's adapter offers one. */
    passthrough?: ProviderPassthrough;
    /** Pass-through operations for further dialects (see HttpChatAdapter.passthroughs). */
    passthroughs?: ProviderPassthrough[];
    /** The adapter's `defaultOutputLimit`; read it through `sentOutputLimit`. */
    defaultOutputLimit?(request: ChatRequest): number | undefined;
  };
  embeddings?: { embed(call: ProviderCall<EmbeddingsRequest>): Promise<EmbeddingsResponse> };
  listModels?: (signal: AbortSignal) => Promise<ModelInfo[]>;
  modelsTtlMs?: number;
}

/** A running provider's pass-through operation for one dialect. */
export interface ProviderPassthrough {
      dialect: PassthroughDialect;
      /** The upstream's whole answer, parsed, beside its canonical reading (for usage and the cache). */
      complete(call: ProviderCall<PassthroughRequest>): Promise<{ body: Record<string, unknown>; response: ChatResponse }>;
      /** Resolves once the first event has arrived, like `stream`. */
      stream(call: ProviderCall<PassthroughRequest>): Promise<AsyncIterable<PassthroughEvent>>;
}
