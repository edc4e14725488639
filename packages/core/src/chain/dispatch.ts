import type { Context as TraceContext } from '@opentelemetry/api';
import { GatewayError, isGatewayError, toGatewayError } from '../errors/gateway-error.js';
import { redactModelName } from '../errors/redact-model-name.js';
import type { GatewayRuntime } from '../gateway/gateway-runtime.js';
import type { Logger } from '../logging/create-logger.js';
import type { PassthroughRequest, Provider, ProviderCall } from '../plugin/provider-types.js';
import { checkedUsage } from '../canonical/checked-usage.js';
import type { Usage } from '../canonical/usage.js';
import { estimateEmbeddingsTokens } from '../pricing/estimate-embeddings-tokens.js';
import { estimatePromptTokens } from '../pricing/estimate-prompt-tokens.js';
import { traceAttempt } from '../tracing/trace-attempt.js';
import { AttemptCancel, callCancellation } from '../transport/attempt-cancel.js';
import { callSource, type SentNotice } from '../transport/upstream-sent.js';
import type { AttemptOptions, Deployment, Dispatch, ProviderResult, RequestContext, RoutedCall } from './request-context.js';

/** Wraps the interceptors around a dispatch, the first registered outermost. */
export function composeInterceptors(context: RequestContext, innermost: Dispatch): Dispatch {
  let dispatch = innermost;
  for (let index = context.interceptors.length - 1; index >= 0; index--) {
    dispatch = context.interceptors[index]!(dispatch, context);
  }
  return dispatch;
}

/**
 * The whole call of a request: request interceptors (cache) around the route plan
 * (retries, fallbacks) around each attempt (breaker, budget) around the provider.
 */
export function composeRoutedCall(context: RequestContext, attempt: Dispatch): RoutedCall {
  const plan = context.routePlan;
  let call: RoutedCall = plan
    ? () => plan(attempt)
    : () => {
        const deployment = context.deployments[0];
        if (!deployment) {
          return Promise.reject(
            new GatewayError('model_not_found', 'No deployment was chosen for this model; is the route step in the chain?', {
              param: 'model',
            }),
          );
        }
        return attempt(deployment);
      };
  for (let index = context.requestInterceptors.length - 1; index >= 0; index--) {
    call = context.requestInterceptors[index]!(call, context);
  }
  return call;
}

/**
 * The innermost dispatch: one call of one deployment's provider, recorded as an
 * attempt, in its own span when the request is traced.
 */
export function providerDispatch(runtime: GatewayRuntime, context: RequestContext, passthrough?: PassthroughRequest): Dispatch {
  return async (deployment, options) => {
    const provider = runtime.providers.get(deployment.provider);
    if (!provider) {
      // The name may be the client's (a chain routing on its own words): blanked as a model name would be.
      throw new GatewayError('model_not_found', `The provider '${redactModelName(deployment.provider)}' is not configured.`, { param: 'model' });
    }
    // Nothing is sent: no attempt, no span, as the route plan passes such a deployment over.
    const refusal = unofferedOperation(provider, context.endpoint);
    if (refusal) throw refusal;
    const parent = context.traceContext;
    if (!parent) return callProvider(provider, deployment, context, options, undefined, passthrough);
    return traceAttempt(context, parent, {
      deployment,
      plugin: provider.plugin,
      call: (traceContext) => callProvider(provider, deployment, context, options, traceContext, passthrough),
    });
  };
}

async function callProvider(
  provider: Provider,
  deployment: Deployment,
  context: RequestContext,
  options: AttemptOptions | undefined,
  traceContext: TraceContext | undefined,
  passthrough: PassthroughRequest | undefined,
): Promise<ProviderResult> {
  const started = performance.now();
  // The route plan's AttemptCancel is the options themselves: its signal is made only if read.
  const cancellation = options instanceof AttemptCancel ? options : (options?.signal ?? context.signal);
  const call = new AttemptCall(context, deployment.model, cancellation, traceContext);
  try {
    let result: ProviderResult;
    // providerDispatch refused a provider without the operation (unofferedOperation).
    if (context.endpoint === 'embeddings') {
      result = { kind: 'embeddings', response: await provider.embeddings!.embed(call.with(context.embeddingsRequest!)) };
    } else {
      result = await callChat(provider, context, call, passthrough);
    }
    context.attempts.push({ deployment, durationMs: performance.now() - started });
    context.servedBy = deployment;
    context.fastPath = result.kind === 'chat-passthrough' || result.kind === 'chat-passthrough-stream';
    return result;
  } catch (error) {
    const gatewayError = toGatewayError(error);
    const durationMs = performance.now() - started;
    // A plugin's own error says what it likes (1e300, NaN, -5 tokens): billed, like its answer's usage, as whole counts or not at all.
    const billedUsage = checkedUsage(gatewayError.billedUsage);
    if (billedUsage) {
      context.attempts.push({ deployment, durationMs, errorCode: gatewayError.code, billedUsage });
    } else if (call.answerCut || unreadableAnswer(call, gatewayError) || (call.sent && hungUp(gatewayError, cancellation, context))) {
      // An answer of 2xx cut short or unreadable before the client had any of it (a reset, a broken body, a first event
      // that is not JSON), or hung up on (the client left, the gateway gave up) after the upstream had the prompt: the
      // provider bills the prompt.
      context.attempts.push({ deployment, durationMs, errorCode: gatewayError.code, billedUsage: promptEstimate(context), billedUsageEstimated: true });
    } else {
      context.attempts.push({ deployment, durationMs, errorCode: gatewayError.code });
    }
    throw gatewayError;
  }
}

