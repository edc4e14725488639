import type { Response } from 'express';
import { findContext } from '../chain/request-context.js';

/** `limits.client_stall_ms`'s default, for an answer written outside the gateway's router. */
const defaultClientStallMs = 60_000;
/** Past this, an answer leaves in slices, so that a client's progress shows as 'drain' events. */
const slicedAboveBytes = 256 * 1024;
/** Characters per slice (up to 3 bytes each in UTF-8). */
const sliceChars = 64 * 1024;

/**
 * Ends a response with a whole answer whose head is written. Node's server has no
 * timeout on writing an answer: a client that stops reading (a hung process, a dead
 * NAT) held the connection and the bytes waiting for it, up to `limits.stream_max_bytes`,
 * and the request's record (with a budgeted key's hold) for as long as its TCP connection
 * lived. Now a client that takes nothing for `limits.client_stall_ms` is disconnected, as
 * a stream's is. An answer the socket takes at once (nearly all) costs one property read.
 */
export function endWholeAnswer(res: Response, text: string, byteLength: number): void {
  if (byteLength <= slicedAboveBytes) {
    res.end(text);
    if (!res.writableFinished && !res.destroyed) new StallWatch(res).finishing();
    return;
  }
  new StallWatch(res, text).writeMore();
}

/**
 * Writes `text` a slice at a time, the next on 'drain', and destroys the connection
 * when no 'drain' (or, after the last slice, no 'finish') comes within the stall limit.
 */
class StallWatch {
  private offset = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly stallMs: number;

  constructor(
    private readonly res: Response,
    private readonly text = '',
  ) {
    this.stallMs = findContext(res)?.clientStallMs ?? defaultClientStallMs;
    res.on('close', this.stop);
    res.on('finish', this.stop);
  }

  /** The whole answer is with the socket: the client has the stall limit to take the rest. */
  finishing(): void {
    this.arm();
  }

  readonly writeMore = (): void => {
    this.disarm();
    const { res, text } = this;
    while (this.offset < text.length && !res.destroyed) {
      let end = Math.min(this.offset + sliceChars, text.length);
      // A surrogate pair split across two writes would be encoded as two replacement characters.
      if (end < text.length && isHighSurrogate(text.charCodeAt(end - 1))) end -= 1;
      const slice = text.slice(this.offset, end);
      this.offset = end;
      if (end === text.length) {
        res.off('drain', this.writeMore);
        res.end(slice);
        if (!res.writableFinished && !res.destroyed) this.arm();
        return;
      }
      if (!res.write(slice)) {
        res.once('drain', this.writeMore);
        this.arm();
        return;
      }
    }
  };

  /**
   * Starts the stall clock, once the answer has the connection: one queued behind an
   * earlier answer on it (HTTP/1.1 pipelining) waits for that answer, not for its client.
   */
  private readonly arm = (): void => {
    if (this.res.socket === null) {
      this.res.once('socket', this.arm);
      return;
    }
    this.timer = setTimeout(this.stalled, this.stallMs);
    this.timer.unref();
  };

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly stalled = (): void => {
    this.timer = undefined;
    const { res } = this;
    if (res.writableFinished || res.destroyed) return;
    findContext(res)?.logger.warn({ stallMs: this.stallMs }, 'client stopped reading the answer; disconnected it (limits.client_stall_ms)');
    res.destroy();
  };

  private readonly stop = (): void => {
    this.disarm();
    this.res.off('drain', this.writeMore);
  };
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
