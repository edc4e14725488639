import { GatewayError, isGatewayError, toGatewayError } from '../errors/gateway-error.js';
import type { ProviderCall, UpstreamTimeouts } from '../plugin/provider-types.js';
import { sentNoticeOf } from '../transport/upstream-sent.js';
import { cancellationOf, type CancelSource } from '../transport/attempt-cancel.js';

/**
 * A direct operation (a plugin making its own call: an SDK, an in-process model)
 * held to the deadlines the transport puts on an HTTP call. A plugin that ignored
 * its signal and never settled held the request for good: no answer, no record, its
 * budget hold kept until the lease sweep. Now, as for an HTTP upstream:
 *
 * - the answer (a whole answer, or a stream's first part) within `timeouts.headersMs`,
 *   each later part within `timeouts.bodyMs` of the one before: else `upstream_timeout`;
 * - the whole call within `limits.stream_max_duration_ms`: else `upstream_duration_exceeded`;
 * - the client leaving (or the route step giving up on the attempt) ends the wait at once;
 * - so does the gateway's close() cutting the calls still running at its drain deadline
 *   (`shutdown`, the transport's cut signal): `shutting_down`, as for an HTTP call.
 *
 * When a deadline passes the plugin's signal is aborted and the gateway stops
 * waiting for it: whatever it answers later is dropped.
 */
export class DirectCallDeadline {
  private readonly controller = new AbortController();
  /** Why the call was given up on, once it was. */
  private failure: GatewayError | undefined;
  /** Rejects the wait in progress, if one is. */
  private rejectWait: ((error: GatewayError) => void) | undefined;
  private totalTimer: NodeJS.Timeout | undefined;
  private readonly onSourceAbort = (): void => this.fail(abortError(this.source.reason, this.provider));
  private readonly onShutdown = (): void => this.fail(toGatewayError(this.shutdown!.reason));

  constructor(
    private readonly source: CancelSource,
    private readonly timeouts: Pick<UpstreamTimeouts, 'headersMs' | 'bodyMs'>,
    maxDurationMs: number,
    private readonly provider: string,
    private readonly shutdown?: AbortSignal,
  ) {
    if (source.aborted) {
      this.onSourceAbort();
      return;
    }
    if (shutdown?.aborted) {
      this.onShutdown();
      return;
    }
    source.addEventListener('abort', this.onSourceAbort, { once: true });
    shutdown?.addEventListener('abort', this.onShutdown, { once: true });
    this.totalTimer = setTimeout(() => this.fail(durationExceeded(provider, maxDurationMs)), maxDurationMs);
    // The wait's own timer keeps the process up while the plugin works; this one need not.
    this.totalTimer.unref();
  }

  /** The call handed to the plugin: the same, with a signal aborted by a deadline as well as by the client. */
  callFor<Request>(call: ProviderCall<Request>): ProviderCall<Request> {
    const signal = this.controller.signal;
    const bounded = { request: call.request, model: call.model, signal } as ProviderCall<Request>;
    Object.defineProperty(bounded, originalCall, { value: call });
    Object.defineProperties(bounded, boundedCallAccessors);
    if (call.traceContext) bounded.traceContext = call.traceContext;
    return bounded;
  }

  /** The answer (or first part) of the plugin, within the headers timeout. */
  first<Result>(work: Promise<Result>): Promise<Result> {
    return this.wait(work, this.timeouts.headersMs, 'did not answer in time');
  }

  /** A later part of a stream, within the body (silence) timeout. */
  next<Result>(work: Promise<Result>): Promise<Result> {
    return this.wait(work, this.timeouts.bodyMs, 'stopped sending its answer');
  }

