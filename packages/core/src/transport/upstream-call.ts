import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { UpstreamBody } from './upstream-body.js';
import type { CuttableRequest, UpstreamBodyGuard } from './upstream-body-guard.js';

/** An upstream answer: status and headers, its body to be read, held to its bounds by `guard`. */
export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: UpstreamBody;
  guard: UpstreamBodyGuard;
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
  /** Why the request is to be cut, when that was decided before undici started it. */
  private abortedWith: Error | undefined;

  constructor(private readonly guard: UpstreamBodyGuard) {
    this.response = new Promise<UpstreamResponse>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    guard.bind(this);
  }

  abort(reason: unknown): void {
    const error = reason instanceof Error ? reason : requestAborted();
    if (this.body) this.body.destroy(error);
    else if (this.controller) this.controller.abort(error);
    else this.abortedWith ??= error;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortedWith) controller.abort(this.abortedWith);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // A 1xx (100 Continue, 103 Early Hints) is not the answer: the real head follows.
    if (statusCode < 200) return;
    const body = new UpstreamBody(controller);
    this.body = body;
    this.guard.attach(body);
    this.resolve({ statusCode, headers, body, guard: this.guard });
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.body?.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.body) this.body.fail(error);
    else this.reject(error);
  }
}

function requestAborted(): Error {
  return Object.assign(new Error('The upstream request was aborted.'), { name: 'AbortError' });
}
