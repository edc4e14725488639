import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { MockStreamOptions } from './mock-script.js';
import { splitForNetwork } from './split-for-network.js';

/**
 * Writes one answer of the mock. It knows when the client has gone away (so
 * pauses end early and nothing more is written) and tells a scripted cut made
 * by the mock itself apart from a client abort.
 */
export class ResponseWriter {
  private readonly closed = new AbortController();
  private readonly connectionClosed: Promise<void>;
  /** Settles when the last write reached the operating system (or the connection closed). */
  private lastWrite: Promise<void> = Promise.resolve();
  private cutByMock = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly requestId: string,
  ) {
    this.connectionClosed = new Promise((resolve) => {
      res.once('close', () => {
        this.closed.abort();
        resolve();
      });
    });
  }

  /** Aborted when the connection closes, whoever closed it. */
  get signal(): AbortSignal {
    return this.closed.signal;
  }

  /** True when the mock destroyed the connection on purpose (`cutAfterEvents`). */
  get wasCut(): boolean {
    return this.cutByMock;
  }

  /** True once the whole answer has been handed to the socket. */
  get finished(): boolean {
    return this.res.writableFinished;
  }

  get isOpen(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /** Waits `ms` (or one turn of the event loop); false when the client went away meanwhile. */
  async pause(ms = 0): Promise<boolean> {
    if (!this.isOpen) return false;
    try {
      if (ms > 0) await sleep(ms, undefined, { signal: this.signal });
      else await yieldToEventLoop(undefined, { signal: this.signal });
    } catch (error) {
      if (this.signal.aborted) return false;
      throw error;
    }
    return this.isOpen;
  }

  /** Sends a whole JSON answer. */
  sendJson(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.sendText(status, JSON.stringify(body), { 'content-type': 'application/json', ...lowerCaseKeys(headers) });
  }

  /** Sends a whole answer as given; `headers` should name the content type. */
  /**
   * A script's custom answer (`status` and/or `body`): no body, a string sent as is,
   * or anything else as JSON (with `jsonHeaders` added, for formats that want them).
   */
  sendScripted(script: { status?: number; body?: unknown; stallBody?: boolean; cutBody?: boolean }, headers: OutgoingHttpHeaders = {}, jsonHeaders: OutgoingHttpHeaders = {}): void {
    const status = script.status ?? 200;
    const stall = script.stallBody === true ? 'stall' : script.cutBody === true ? 'cut' : undefined;
    if (script.body === undefined) this.sendText(status, '', headers);
    else if (typeof script.body === 'string') this.sendText(status, script.body, { 'content-type': 'text/plain; charset=utf-8', ...headers }, stall);
    else this.sendText(status, JSON.stringify(script.body), { 'content-type': 'application/json', ...lowerCaseKeys({ ...jsonHeaders, ...headers }) }, stall);
  }

  /**
   * Sends a whole answer; with `half`, only its first half, and then nothing more: the
   * connection held open (`stall`) or destroyed once the half is written (`cut`).
   */
  sendText(status: number, text: string, headers: OutgoingHttpHeaders = {}, half?: 'stall' | 'cut'): void {
    if (!this.isOpen) return;
    if (!half) {
      this.res.writeHead(status, { 'x-request-id': this.requestId, ...lowerCaseKeys(headers) });
      this.res.end(text);
      return;
    }
    const body = Buffer.from(text);
    this.res.writeHead(status, { 'x-request-id': this.requestId, ...lowerCaseKeys(headers), 'content-length': body.length });
    this.res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
      if (half !== 'cut') return;
      this.cutByMock = true;
      this.res.destroy();
    });
  }

  /**
   * Streams Server-Sent Events, each (or each piece, with `splitBytes`) in its own
   * write after a pause, so they reach the client as separate network chunks.
   */
  async sendEvents(
    events: readonly string[],
    options: MockStreamOptions = {},
    headers: OutgoingHttpHeaders = {},
    streamErrorWire = '',
  ): Promise<void> {
    if (!this.isOpen) return;
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-request-id': this.requestId,
      ...lowerCaseKeys(headers),
    });
    this.res.flushHeaders();

    if (options.repeatEvent !== undefined) {
      await this.sendEndlessly(events, options.repeatEvent, options);
      return;
    }
    const cutAt = options.cutAfterEvents;
    const errorAt = options.midStreamError ? (options.errorAfterEvents ?? 2) : undefined;
    const stallAt = options.stallAfterEvents;
    if (stallAt !== undefined) {
      for (const event of events.slice(0, stallAt)) {
        if (!(await this.writeEvent(event, options))) return;
      }
      await this.connectionClosed; // silent, the connection open, until the client leaves
      return;
    }
    const stopAt = Math.min(events.length, cutAt ?? Infinity, errorAt ?? Infinity);
    const endsWithCut = cutAt !== undefined && cutAt <= (errorAt ?? Infinity);
    const errorWire = options.errorWire ?? streamErrorWire;
    if (options.sameWrite) {
      const last = !endsWithCut && errorAt !== undefined ? errorWire : '';
      if (!(await this.writeEvent(events.slice(0, stopAt).join('') + last, options))) return;
      if (endsWithCut) await this.cut();
      else this.res.end();
      return;
    }
    for (const event of events.slice(0, stopAt)) {
      if (!(await this.writeEvent(event, options))) return;
    }

    if (endsWithCut) {
      await this.cut();
    } else if (errorAt !== undefined) {
      if (await this.writeEvent(errorWire, options)) this.res.end();
    } else {
      this.res.end();
    }
  }

  /** Writes `events` up to `index`, then the event at `index` over and over until the client leaves. */
  private async sendEndlessly(events: readonly string[], index: number, options: MockStreamOptions): Promise<void> {
    const repeated = events[Math.min(Math.max(0, index), events.length - 1)] ?? '';
    for (const event of events.slice(0, index)) {
      if (!(await this.writeEvent(event, options))) return;
    }
    while (await this.writeEvent(repeated, options));
  }

  /** Answers a failure of the mock itself: a 500 if nothing was sent yet, else a dropped connection. */
  fail(message: string): void {
    if (this.res.headersSent) {
      this.res.destroy();
      return;
    }
    this.sendJson(500, { error: { message, type: 'server_error', param: null, code: null } });
  }

  /**
   * Destroys the connection mid-answer, the way a crashed upstream or a dropped
   * network does. It waits for the events already written to leave first; a
   * destroy right after a write would discard them.
   */
  private async cut(): Promise<void> {
    await this.lastWrite;
    this.cutByMock = true;
    this.res.destroy();
  }

  private async writeEvent(event: string, options: MockStreamOptions): Promise<boolean> {
    for (const piece of splitForNetwork(event, options.splitBytes)) {
      if (!(await this.pause(options.chunkDelayMs))) return false;
      if (!this.writeTracked(piece)) await this.drainedOrClosed();
    }
    return this.isOpen;
  }

  /** Writes and remembers when the bytes leave, for {@link cut}; returns false when the socket wants a drain. */
  private writeTracked(piece: Buffer): boolean {
    let markWritten: () => void = () => {};
    const written = new Promise<void>((resolve) => {
      markWritten = resolve;
    });
    this.lastWrite = Promise.race([written, this.connectionClosed]);
    return this.res.write(piece, () => markWritten());
  }

  private drainedOrClosed(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }
}

// Script headers may be spelled in any case; Node would send both spellings.
function lowerCaseKeys(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const lowered: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;
  return lowered;
}
