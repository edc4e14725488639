import { randomFillSync } from 'node:crypto';
import type { Context as TraceContext } from '@opentelemetry/api';
import type { Request, Response } from 'express';
import type { ChatRequest } from '../canonical/chat-request.js';
import type { ChatResponse } from '../canonical/chat-response.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../canonical/embeddings.js';
import type { StreamPart } from '../canonical/stream-part.js';
import type { Usage } from '../canonical/usage.js';
import type { GatewayError } from '../errors/gateway-error.js';
import { holdsCredential } from '../errors/redact-model-name.js';
import { ResponseHeaders } from '../http/response-headers.js';
import type { IngressDialect } from '../ingress/ingress-dialect.js';
import type { Logger } from '../logging/create-logger.js';
import type { PassthroughEvent } from '../plugin/provider-types.js';
import type { KeyScope } from '../stores/key-store.js';
import { startRequestSpan } from '../tracing/request-span.js';

/**
 * Which endpoint a request came in on: the OpenAI-compatible ones, `messages` for
 * Anthropic's Messages API; `custom` is a route of the embedding app's own, with
 * Switchyard steps mounted in front of it.
 */
export type Endpoint = 'chat' | 'messages' | 'responses' | 'embeddings' | 'models' | 'custom';

/** Who is calling, as established by the auth step. */
export interface Principal {
  kind: 'master' | 'static' | 'virtual';
  /** Stable id for logs and the ledger; never the key itself. */
  keyId: string;
  name: string;
  team?: string;
  project?: string;
  user?: string;
  /** Model names or patterns this principal may use; undefined means all. */
  allowedModels?: string[];
  /** The virtual key's full scope, for the key-scope step. */
  scope?: KeyScope;
}

/** One place a request can be served: a provider instance and its model id. */
export interface Deployment {
  provider: string;
  model: string;
}

/** One call of a request that a deployment answered, and what it used. */
export interface ServedCall {
  deployment: Deployment;
  usage: Usage;
  /** Whether its usage is charged: a cache hit may be free (`RequestContext.billable` of that call). */
  billable: boolean;
}

/** One try at a deployment, kept for headers, logs and the ledger. */
export interface Attempt {
  deployment: Deployment;
  durationMs: number;
  errorCode?: string;
  /**
   * A failed attempt's usage that the provider bills all the same (`GatewayError.billedUsage`):
   * priced at this attempt's deployment and added to the request's record and budget.
   */
  billedUsage?: Usage;
  /**
   * `billedUsage` is the gateway's estimate of the prompt, not a count the provider gave:
   * the client left after the upstream request was sent and before any answer came.
   */
  billedUsageEstimated?: boolean;
}

/** What a provider call produced. */
export type ProviderResult =
  | { kind: 'chat-response'; response: ChatResponse }
  | { kind: 'chat-stream'; parts: AsyncIterable<StreamPart> }
  | { kind: 'embeddings'; response: EmbeddingsResponse }
  /** The same-dialect fast path, whole: the upstream's own body, and its canonical reading. */
  | { kind: 'chat-passthrough'; body: Record<string, unknown>; response: ChatResponse }
  /** The same-dialect fast path, streamed: the upstream's own events, each with its parts. */
  | { kind: 'chat-passthrough-stream'; events: AsyncIterable<PassthroughEvent> };

/** What one attempt may carry besides its deployment. */
export interface AttemptOptions {
  /** Cancels this attempt only (an attempt timeout); the request's own signal still applies. */
  signal?: AbortSignal;
}

/** Calls one deployment. Interceptors pass `options` on unchanged. */
export type Dispatch = (deployment: Deployment, options?: AttemptOptions) => Promise<ProviderResult>;

/**
 * Wraps one attempt at one deployment, undici style (`(next) => dispatch`). Steps
 * that act per deployment (circuit breaker, budget hold) register one on
 * `context.interceptors`; the adapter step composes them, the first registered
 * outermost, around the provider call.
 */
export type Interceptor = (next: Dispatch, context: RequestContext) => Dispatch;

