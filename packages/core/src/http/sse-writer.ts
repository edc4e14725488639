import { once } from 'node:events';
import type { Response } from 'express';
import type { GatewayError } from '../errors/gateway-error.js';

/**
 * The one place the gateway writes Server-Sent Events. It waits for the socket to
 * drain instead of buffering a whole stream when the client reads slowly.
 */
export class SseWriter {
  private started = false;
  private corked = false;

  constructor(private readonly res: Response) {}

  get isOpen(): boolean {
    return !this.res.writableEnded && !this.res.destroyed;
  }

  /** Sends the headers; the status can no longer change after this. */
  start(extraHeaders: Record<string, string> = {}): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      ...extraHeaders,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold chunks back.
      'x-accel-buffering': 'no',
    });
    this.res.flushHeaders();
  }

  /**
   * Writes one `data:` event. Returns a promise to wait for when the client reads
   * slower than we write, and nothing otherwise (no async step per event). Events
   * written in the same turn of the event loop (those decoded from one upstream
   * network chunk) leave in one socket write: the socket is corked until the turn ends.
   */
  send(data: string): Promise<void> | undefined {
    if (!this.isOpen) return undefined;
    this.start();
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      setImmediate(this.uncork);
    }
    if (this.res.write(`data: ${data}\n\n`)) return undefined;
    this.uncork();
    return Promise.race([once(this.res, 'drain'), once(this.res, 'close')]).then(() => undefined);
  }

  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.res.uncork();
  };

  /** Ends a stream that completed: OpenAI's `[DONE]` sentinel, then close. */
  done(): void {
    if (!this.isOpen) return;
    this.start();
    this.uncork();
    this.res.end('data: [DONE]\n\n');
  }

  /**
   * Ends a stream that failed after it began: an error event in OpenAI's in-stream
   * shape (a `data:` line with a top-level `error`), then a clean close, never a hang.
   */
  fail(error: GatewayError): void {
    if (!this.isOpen) return;
    this.start();
    this.uncork();
    this.res.end(`data: ${JSON.stringify(error.toBody())}\n\n`);
  }
}
