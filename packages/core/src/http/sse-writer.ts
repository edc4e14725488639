import type { Response } from 'express';
import type { GatewayError } from '../errors/gateway-error.js';
import type { Logger } from '../logging/create-logger.js';
import { answerHead } from './answer-head.js';

/**
 * Read by writeHead, never changed: one array for every stream. No `connection`: Node
 * writes keep-alive or close as the client asked, and one written here would override
 * it (a client's `Connection: close` left its connection open until the keep-alive timeout).
 */
const eventStreamHeaders = [
  'content-type',
  'text/event-stream; charset=utf-8',
  'cache-control',
  'no-cache, no-transform',
  // Proxies such as nginx would otherwise hold chunks back.
  'x-accel-buffering',
  'no',
];

/** Headers a caller's extras may not set: the event stream's own, and the connection's, which is Node's to write. */
const eventStreamHeaderNames = new Set([...eventStreamHeaders.filter((_, index) => index % 2 === 0), 'connection']);

/** A caller's extra headers, then the event stream's, which win over an extra one of the same name. */
function withEventStreamHeaders(extraHeaders: Record<string, string>): string[] {
  const head: string[] = [];
  for (const [name, value] of Object.entries(extraHeaders)) if (!eventStreamHeaderNames.has(name)) head.push(name, value);
  head.push(...eventStreamHeaders);
  return head;
}

/**
 * The one place the gateway writes Server-Sent Events.
 *
 * Events are gathered and written once per turn of the event loop: the events
 * decoded from one upstream network chunk leave in one write and one HTTP chunk,
 * not one each. Their pieces are queued and joined once at write time, not built
 * into a string per event and concatenated. When the client reads slower than we
 * write, `send` returns a promise to wait on instead of buffering the whole stream.
 */
export class SseWriter {
  private started = false;
  /** The text of the events not yet written, in pieces. */
  private readonly pending: string[] = [];
  private flushScheduled = false;
  private drained: Promise<void> | undefined;
  private cutOffTimer: NodeJS.Timeout | undefined;
  /** Armed only while a write waits for 'drain': a client that keeps up never has one. */
  private stallTimer: NodeJS.Timeout | undefined;

  /**
   * @param cutOffAfterMs when set, a stream not finished this long after `start()`
   * is destroyed: a client that stopped reading must not hold its connection (and
   * the request's record and budget) forever once the upstream is done or cut.
   * @param stallAfterMs when set, a stream whose client takes no more bytes (a write
   * waiting for 'drain') this long is destroyed, as if the client had left: its
   * upstream call and budget hold are not kept for the whole `cutOffAfterMs`.
   * @param logger where that disconnection is told (one warn line).
   */
  constructor(
    private readonly res: Response,
    private readonly cutOffAfterMs?: number,
    private readonly stallAfterMs?: number,
    private readonly logger?: Logger,
  ) {}

  get isOpen(): boolean {
    return !this.res.writableEnded && !this.res.destroyed;
  }

  /**
   * Fixes the status and headers; they leave with the first events, in the same
   * write, rather than in a write of their own.
   */
  start(extraHeaders?: Record<string, string>): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, answerHead(this.res, extraHeaders ? withEventStreamHeaders(extraHeaders) : eventStreamHeaders));
    if (this.cutOffAfterMs !== undefined) this.cutOffAt(this.cutOffAfterMs);
  }

  private cutOffAt(delayMs: number): void {
    const timer = setTimeout(this.cutOff, delayMs);
    timer.unref();
    this.cutOffTimer = timer;
    // `on`, not `once`: a response closes once, and no once-wrapper is made per stream.
    this.res.on('close', this.stopCutOff);
  }

  private readonly cutOff = (): void => {
    if (!this.res.writableFinished) this.res.destroy();
  };

  private readonly stopCutOff = (): void => {
    clearTimeout(this.cutOffTimer);
  };

  /** The client took nothing for `stallAfterMs`: its connection is destroyed, which ends the wait on 'close'. */
  private readonly stalled = (): void => {
    this.stallTimer = undefined;
    if (this.res.writableFinished || this.res.destroyed) return;
    this.logger?.warn({ stallMs: this.stallAfterMs }, 'client stopped reading the stream; disconnected it (limits.client_stall_ms)');
    this.res.destroy();
  };

  /**
   * Queues one event: a `data:` line, after an `event:` line when it is named
   * (Anthropic's streams name every event). Returns a promise only when the client is behind.
   */
  send(data: string, event?: string): Promise<void> | undefined {
    if (!this.isOpen) return undefined;
    this.start();
    if (event === undefined) this.pending.push('data: ', data, '\n\n');
    else this.pending.push('event: ', event, '\ndata: ', data, '\n\n');
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    return this.drained;
  }

  /** Ends the stream after the events queued so far (a dialect's own closing events were sent with `send`). */
  close(): void {
    this.end('');
  }

  /** Ends a stream that completed: OpenAI's `[DONE]` sentinel, then close. */
  done(): void {
    this.end('data: [DONE]\n\n');
  }

  /**
   * Ends a stream that failed after it began: an error event in OpenAI's in-stream
   * shape (a `data:` line with a top-level `error`), then a clean close, never a hang.
   */
  fail(error: GatewayError): void {
    this.end(`data: ${JSON.stringify(error.toBody())}\n\n`);
  }

  private end(last: string): void {
    if (!this.isOpen) return;
    this.start();
    this.pending.push(last);
    this.res.end(this.taken());
    // The last bytes may not fit either (no 'drain' follows an end): a client that never
    // takes them is cut as one that stalls mid-stream, rather than at the stream's cut-off.
    // Any bytes left count, not only a full buffer's worth: writes below the high-water mark
    // report no backpressure, so a stream could end with a few KiB queued and no timer armed.
    // A client that keeps up has taken everything by now (writableFinished): no timer.
    if (this.stallAfterMs !== undefined && this.stallTimer === undefined && !this.res.writableFinished && !this.res.destroyed) {
      this.armStallTimer();
      this.res.once('close', this.disarmStallTimer);
    }
  }

  private armStallTimer(): void {
    this.stallTimer = setTimeout(this.stalled, this.stallAfterMs);
    this.stallTimer.unref();
  }

  private readonly disarmStallTimer = (): void => {
    clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
  };

  /** The pending pieces as one string, and the queue emptied. */
  private taken(): string {
    const text = this.pending.join('');
    this.pending.length = 0;
    return text;
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.pending.length === 0 || !this.isOpen) return;
    if (this.res.write(this.taken()) || this.drained) return;
    // One pair of listeners per wait, both removed when either fires: a long stream to
    // a slow client waits thousands of times and must not pile listeners up.
    const res = this.res;
    if (this.stallAfterMs !== undefined) this.armStallTimer();
    this.drained = new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        this.disarmStallTimer();
        this.drained = undefined;
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  };
}