/** The whole routed call of a request: every attempt, retry and fallback. */
export type RoutedCall = () => Promise<ProviderResult>;

/**
 * Wraps the whole routed call (the cache answers before any deployment is tried).
 * Registered on `context.requestInterceptors`, first registered outermost.
 */
export type RequestInterceptor = (next: RoutedCall, context: RequestContext) => RoutedCall;

/**
 * How a request is routed: given one attempt (the interceptors around the provider
 * call), try deployments — in order, with retries and fallbacks — until one answers.
 * The route step sets it; without one the first deployment is tried once.
 */
export type RoutePlan = (attempt: Dispatch) => Promise<ProviderResult>;

/** Everything the gateway knows about one request. Steps touch only their own parts. */
export interface RequestContext {
  readonly id: string;
  /** Wall clock at arrival, for records. */
  readonly receivedAt: Date;
  /** Monotonic clock at arrival, for durations. */
  readonly startedAt: number;
  readonly endpoint: Endpoint;
  /**
   * How long a whole answer may wait on a client that takes none of it before the
   * connection is cut (`limits.client_stall_ms`); undefined outside the gateway's router.
   */
  readonly clientStallMs?: number;
  /** The caller's own `x-request-id`, when it sent a usable one; echoed and logged beside ours. */
  readonly clientRequestId: string | undefined;
  /** Aborted when the client goes away before the answer is complete. */
  readonly signal: AbortSignal;
  /** Whether the client went away before its answer was complete (what `signal.aborted` says, without making the signal). */
  readonly clientGone: boolean;
  /**
   * Calls `listener` once with the reason if the client goes away before its answer
   * is complete; at once if it already has. Cheaper than a listener on `signal` on
   * the hot path: no AbortController and EventTarget per request.
   */
  onClientGone(listener: (reason: Error) => void): void;
  /**
   * The gateway's own headers of the answer (request id, rate limits, routing, cache,
   * cost): steps set theirs here, not with `res.setHeader`. On the gateway's routes
   * they leave with the answer's head and `res.getHeader` does not see them; read them
   * here. See `ResponseHeaders`.
   */
  readonly responseHeaders: ResponseHeaders;
  logger: Logger;
  principal?: Principal;
  chatRequest?: ChatRequest;
  /** The wire format the client speaks, for writing its answer; unset means OpenAI Chat Completions. */
  dialect?: IngressDialect;
  embeddingsRequest?: EmbeddingsRequest;
  /**
   * The model a request that calls none names (`POST /v1/messages/count_tokens`), set
   * before the admission steps run: key-scope holds it to the key's models as it holds a
   * call's. A model call leaves it unset; its model is in `chatRequest`/`embeddingsRequest`.
   */
  countedModel?: string;
  /** Whether a streaming client asked for the usage chunk (`stream_options.include_usage`). */
  includeStreamUsage: boolean;
  /**
   * Set by a step that needs the answer as canonical parts (the cache writing a
   * streamed answer, a guardrail reading the output) or that changed `chatRequest`:
   * the same-dialect fast path, which forwards the client's body and the upstream's
   * events untranslated, is then not taken. See docs/fast-path.md.
   */
  needsParts: boolean;
  /**
   * What every translated attempt is refused with, when the body holds what only the
   * same-dialect fast path can send (Anthropic's server tools). Set by the router.
   */
  translationRefusal?: GatewayError;
  /**
   * The body the fast path sends instead of the client's own, when the endpoint
   * rewrote it (the Responses API expands `previous_response_id` from the gateway's
   * store into `input`). Absent: the client's body.
   */
  passthroughBody?: Record<string, unknown>;
  /** Whether the answer came by the same-dialect fast path (sent to the client as `x-switchyard-path: fast`). */
  fastPath: boolean;
  /** Where the route step decided to send the request, in order of preference. */
  deployments: Deployment[];
  /** The deployment that produced the answer. */
  servedBy?: Deployment;
  /**
   * The calls this request was served before its current one (an app's handler calling
   * the embedded API several times), each with its deployment and what it used; `usage`
   * holds theirs too. Each is priced at its own deployment, and `billable` is the current
   * call's. Undefined for one call.
   */
  earlierCalls?: ServedCall[];
  interceptors: Interceptor[];
  requestInterceptors: RequestInterceptor[];
  routePlan?: RoutePlan;
  attempts: Attempt[];
  usage?: Usage;
  /**
   * `usage` holds the gateway's estimate where the provider gave no count (a stream cut
   * before its final usage): the request's record says so (RequestRecord.usageEstimated).
   */
  usageEstimated?: boolean;
  /**
   * Answered from the response cache, without calling a provider. With several calls on one
   * request (the embedded API) it is the current call's; the request's record is a hit only
   * when no call reached a provider.
   */
  cacheHit: boolean;
  /**
   * What the request's cache hits replayed: part of `usage` (and billed under the cache's
   * `bill_hits`), but no provider processed it, so the rate limit's tpm leaves it out.
   */
  cacheHitUsage?: Usage;
  /** Whether the request's usage is charged (a cache hit may be free). */
  billable: boolean;
  /** Milliseconds from arrival to the first byte written to the client. */
  firstByteMs?: number;
  error?: GatewayError;
  /**
   * Every deployment the route plan may reach, fallbacks included, so a hold taken
   * before the first attempt can cover the most expensive one. Empty means `deployments`.
   */
  reachableDeployments: Deployment[];
  /**
   * The OpenTelemetry context holding the request's span, parent of one span per
   * upstream attempt. Undefined when nothing is traced (no SDK registered), so the
   * hot path skips tracing with one check. Set when the context is made.
   */
  traceContext: TraceContext | undefined;
  /** Whether the request is over: its response has closed and its chain has returned. */
  readonly finished: boolean;
  /**
   * Calls `listener` once, when the request is over: the response has closed AND the
   * chain's handler has returned, so a cut stream's usage estimate is in. Records and
   * budget settlements hang off this, never off the response's `close`. A listener
   * added after that runs at once; one that throws is logged and the others still run.
   */
  onFinished(listener: () => void): void;
}

