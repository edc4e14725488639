import type { ChatRequest } from '../canonical/chat-request.js';
import type { ChatResponse } from '../canonical/chat-response.js';
import type { StreamPart } from '../canonical/stream-part.js';
import type { Usage } from '../canonical/usage.js';
import type { GatewayError } from '../errors/gateway-error.js';
import type { PassthroughDialect, PassthroughEvent } from '../plugin/provider-types.js';
import type { IngressLimits } from './ingress-limits.js';

/** One Server-Sent Event: a bare `data:` payload, or a named event (`event:` + `data:`). */
export type SseEvent = string | { event: string; data: string };

/**
 * Where a request came in, for a dialect whose URL carries part of the request
 * (Gemini's `/v1beta/models/{model}:streamGenerateContent?alt=sse` names the model and
 * whether to stream). Every value is the client's own: check it like the body.
 */
export interface IngressRequestInfo {
  /** The `name` of the plugin route that matched (`generateContent`); empty for core's own routes. */
  route: string;
  /** The route's path parameters, URL-decoded (`{ model: 'gemini-2.5-flash' }`). */
  params: Readonly<Record<string, string | undefined>>;
  /** The query string; a repeated parameter is an array. */
  query: Readonly<Record<string, unknown>>;
}

/** What a dialect's parser makes of a client's body. */
export interface ParsedIngressRequest {
  request: ChatRequest;
  /** Whether a streaming client asked for a usage event (OpenAI's `stream_options.include_usage`). */
  includeStreamUsage: boolean;
  /**
   * Set when the body holds what only a provider speaking this same dialect can take
   * (Anthropic's server tools): the same-dialect fast path sends it; every translated
   * attempt is refused with this error instead.
   */
  translationRefusal?: GatewayError;
}

/** Writes one response's canonical stream parts as the client's SSE events. */
export interface DialectStreamEncoder {
  /** The events one part produces (often one, sometimes none or several). */
  encode(part: StreamPart): readonly SseEvent[];
  /** The closing events of a stream that completed. */
  finish(): readonly SseEvent[];
  /** The event that ends a stream which failed after it began. */
  fail(error: GatewayError): SseEvent;
}

/** Writes an upstream's own events, in this same dialect, to the client (the fast path). */
export interface PassthroughStreamEncoder {
  /** The events one upstream event becomes: usually itself with its model renamed, sometimes none. */
  encode(event: PassthroughEvent): readonly SseEvent[];
  /** The closing events of a stream that completed. */
  finish(): readonly SseEvent[];
  /** The event that ends a stream which failed after it began. */
  fail(error: GatewayError): SseEvent;
}

/** How a dialect answers on the same-dialect fast path (docs/fast-path.md). */
export interface DialectPassthrough {
  /** The provider dialect this is the same as. */
  readonly name: PassthroughDialect;
  /** The upstream's whole answer as the client gets it; `model` is the `provider/model` that answered. */
  formatResponse(body: Record<string, unknown>, response: ChatResponse, model: string): unknown;
  createStreamEncoder(options: StreamEncoderOptions): PassthroughStreamEncoder;
}

/** What a stream encoder starts from, before the upstream names its own id and model. */
export interface StreamEncoderOptions {
  /** The gateway's request id (`req_…`), from which a dialect makes a response id until the upstream names its own. */
  requestId: string;
  /** `provider/model` of the deployment, until the upstream names the model that answers. */
  model: string;
  /** Put before the upstream's model name (`openai/`). */
  modelPrefix: string;
  includeUsage: boolean;
  /**
   * What the gateway bills for this stream so far: the provider's final usage, else its
   * estimate of what was delivered (undefined when nothing came). The usage a client reads
   * at the end is taken from here, so that it is what the ledger records. Without it (an
   * encoder made outside the adapter step), an encoder writes the usage it was given.
   */
  billedUsage?: () => Usage | undefined;
  /** The request as the provider was asked it, for what an answer may echo of it (the one stop sequence that ended it). */
  request?: ChatRequest;
}

/**
 * An ingress dialect: the pure translators between one client wire format and the
 * canonical chat request, response and stream parts. The router parses with it and
 * the adapter step writes the answer with it, so every policy in between sees only
 * the canonical request whatever the client speaks.
 */
export interface IngressDialect {
  /** Stable name, kept in logs: `openai-chat`, `anthropic-messages`. */
  readonly name: string;
  /**
   * Checks a body (already size- and depth-bounded by the body parser) and translates
   * it. `request` says where it came in (path parameters, query); the gateway passes it
   * on plugin routes, and a dialect that reads nothing from the URL ignores it.
   */
  parse(body: unknown, limits: IngressLimits, request?: IngressRequestInfo): ParsedIngressRequest;
  /** A whole response in the client's shape; `model` is the `provider/model` that answered. */
  /** `request`, the request as the provider was asked it, is given by the adapter step; other callers (a cached answer) may leave it out. */
  formatResponse(response: ChatResponse, model: string, request?: ChatRequest): unknown;
  createStreamEncoder(options: StreamEncoderOptions): DialectStreamEncoder;
  /**
   * Awaited after the answer is formatted and before its last bytes go out (a whole
   * body, or a stream's closing events), so what a dialect keeps of the answer (the
   * Responses API's stored response) exists before the client can ask for it.
   * Never rejects; a dialect without one keeps nothing.
   */
  beforeLastWrite?(): Promise<void>;
  /** Present when providers may speak this dialect natively: the fast path's writers. */
  readonly passthrough?: DialectPassthrough;
  /** An error answer in the client's shape: its status and its JSON body. */
  formatError(error: GatewayError, requestId: string | undefined): { status: number; body: unknown };
}
