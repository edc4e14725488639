import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { GatewayError } from '../errors/gateway-error.js';
import { namedContentCoding } from './content-coding.js';
import { DecompressingFeed, isDecompressible } from './decompressing-feed.js';
import { switchedProtocols } from './switched-protocols.js';
import { UpstreamBody } from './upstream-body.js';
import type { CuttableRequest, UpstreamBodyGuard } from './upstream-body-guard.js';
import type { SentNotice } from './upstream-sent.js';

/** An upstream answer: status and headers, its body to be read, held to its bounds by `guard`. */
export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
  guard: UpstreamBodyGuard;
  /** The content coding the answer is in when the gateway cannot decompress it (`zstd` …); its body is left as it came. */
  unreadableCoding?: string;
}

/**
 * One upstream request as undici's `dispatch` runs it: `response` resolves once the
 * headers are in, then the body is fed chunk by chunk. The handler undici's own
 * `request()` would put in between (an AsyncResource, a Readable body, a signal
 * listener) is not made: the guard cuts the request through `abort`.
 */
export class UpstreamCall implements Dispatcher.DispatchHandler, CuttableRequest {
  readonly response: Promise<UpstreamResponse>;
  private resolve!: (response: UpstreamResponse) => void;
  private reject!: (error: Error) => void;
  private controller: Dispatcher.DispatchController | undefined;
  private body: UpstreamBody | undefined;
  /** Set when the answer is compressed: undici's chunks go through it into `body`. */
  private feed: DecompressingFeed | undefined;
  /** Why the request is to be cut, when that was decided before undici started it. */
  private abortedWith: Error | undefined;
  /** Until undici starts the request: how long it may wait for a free connection. */
  private queueTimer: NodeJS.Timeout | undefined;
  /** The provider's `timeouts.headers_ms`, and when the request went out: the bound on its answer's head. */
  private headersMs = Infinity;
  private sentAt = 0;
  /** Armed by the first interim (1xx) answer, until the real head comes (see onResponseStart). */
  private headersTimer: NodeJS.Timeout | undefined;
  /** The answer's head said 2xx: a body that fails from then on is an answer cut short, which the provider bills. */
  private answeredOk = false;

  /**
   * `abandoned` holds, until undici lets go of them, the calls whose caller was answered
   * while they still waited in the pool's queue: a graceful close of the pool would wait
   * for them (a connection being opened, up to `connect_ms`).
   * `sent` hears when the request goes out (billing: a client gone after that pays for its prompt).
   * `provider` names the upstream in the error of an answer that cannot be decompressed.
   */
  constructor(
    private readonly guard: UpstreamBodyGuard,
    private readonly abandoned?: Set<UpstreamCall>,
    private readonly sent?: SentNotice,
    private readonly provider = 'upstream',
  ) {
    this.response = new Promise<UpstreamResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    guard.bind(this);
  }

  /**
   * Called once the request was dispatched: a request undici has not started yet waits
   * for a free connection of its origin's pool, and undici's own timers start only once
   * it is written. Behind connections held by a silent upstream it had no bound at all.
   */
  boundQueueWait(timeoutMs: number, provider: string): void {
    this.headersMs = timeoutMs;
    if (this.controller || this.abortedWith) return;
    this.queueTimer = setTimeout(
      () => this.abort(new GatewayError('upstream_timeout', `The ${provider} upstream had no free connection within ${timeoutMs} ms.`, { provider })),
      timeoutMs,
    );
    this.queueTimer.unref();
  }

  abort(reason: unknown): void {
    const error = reason instanceof Error ? reason : requestAborted();
    if (this.body) this.body.destroy(error);
    else if (this.controller) this.controller.abort(error);
    else if (!this.abortedWith) {
      // Still queued: undici calls onRequestStart only once a connection frees (the request
      // is dropped there, never sent), so the caller is answered now, not then.
      this.abortedWith = error;
      clearTimeout(this.queueTimer);
      this.abandoned?.add(this);
      this.reject(error);
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    clearTimeout(this.queueTimer);
    this.controller = controller;
    this.sentAt = performance.now();
    // undici starts a request once its connection is made, right before writing it.
    if (this.abortedWith) {
      this.abandoned?.delete(this);
      controller.abort(this.abortedWith);
    } else this.sent?.upstreamRequestSent();
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // A 101 without the upgrade headers reaches here as an interim answer; what follows it is
    // another protocol (undici refuses one with them itself, mapTransportError).
    if (statusCode === 101) return controller.abort(switchedProtocols(this.provider));
    // A 1xx (102 Processing, 103 Early Hints) is not the answer: the real head follows.
    if (statusCode < 200) return this.boundInterimAnswers();
    clearTimeout(this.headersTimer);
    this.answeredOk = statusCode < 300;
    this.sent?.upstreamAnswered?.(statusCode);
    // An uncompressed answer (the rule) pays one header lookup here and nothing per chunk.
    const coding = headers['content-encoding'] === undefined ? undefined : namedContentCoding(headers['content-encoding']);
    let body: UpstreamBody;
    let unreadableCoding: string | undefined;
    if (coding === undefined) body = new UpstreamBody(controller);
    else if (isDecompressible(coding)) {
      this.feed = new DecompressingFeed(controller, coding, this.provider);
      body = this.feed.body;
    } else {
      body = new UpstreamBody(controller);
      unreadableCoding = coding;
    }
    this.body = body;
    this.guard.attach(body);
    this.resolve(unreadableCoding === undefined ? { statusCode, headers, body, guard: this.guard } : { statusCode, headers, body, guard: this.guard, unreadableCoding });
  }

  /**
   * undici restarts its headers timer on every interim answer, so an upstream sending 102
   * Processing while a hung backend never answers held the call past `headers_ms`, up to
   * `limits.stream_max_duration_ms`. The first one arms the gateway's own timer for what is
   * left of `headers_ms` since the request went out.
   */
  private boundInterimAnswers(): void {
    if (this.headersTimer !== undefined || this.headersMs === Infinity) return;
    const left = Math.max(0, this.sentAt + this.headersMs - performance.now());
    this.headersTimer = setTimeout(
      () => this.abort(new GatewayError('upstream_timeout', `The ${this.provider} upstream did not answer in time.`, { provider: this.provider })),
      left,
    );
    this.headersTimer.unref();
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.feed) this.feed.push(chunk);
    else this.body?.push(chunk);
  }

  onResponseEnd(): void {
    if (this.feed) this.feed.end();
    else this.body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    clearTimeout(this.queueTimer);
    clearTimeout(this.headersTimer);
    if (this.abortedWith) this.abandoned?.delete(this);
    if (this.body && this.answeredOk) this.sent?.upstreamAnswerCut?.();
    if (this.feed) this.feed.fail(error);
    else if (this.body) this.body.fail(error);
    else this.reject(error);
  }
}

function requestAborted(): Error {
  return Object.assign(new Error('The upstream request was aborted.'), { name: 'AbortError' });
}