/**
 * Where a response keeps its request's context: a property under a symbol, not a
 * WeakMap beside it. Measured under load with the WeakMap (whose values, the contexts,
 * refer to their keys, the responses): every finished request (context, response,
 * request, body) outlived V8's young-generation collections until the next full one,
 * ~7 KB promoted a request and a mark-compact of the whole old generation every ~700
 * requests (bench/README.md, "Promotion"). A small synthetic probe of the same WeakMap
 * did not reproduce it, so what this rests on is the measurement, not a known V8 rule.
 * As a property the context dies with the request. The symbol is the registry's
 * (`Symbol.for`), as GatewayError's brand is: a plugin that ended up with its own copy
 * of core finds the context with its own getContext (a plain Symbol made that a 500 on
 * every request).
 */
const contextKey = Symbol.for('switchyard.request-context');

type ResponseWithContext = Response & { [contextKey]?: RequestContext };

/** How long after its response closed a request waits for its chain to return (a cut stream's estimate takes milliseconds). */
const chainGraceMs = 30_000;

/** The context of a request, for any step or handler mounted behind the gateway. */
export function getContext(res: Response): RequestContext {
  const context = (res as ResponseWithContext)[contextKey];
  if (!context) {
    throw new Error('No Switchyard request context: mount the step behind the gateway router or contextMiddleware().');
  }
  return context;
}

/** The context of a request, or undefined when no context middleware has run yet. */
export function findContext(res: Response): RequestContext | undefined {
  return (res as ResponseWithContext)[contextKey];
}

/** How a context is made. */
export interface RequestContextOptions {
  /**
   * Whether the gateway itself writes this request's answer (its router's routes), so
   * the gateway's headers can be collected and written with it (see `ResponseHeaders`).
   * Default false: they go to `res.setHeader`, for an app's handler to send.
   */
  gatewayWritesAnswer?: boolean;
  /** `limits.client_stall_ms`, for the whole answers `sendJson` writes (see {@link RequestContext.clientStallMs}). */
  clientStallMs?: number;
}

