import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { ChatResponse } from '../canonical/chat-response.js';
import type { StreamPart } from '../canonical/stream-part.js';
import { addUsage, usageSince, type Usage } from '../canonical/usage.js';
import { composeInterceptors, composeRoutedCall, providerDispatch } from '../chain/dispatch.js';
import type { Endpoint, RequestContext } from '../chain/request-context.js';
import { runSteps } from '../chain/run-steps.js';
import { StreamPartTap } from '../chain/stream-part-tap.js';
import { GatewayError } from '../errors/gateway-error.js';
import { assembleGateway, type CreateGatewayOptions } from '../gateway/create-gateway.js';
import type { GatewayRuntime } from '../gateway/gateway-runtime.js';
import { errorHandler } from '../http/error-handler.js';
import { ingressLimitsFrom } from '../ingress/ingress-limits.js';
import { parseChatCompletionsRequest } from '../ingress/openai/parse-chat-completions-request.js';
import { isEstimatedUsage } from '../pricing/estimated-usage.js';
import { ensureContext } from './context-middleware.js';
import { isJsonObject } from '../transport/upstream-wire-values.js';

/** Options of `createSteps`: the same as `createGateway`'s. */
export type CreateStepsOptions = CreateGatewayOptions;

/**
 * Switchyard's steps, ready to mount in front of an app's own routes, without the
 * gateway router. Made by `createSteps`.
 */
