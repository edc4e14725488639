import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { GatewayError } from '../errors/gateway-error.js';
import type { CancelSource } from './attempt-cancel.js';

/** Bounds on one upstream answer, from `limits.stream_max_bytes` and `limits.stream_max_duration_ms`. */
export interface UpstreamBodyLimits {
  /** Most bytes one answer's body may have (a stream in total). */
  maxBytes: number;
  /** Longest time from sending the request to the end of its answer. */
  maxDurationMs: number;
}

/**
 * Holds one upstream request to its total-duration and total-size bounds. The
 * clock starts when the request is sent; when it runs out (waiting for headers
 * or reading the body), or a chunk takes the body past its size, the request is
 * aborted through `signal` and `error` says why, so readers throw that instead of
 * the abort or socket error the cut causes. The client's own abort is passed on.
 * Everything is released when the body closes, however it closes.
 */
export class UpstreamBodyGuard {
  /** Set once a bound was crossed. */
  error: GatewayError | undefined;
  private readonly abortHandle = new RequestAbort();
  private bytes = 0;
  private body: Readable | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly passOnClientAbort = (): void => this.abortHandle.abort(this.clientSignal.reason);

  constructor(
    private readonly limits: UpstreamBodyLimits,
    private readonly provider: string,
    private readonly clientSignal: CancelSource,
  ) {
    if (clientSignal.aborted) this.abortHandle.abort(clientSignal.reason);
    else clientSignal.addEventListener('abort', this.passOnClientAbort, { once: true });
    this.timer = setTimeout(this.expire, limits.maxDurationMs);
    // Sockets keep the process alive while an answer is read; this timer need not.
    this.timer.unref();
  }

  /** The signal to send the request with (undici takes an EventEmitter): aborted by the client or by a crossed bound. */
  get signal(): RequestAbort {
    return this.abortHandle;
  }

  /** Watches the body once the response headers have arrived. */
  attach(body: Readable): void {
    this.body = body;
    if (this.error) body.destroy(this.error);
    else if (body.destroyed) this.release();
    else body.once('close', this.release);
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
    this.abortHandle.abort(error);
    if (this.body && !this.body.destroyed) this.body.destroy(error);
  }
}

/**
 * An abort signal as undici also takes it (`signal: AbortSignal | EventEmitter`): it
 * reads `aborted` and `reason` and listens for `'abort'`. One per upstream request,
 * where an AbortController costs an EventTarget, its listener map and an
 * EventTarget listener registration in undici.
 */
export class RequestAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}