/**
 * Creates a request's context and ties it to the response: the request id header,
 * and an AbortSignal that fires if the client leaves before the answer is complete.
 */
export function createRequestContext(req: Request, res: Response, endpoint: Endpoint, logger: Logger, options?: RequestContextOptions): RequestContext {
  // Our own id is unique, so the ledger can key on it; a caller's id is kept beside it for tracing.
  const id = newRequestId();
  const incomingId = req.headers['x-request-id'];
  const clientRequestId = plainClientRequestId(incomingId);
  const responseHeaders = new ResponseHeaders(res, options?.gatewayWritesAnswer === true);
  const context = new GatewayRequestContext(id, endpoint, logger, clientRequestId, responseHeaders, options?.clientStallMs);
  (res as ResponseWithContext)[contextKey] = context;
  context.traceContext = startRequestSpan(req, res, context);
  responseHeaders.set('x-request-id', id);
  if (clientRequestId) responseHeaders.set('x-client-request-id', clientRequestId);
  // The client may be gone before the context exists (it left while the body was read).
  if (res.closed) context.responseClosed(res.writableFinished);
  else res.on('close', onResponseClose);
  return context;
}

const clientRequestIdPattern = /^[\w.:-]{1,128}$/;

/**
 * The client's `x-request-id` when it is a plain id (id characters, at most 128) holding no key:
 * it goes into the request's log lines, its echo and its span, and a key sent there by mistake
 * (`sk-…`, the master key) must not. Else undefined.
 */
function plainClientRequestId(incomingId: string | string[] | undefined): string | undefined {
  return typeof incomingId === 'string' && clientRequestIdPattern.test(incomingId) && !holdsCredential(incomingId) ? incomingId : undefined;
}

/**
 * The request id headers alone, for a refusal that is no request of its own (a 405, a path
 * no route takes): the client has an id to quote (the openai SDK's `error.request_id`), and
 * nothing is logged, counted or traced per answer, so a scanner's 404s flood nothing.
 */
export function nameUntrackedAnswer(req: Request, res: Response, next: () => void): void {
  res.setHeader('x-request-id', newRequestId());
  const incomingId = plainClientRequestId(req.headers['x-request-id']);
  if (incomingId) res.setHeader('x-client-request-id', incomingId);
  next();
}

/**
 * 'close' fires both after a normal finish and when the client goes away first. One
 * shared listener (`on`, as 'close' fires once) instead of a closure per request.
 */
function onResponseClose(this: Response): void {
  const context = findContext(this);
  if (context instanceof GatewayRequestContext) context.responseClosed(this.writableFinished);
}

/** Random bytes for request ids, drawn a batch at a time rather than one call per request. */
const idEntropy = Buffer.allocUnsafe(16 * 256);
let idEntropyOffset = idEntropy.length;

/** `req_` and 32 hex digits: 128 random bits. */
function newRequestId(): string {
  if (idEntropyOffset === idEntropy.length) {
    randomFillSync(idEntropy);
    idEntropyOffset = 0;
  }
  const start = idEntropyOffset;
  idEntropyOffset += 16;
  return `req_${idEntropy.toString('hex', start, idEntropyOffset)}`;
}

/**
 * Tells the request's context that its chain has returned (the router calls it when
 * runSteps settles). With the response closed too, the request is finished.
 */
export function markChainSettled(res: Response): void {
  const context = findContext(res);
  if (context instanceof GatewayRequestContext) context.chainSettled();
}

function clientDisconnected(): Error {
  return new Error('client disconnected');
}

