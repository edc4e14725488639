import { GatewayError } from '../errors/gateway-error.js';
import type { CancelSource } from './attempt-cancel.js';
import type { UpstreamBody } from './upstream-body.js';

/** Bounds on one upstream answer, from `limits.stream_max_bytes` and `limits.stream_max_duration_ms`. */
export interface UpstreamBodyLimits {
  /** Most bytes one answer's body may have (a stream in total). */
  maxBytes: number;
  /** Longest time from sending the request to the end of its answer. */
  maxDurationMs: number;
}

/** What the guard cuts: the request in flight (the transport's undici handler). */
export interface CuttableRequest {
  abort(reason: unknown): void;
}

/**
 * Holds one upstream request to its total-duration and total-size bounds. The
 * clock starts when the request is sent; when it runs out (waiting for headers
 * or reading the body), or a chunk takes the body past its size, the request is
 * cut and `error` says why, so readers throw that instead of the abort or socket
 * error the cut causes. The client's own abort is passed on. Everything is
 * released when the body closes, however it closes.
 */
export class UpstreamBodyGuard {
  /** Set once a bound was crossed. */
  error: GatewayError | undefined;
  /** Set once the request was to be cut (the client left, a bound was crossed): why. */
  private cutWith: { reason: unknown } | undefined;
  private request: CuttableRequest | undefined;
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly passOnClientAbort = (): void => this.abortRequest(this.clientSignal.reason);

  constructor(
    private readonly limits: UpstreamBodyLimits,
    private readonly provider: string,
    private readonly clientSignal: CancelSource,
  ) {
    if (clientSignal.aborted) this.abortRequest(clientSignal.reason);
    else clientSignal.addEventListener('abort', this.passOnClientAbort, { once: true });
    this.timer = setTimeout(this.expire, limits.maxDurationMs);
    // Sockets keep the process alive while an answer is read; this timer need not.
    this.timer.unref();
  }

  /** The request to cut; cut at once if the client has already left. */
  bind(request: CuttableRequest): void {
    this.request = request;
    if (this.cutWith) request.abort(this.cutWith.reason);
  }

  /** Watches the body once the response headers have arrived: the bounds hold until it closes. */
  attach(body: UpstreamBody): void {
    body.onClose(this.release);
  }

  /** Counts a chunk read from the body; throws (after cutting the request) when it is one too many. */
  count(chunk: { length: number }): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxBytes && !this.error) {
      this.cut(
        new GatewayError('upstream_response_too_large', `The ${this.provider} upstream sent more than ${this.limits.maxBytes} bytes; the answer was cut.`, {
          provider: this.provider,
        }),
      );
    }
    if (this.error) throw this.error;
  }

  /** Stops the clock and forgets the client's signal: the answer ended, or the request failed. */
  readonly release = (): void => {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.clientSignal.removeEventListener('abort', this.passOnClientAbort);
  };

  private readonly expire = (): void => {
    this.timer = undefined;
    this.cut(
      new GatewayError('upstream_duration_exceeded', `The ${this.provider} upstream was still answering after ${this.limits.maxDurationMs} ms; the answer was cut.`, {
        provider: this.provider,
      }),
    );
  };

  private cut(error: GatewayError): void {
    this.error = error;
    this.release();
    // The request cuts its body too, once it has one (UpstreamCall.abort).
    this.abortRequest(error);
  }

  private abortRequest(reason: unknown): void {
    if (this.cutWith) return;
    this.cutWith = { reason };
    this.request?.abort(reason);
  }
}