/**
 * Whether an attempt failed because it was cancelled on our side: the client left, or the
 * route plan gave up on it (its attempt timeout, the request's deadline), whose reason
 * the attempt fails with. Not an upstream's own failure (a status, a reset).
 */
function hungUp(error: GatewayError, cancellation: AttemptCancel | AbortSignal, context: RequestContext): boolean {
  if (error.code === 'client_closed_request') return context.clientGone;
  // The reason comes back as the same error or a copy of it (the transport's mapping), never as another code.
  const reason: unknown = cancellation.reason;
  return cancellation.aborted && isGatewayError(reason) && reason.code === error.code && reason.message === error.message;
}

/**
 * Whether the attempt failed on an answer whose head said 2xx and that the gateway could not
 * read (a body or first event that is not JSON, nested too deep, of the wrong shape): the
 * provider took the request and bills the prompt it read, whatever it sent back.
 */
function unreadableAnswer(call: AttemptCall, error: GatewayError): boolean {
  return call.answeredOk && error.code === 'upstream_invalid_response';
}

/** The usage of a prompt the upstream had when the attempt was hung up on: the gateway's estimate of its tokens, no output. */
function promptEstimate(context: RequestContext): Usage {
  const inputTokens = context.chatRequest
    ? estimatePromptTokens(context.chatRequest)
    : context.embeddingsRequest
      ? estimateEmbeddingsTokens(context.embeddingsRequest)
      : 0;
  return { inputTokens, outputTokens: 0 };
}

/**
 * What one attempt hands a provider operation, but the request itself. Its logger is
 * the request's child logger, made only if the provider reads it: a per-request
 * child logger costs more than most of a request's other objects. Its signal, from
 * an AttemptCancel, likewise: the core's transport cancels through the handle.
 */
class AttemptCall implements SentNotice {
  /** The upstream request went out: hung up on from then on, the attempt is billed its prompt (upstream-sent.ts). */
  sent = false;
  /** The upstream answered 2xx and its body broke off before the attempt returned: billed its prompt (upstream-sent.ts). */
  answerCut = false;
  /** The last answer's head said 2xx: an answer then unreadable is billed its prompt (upstream-sent.ts). */
  answeredOk = false;

  constructor(
    private readonly context: RequestContext,
    private readonly model: string,
    private readonly cancellation: AttemptCancel | AbortSignal,
    private readonly traceContext: TraceContext | undefined,
  ) {}

  /**
   * The provider call for `request`: plain fields, the logger and the signal as
   * getters (so a spread still carries them), and the cancellation for the transport.
   */
  with<Request>(request: Request): ProviderCall<Request> {
    const call = { request, model: this.model, [callCancellation]: this.cancellation } as ProviderCall<Request> & CallWithSource;
    Object.defineProperty(call, callSource, { value: this });
    Object.defineProperties(call, callAccessors);
    if (this.traceContext) call.traceContext = this.traceContext;
    return call;
  }

  get signal(): AbortSignal {
    const cancellation = this.cancellation;
    return cancellation instanceof AttemptCancel ? cancellation.signal : cancellation;
  }

  get logger(): Logger {
    return this.context.logger;
  }

  upstreamRequestSent(): void {
    this.sent = true;
  }

  upstreamAnswerCut(): void {
    this.answerCut = true;
  }

  upstreamAnswered(statusCode: number): void {
    this.answeredOk = statusCode >= 200 && statusCode < 300;
  }
}