export interface SwitchyardSteps {
  /**
   * Creates the request context (mount it first, or let the first step do it).
   * `endpoint: 'chat'` on a route that takes an OpenAI chat body makes the body the
   * request every step sees; the default `custom` is a route of the app's own.
   */
  context(options?: { endpoint?: Endpoint }): RequestHandler;
  /**
   * The middleware of one step of the config's `chain` (`auth`, `key-scope`,
   * `rate-limit`, `circuit-breaker`, `cache`, `route` or a plugin's). Throws at
   * setup when the chain has no such step.
   */
  step(name: string): RequestHandler;
  /** The chain's step names, in order (without `adapter`). */
  readonly stepNames: readonly string[];
  /**
   * Calls a model from inside the app's handler: `body` is an OpenAI Chat
   * Completions body. The chain's steps that did not run on this request yet (say
   * `route`, `circuit-breaker`) run first, then the provider is called with the
   * interceptors, retries and fallbacks they set. Usage is recorded for the request.
   * Throws a GatewayError (the error handler answers it in OpenAI's shape).
   */
  call(res: Response, body: unknown): Promise<ChatResponse>;
  /** Like `call`, streaming: the typed parts as the provider sends them. */
  stream(res: Response, body: unknown): Promise<AsyncIterable<StreamPart>>;
  /** Answers errors from the steps and the app's handlers in OpenAI's shape; mount it after the routes. */
  errorHandler(): ErrorRequestHandler;
  /** The shared parts (config, logger, providers, storage) the steps were built with. */
  readonly runtime: GatewayRuntime;
  /** Requests with a context currently being served. */
  readonly activeRequests: number;
  /** Waits for requests in flight, then closes stores and connections and flushes the ledger. */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/**
 * Builds Switchyard's steps from a config (the same YAML shape as the gateway's;
 * `chain:` lists the steps wanted, `adapter` may be left out) for mounting in an
 * app's own Express routes.
 *
 * @example
 * const switchyard = await createSteps({ master_key, storage: { use: 'sqlite' }, chain: ['auth', 'rate-limit', 'route'] }, { plugins });
 * app.post('/api/summarize', express.json(), switchyard.step('auth'), switchyard.step('rate-limit'), async (req, res) => {
 *   const answer = await switchyard.call(res, { model: 'assistant', messages: [{ role: 'user', content: req.body.text }] });
 *   res.json({ summary: answer.content });
 * });
 * app.use(switchyard.errorHandler());
 */
export async function createSteps(rawConfig: unknown, options: CreateStepsOptions = {}): Promise<SwitchyardSteps> {
  const assembled = await assembleGateway(withAdapterLast(rawConfig), options);
  const { runtime, tracker } = assembled;
  const calls = new WeakMap<RequestContext, CallState>();
  // The app's clients name models and send messages here as they would to the gateway: the config bounds them alike.
  const limits = ingressLimitsFrom(runtime.config.limits);

  const contextFor = (res: Response, endpoint: Endpoint): RequestContext =>
    ensureContext(
      res.req,
      res,
      endpoint,
      runtime.logger,
      (context) => {
        tracker.track(context, res);
        if (tracker.draining) {
          res.setHeader('connection', 'close');
          throw new GatewayError('shutting_down', 'The service is shutting down; retry on another instance.');
        }
      },
      limits,
    );

  const chainSteps = assembled.steps.filter((step) => step.name !== 'adapter');
  const handlers = new Map<string, RequestHandler>();
  for (const { name, handler } of chainSteps) {
    handlers.set(name, (req, res, next) => {
      const context = contextFor(res, 'custom');
      const { ran } = callStateOf(calls, context);
      // Mounted on an area and again on a route in it: a step runs once a request (a limit counts requests, not mounts).
      if (ran.has(name)) return next();
      ran.add(name);
      return handler(req, res, next);
    });
  }

  /**
   * Puts the request on the context and runs the steps this request has not been
   * through. A second call on the same request starts its routing afresh: what the
   * first call's steps registered is dropped and those steps run again.
   */
  const prepare = async (res: Response, body: unknown, stream: boolean): Promise<RequestContext> => {
    const context = contextFor(res, 'custom');
    // Its record is written and its budget settled: a call now would be neither (see requestOver).
    if (context.finished) throw requestOver();
    const parsed = parseChatCompletionsRequest(withStream(body, stream), limits);
    // A call here is never a fast path: a file or audio part (OpenAI's alone) is refused, not silently left out.
    if (parsed.translationRefusal) throw parsed.translationRefusal;
    const state = callStateOf(calls, context);
    if (state.callSteps) {
      keepServedCall(context, state.usageAtCallStart);
      // Billable is each call's own: a free cache hit does not make the calls after it free; so is a hit.
      context.billable = true;
      context.cacheHit = false;
      context.interceptors.length = state.interceptors;
      context.requestInterceptors.length = state.requestInterceptors;
      context.deployments = [];
      delete context.routePlan;
      delete context.servedBy;
    } else {
      state.callSteps = chainSteps.filter((step) => !state.ran.has(step.name)).map((step) => step.handler);
      state.interceptors = context.interceptors.length;
      state.requestInterceptors = context.requestInterceptors.length;
    }
    state.usageAtCallStart = context.usage;
    context.chatRequest = parsed.request;
    context.includeStreamUsage = parsed.includeStreamUsage;
    const steps = state.callSteps;
    await new Promise<void>((resolve, reject) => {
      runSteps(steps)(res.req, res, (error?: unknown) => (error ? reject(error) : resolve()));
      // runSteps runs no step once the response has closed, so a request that ends meanwhile never reaches the call.
      context.onFinished(() => reject(requestOver()));
    });
    return context;
  };

  const routedCall = (context: RequestContext) =>
    composeRoutedCall(context, composeInterceptors(context, providerDispatch(runtime, context)))();

  return {
    context: (contextOptions = {}) => (req, res, next) => {
      contextFor(res, contextOptions.endpoint ?? 'custom');
      next();
    },
    step(name) {
      const handler = handlers.get(name);
      if (!handler) {
        throw new Error(`The chain has no '${name}' step (it has: ${[...handlers.keys()].join(', ') || 'none'}); add it under chain:.`);
      }
      return handler;
    },
    stepNames: chainSteps.map((step) => step.name),
    async call(res, body) {
      const context = await prepare(res, body, false);
      const result = await routedCall(context);
      if (result.kind !== 'chat-response') throw unexpectedResult(result.kind);
      // Added to the usage before this call, not to context.usage: a cache hit has put its usage there already.
      context.usage = addUsage(callStateOf(calls, context).usageAtCallStart, result.response.usage);
      // An answer without a readable usage is billed the estimate: the request's record says so, as the gateway's routes do.
      if (isEstimatedUsage(result.response.usage)) context.usageEstimated = true;
      return result.response;
    },
    async stream(res, body) {
      const context = await prepare(res, body, true);
      const result = await routedCall(context);
      if (result.kind !== 'chat-stream') throw unexpectedResult(result.kind);
      return recordStreamUsage(result.parts, context, callStateOf(calls, context).usageAtCallStart);
    },
    errorHandler: () => errorHandler({ logger: runtime.logger }),
    runtime,
    get activeRequests() {
      return tracker.activeRequests;
    },
    close: assembled.close,
  };
}

/** What `createSteps` remembers of one request: the steps it went through and what its calls set up. */
interface CallState {
  /** Steps mounted on the route that ran, by name. */
  ran: Set<string>;
  /** The steps the first call ran (those the route had not), run again for every later call. */
  callSteps?: RequestHandler[];
  /** How many interceptors the route's own steps registered, kept across calls. */
  interceptors: number;
  requestInterceptors: number;
  /** The request's usage when its current call began: what the call used is what was added since. */
  usageAtCallStart?: Usage;
}

/**
 * Keeps the call that is over with the deployment that served it, before the next call
 * forgets that deployment: the request's cost prices each call at its own deployment.
 */
function keepServedCall(context: RequestContext, usageAtCallStart: Usage | undefined): void {
  if (!context.servedBy || !context.usage) return;
  (context.earlierCalls ??= []).push({ deployment: context.servedBy, usage: usageSince(usageAtCallStart, context.usage), billable: context.billable });
}

function callStateOf(calls: WeakMap<RequestContext, CallState>, context: RequestContext): CallState {
  let state = calls.get(context);
  if (!state) calls.set(context, (state = { ran: new Set(), interceptors: 0, requestInterceptors: 0 }));
  return state;
}

/** The gateway's chain must end with `adapter`; mounted steps call it through `call`, so it may be left out. */
function withAdapterLast(rawConfig: unknown): unknown {
  if (!isJsonObject(rawConfig) || !Array.isArray(rawConfig['chain'])) return rawConfig;
  const chain = rawConfig['chain'] as unknown[];
  if (chain.some((entry) => entry === 'adapter' || (isJsonObject(entry) && 'adapter' in entry))) return rawConfig;
  return { ...rawConfig, chain: [...chain, 'adapter'] };
}

function withStream(body: unknown, stream: boolean): unknown {
  // A body that is not an object is left as it is, for the request parser to refuse.
  return isJsonObject(body) ? { ...body, stream } : body;
}

/**
 * Keeps the request's usage as the usage `before` this call plus the stream's (its usage
 * part is its total so far). A stream that ends before its final usage (the upstream
 * broke off, the app stopped reading) is billed what the gateway's routes bill a cut
 * stream: the counts reported so far and the estimate of what was generated, marked
 * estimated. It was billed nothing, or only a `message_start`'s prompt count.
 */
async function* recordStreamUsage(parts: AsyncIterable<StreamPart>, context: RequestContext, before: Usage | undefined): AsyncIterable<StreamPart> {
  const tap = new StreamPartTap(context.chatRequest);
  try {
    for await (const part of parts) {
      tap.addPart(part);
      if (part.type === 'usage') context.usage = addUsage(before, part.usage);
      yield part;
    }
  } finally {
    const usage = tap.usage();
    if (usage) {
      context.usage = addUsage(before, usage);
      if (!tap.hasFinalUsage) context.usageEstimated = true;
    }
  }
}

/**
 * A call on a request that is over (its response closed: the client left, or the app answered
 * first): its record was written and its budget settled when it closed, so the call is refused
 * before anything is held or sent. It waited forever for steps that never ran once the
 * response had closed.
 */
function requestOver(): GatewayError {
  return new GatewayError('client_closed_request', 'This request is over (its response has closed), so a model call on it could not be recorded or billed; call before the response ends.');
}

function unexpectedResult(kind: string): GatewayError {
  return new GatewayError('upstream_invalid_response', `The provider answered with ${kind} where a chat answer was expected.`);
}