  /** The call is over (answered, failed, or its reader stopped): timers and listeners go. */
  end(): void {
    if (this.totalTimer !== undefined) clearTimeout(this.totalTimer);
    this.totalTimer = undefined;
    this.source.removeEventListener('abort', this.onSourceAbort);
    this.shutdown?.removeEventListener('abort', this.onShutdown);
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  private wait<Result>(work: Promise<Result>, limitMs: number, silence: string): Promise<Result> {
    if (this.failure) {
      work.then(undefined, ignore);
      return Promise.reject(this.failure);
    }
    return new Promise<Result>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new GatewayError('upstream_timeout', `The ${this.provider} upstream ${silence}.`, { provider: this.provider })),
        limitMs,
      );
      this.rejectWait = reject;
      // After a deadline these settle nothing: the promise was already rejected.
      work.then(
        (result) => {
          clearTimeout(timer);
          this.rejectWait = undefined;
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          this.rejectWait = undefined;
          reject(error);
        },
      );
    });
  }

  private fail(error: GatewayError): void {
    if (this.failure) return;
    this.failure = error;
    this.end();
    this.controller.abort(error);
    const reject = this.rejectWait;
    this.rejectWait = undefined;
    reject?.(error);
  }
}

/** Where a bounded call keeps the call it stands for (not enumerable: a spread leaves it behind). */
const originalCall = Symbol('switchyard.originalCall');

/**
 * The bounded call's `logger`: the original call's, read only if the plugin reads it (the
 * request's child logger is made on first read, dispatch.ts). One getter for every call: a
 * getter made per call gave each call a hidden class of its own, allocated in the old
 * generation with the request it held (dispatch.ts, callAccessors), and ~5 KB of every
 * direct call was promoted (test/request-promotion.test.ts).
 */
const boundedCallAccessors: PropertyDescriptorMap = {
  logger: {
    get(this: { [originalCall]: ProviderCall<unknown> }) {
      return this[originalCall].logger;
    },
    enumerable: true,
    configurable: true,
  },
};

/**
 * The deadline of a direct call, made from the call the core handed over as the
 * operation is handed it: from then on the plugin has the prompt, as an upstream that
 * was sent the request has (upstream-sent.ts), unless the client had already left.
 */
export function directCallDeadline(
  call: { readonly signal: AbortSignal },
  timeouts: Pick<UpstreamTimeouts, 'headersMs' | 'bodyMs'>,
  maxDurationMs: number,
  provider: string,
  shutdown?: AbortSignal,
): DirectCallDeadline {
  const cancellation = cancellationOf(call);
  if (!cancellation.aborted) sentNoticeOf(call)?.upstreamRequestSent();
  return new DirectCallDeadline(cancellation, timeouts, maxDurationMs, provider, shutdown);
}

/**
 * A direct stream's parts, each waited for within its deadline. Once a deadline has
 * passed the plugin's iterator is asked to stop, without waiting for it: an iterator
 * stuck in its own await would never answer.
 */
export class DeadlineParts<Part> implements AsyncIterableIterator<Part> {
  private started = false;

  constructor(
    private readonly iterator: AsyncIterator<Part>,
    private readonly deadline: DirectCallDeadline,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<Part>> {
    const work = this.iterator.next();
    const waited = this.started ? this.deadline.next(work) : this.deadline.first(work);
    this.started = true;
    return waited.then(
      (result) => {
        if (result.done) this.deadline.end();
        return result;
      },
      (error: unknown) => {
        this.deadline.end();
        if (this.deadline.failed) this.abandon();
        throw error;
      },
    );
  }

  return(value?: unknown): Promise<IteratorResult<Part>> {
    this.deadline.end();
    this.abandon();
    return Promise.resolve({ done: true, value: value as Part });
  }

  private abandon(): void {
    try {
      this.iterator.return?.().then(undefined, ignore);
    } catch {
      // A plugin's return() that throws: it is being let go either way.
    }
  }
}

/** How a cancellation ends the wait: the reason the core gave (a route deadline), else the client left, as mapTransportError has it. */
function abortError(reason: unknown, provider: string): GatewayError {
  if (isGatewayError(reason)) return toGatewayError(reason);
  return new GatewayError('client_closed_request', 'The client closed the connection.', { provider });
}

function durationExceeded(provider: string, maxDurationMs: number): GatewayError {
  return new GatewayError('upstream_duration_exceeded', `The ${provider} upstream was still answering after ${maxDurationMs} ms; the answer was cut.`, { provider });
}

const ignore = (): void => undefined;