class GatewayRequestContext implements RequestContext {
  readonly receivedAt = new Date();
  readonly startedAt = performance.now();
  principal?: Principal;
  chatRequest?: ChatRequest;
  dialect?: IngressDialect;
  embeddingsRequest?: EmbeddingsRequest;
  includeStreamUsage = false;
  needsParts = false;
  translationRefusal?: GatewayError;
  passthroughBody?: Record<string, unknown>;
  fastPath = false;
  deployments: Deployment[] = [];
  servedBy?: Deployment;
  earlierCalls?: ServedCall[];
  interceptors: Interceptor[] = [];
  requestInterceptors: RequestInterceptor[] = [];
  routePlan?: RoutePlan;
  attempts: Attempt[] = [];
  usage?: Usage;
  usageEstimated?: boolean;
  cacheHit = false;
  cacheHitUsage?: Usage;
  billable = true;
  firstByteMs?: number;
  error?: GatewayError;
  reachableDeployments: Deployment[] = [];
  traceContext: TraceContext | undefined;
  private requestLogger: Logger | undefined;
  /** Made on first use: a request answered before any provider call (a cache hit, a refusal) needs none. */
  private abort: AbortController | undefined;
  /** Set when the client went away before its answer was complete: the reason every listener and the signal get. */
  private clientLeftWith: Error | undefined;
  private clientGoneListeners: Array<(reason: Error) => void> | undefined;
  private closed = false;
  private settled = false;
  private finishListeners: Array<() => void> | undefined = [];

  constructor(
    readonly id: string,
    readonly endpoint: Endpoint,
    private readonly baseLogger: Logger,
    readonly clientRequestId: string | undefined,
    readonly responseHeaders: ResponseHeaders,
    readonly clientStallMs: number | undefined,
  ) {}

  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.clientLeftWith) this.abort.abort(this.clientLeftWith);
    }
    return this.abort.signal;
  }

  get clientGone(): boolean {
    return this.clientLeftWith !== undefined;
  }

  onClientGone(listener: (reason: Error) => void): void {
    const reason = this.clientLeftWith;
    if (reason) this.callListener(() => listener(reason));
    else (this.clientGoneListeners ??= []).push(listener);
  }

  /** Made on first use: most requests never log more than their closing line. */
  get logger(): Logger {
    this.requestLogger ??= this.baseLogger.child({
      requestId: this.id,
      ...(this.clientRequestId && { clientRequestId: this.clientRequestId }),
      ...(this.principal && { keyId: this.principal.keyId }),
    });
    return this.requestLogger;
  }

  set logger(logger: Logger) {
    this.requestLogger = logger;
  }

  get finished(): boolean {
    return this.finishListeners === undefined;
  }

  onFinished(listener: () => void): void {
    if (this.finishListeners) this.finishListeners.push(listener);
    else this.callListener(listener);
  }

  /** The response closed: after its last byte (`completed`), or cut short by the client leaving. */
  responseClosed(completed: boolean): void {
    if (!completed) {
      const reason = (this.clientLeftWith = clientDisconnected());
      this.abort?.abort(reason);
      const listeners = this.clientGoneListeners;
      this.clientGoneListeners = undefined;
      if (listeners) for (const listener of listeners) this.callListener(() => listener(reason));
    }
    this.closed = true;
    this.finishWhenDone();
    if (this.finished) return;
    // A step that never returns must not keep the request (its record, its budget) open forever.
    setTimeout(() => {
      if (this.finished) return;
      this.baseLogger.error({ requestId: this.id, graceMs: chainGraceMs }, 'a step was still running long after the response closed; recording the request without it');
      this.chainSettled();
    }, chainGraceMs).unref();
  }

  chainSettled(): void {
    this.settled = true;
    this.finishWhenDone();
  }

  private finishWhenDone(): void {
    if (!this.closed || !this.settled || !this.finishListeners) return;
    // Taken before the calls, so a listener that adds another cannot make one run twice.
    const listeners = this.finishListeners;
    this.finishListeners = undefined;
    for (const listener of listeners) this.callListener(listener);
  }

  private callListener(listener: () => void): void {
    try {
      listener();
    } catch (error) {
      this.baseLogger.error({ err: error, requestId: this.id }, 'a request-finished listener failed');
    }
  }
}