interface CallWithSource {
  [callCancellation]: AttemptCancel | AbortSignal;
  [callSource]: AttemptCall;
}

/**
 * `signal` and `logger` of every provider call: own, enumerable getters, made once.
 * Getters written in the call's object literal were new functions on every call, and
 * V8 keeps an accessor's functions in the object's hidden class: each call got a hidden
 * class of its own, allocated in the old generation, whose getters held the request
 * (context, body, response) until the next full collection. ~5 KB of every provider
 * call was promoted that way (bench/README.md, "Promotion").
 */
const callAccessors: PropertyDescriptorMap = {
  signal: {
    get(this: CallWithSource) {
      return this[callSource].signal;
    },
    enumerable: true,
    configurable: true,
  },
  logger: {
    get(this: CallWithSource) {
      return this[callSource].logger;
    },
    enumerable: true,
    configurable: true,
  },
};

/**
 * One chat call: by the same-dialect fast path when this attempt may take it, else
 * translated. Not async (the caller awaits it inside its own try): the answer is
 * wrapped by a handler made once, not by an async frame more per attempt.
 */
function callChat(
  provider: Provider,
  context: RequestContext,
  call: AttemptCall,
  passthrough: PassthroughRequest | undefined,
): Promise<ProviderResult> {
  const request = context.chatRequest!;
  const fastPath = passthrough && takesFastPath(provider, context);
  if (fastPath) {
    return request.stream
      ? fastPath.stream(call.with(passthrough)).then(asPassthroughStream)
      : fastPath.complete(call.with(passthrough)).then(asPassthrough);
  }
  if (context.translationRefusal) throw context.translationRefusal;
  if (passthrough?.headers['anthropic-beta'] !== undefined) {
    // Anthropic's betas mean nothing to another provider, nor to the translated request.
    context.logger.debug({ provider: provider.id }, 'anthropic-beta dropped: this attempt is not a same-dialect Anthropic call');
  }
  return request.stream
    ? provider.chat!.stream(call.with(request)).then(asChatStream)
    : provider.chat!.complete(call.with(request)).then(asChatResponse);
}

type ChatOperation = NonNullable<Provider['chat']>;
type PassthroughOperation = NonNullable<ChatOperation['passthrough']>;

const asChatResponse = (response: Awaited<ReturnType<ChatOperation['complete']>>): ProviderResult => ({ kind: 'chat-response', response });
const asChatStream = (parts: Awaited<ReturnType<ChatOperation['stream']>>): ProviderResult => ({ kind: 'chat-stream', parts });
const asPassthrough = (answer: Awaited<ReturnType<PassthroughOperation['complete']>>): ProviderResult => ({ kind: 'chat-passthrough', ...answer });
const asPassthroughStream = (events: Awaited<ReturnType<PassthroughOperation['stream']>>): ProviderResult => ({
  kind: 'chat-passthrough-stream',
  events,
});

/**
 * The provider's pass-through operation when this attempt may take it: the provider
 * speaks the client's dialect natively and no step needs the answer's parts. Decided
 * per attempt, so a fallback to another kind of provider is translated as usual.
 */
function takesFastPath(provider: Provider, context: RequestContext): NonNullable<Provider['chat']>['passthrough'] {
  const chat = provider.chat;
  if (!chat || context.needsParts) return undefined;
  const wanted = context.dialect?.passthrough?.name ?? context.dialect?.name ?? 'openai-chat';
  if (chat.passthrough?.dialect === wanted) return chat.passthrough;
  return chat.passthroughs?.find((passthrough) => passthrough.dialect === wanted);
}

/**
 * The 400 `unsupported_operation` when `provider` does not offer the operation a request on
 * `endpoint` needs (embeddings of a chat-only provider, chat of an embeddings-only one), else
 * undefined. Such a deployment cannot serve the request: it is never called, nor an attempt.
 */
export function unofferedOperation(provider: Provider, endpoint: RequestContext['endpoint']): GatewayError | undefined {
  if (offersOperation(provider, endpoint)) return undefined;
  return unsupported(provider.id, endpoint === 'embeddings' ? 'embeddings' : 'chat completions');
}

/** Whether `provider` offers the operation a request on `endpoint` needs: embeddings, or else chat. */
export function offersOperation(provider: Provider, endpoint: RequestContext['endpoint']): boolean {
  return endpoint === 'embeddings' ? provider.embeddings !== undefined : provider.chat !== undefined;
}

function unsupported(provider: string, operation: string): GatewayError {
  return new GatewayError('unsupported_operation', `The provider '${provider}' does not offer ${operation}.`, { param: 'model' });
}
