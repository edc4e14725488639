/** How the body reaches back to its request: backpressure, and cutting it when the reader stops early. */
export interface BodyFlow {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

/** What the body holds before undici is asked to stop sending: one Readable's default high-water mark. */
const highWaterMark = 64 * 1024;

/**
 * One upstream answer's body, fed by the transport's undici dispatch handler and read
 * chunk by chunk: `read()` hands out what has arrived without a promise, `more()`
 * waits for more. It stands where undici's Readable body stood: the gateway reads a
 * body only this way, and a Readable cost a stream's machinery per answer (an
 * AsyncResource, a `readable` event through process.nextTick, its buffer list).
 *
 * As a Readable's `read()` does, it hands out everything that has arrived at once, as
 * one Buffer: undici delivers each piece of a chunked answer apart (a stream's events,
 * one by one), and the decoders do better with one call per network read. Chunks that
 * arrived before the upstream failed are handed out before the failure; a reader's
 * `destroy()` drops what is left and cuts the request.
 */
export class UpstreamBody {
  /** What has arrived and is not read yet: the first chunk, and any after it (most reads find one). */
  private first: Buffer | undefined;
  private later: Buffer[] = [];
  private queuedBytes = 0;
  private paused = false;
  /** Undefined while the answer is open; null once it ended; the error it failed or was cut with. */
  private outcome: Error | null | undefined;
  private wake: (() => void) | undefined;
  private closeListener: (() => void) | undefined;

  constructor(private readonly flow: BodyFlow) {}

  /** Whether the answer is over, whole or not: nothing more will arrive. */
  get closed(): boolean {
    return this.outcome !== undefined;
  }

  /**
   * All that has arrived, as one Buffer; null at the end; undefined when only `more()`
   * can tell. Throws what the answer failed with, once what arrived before is out.
   */
  read(): Buffer | null | undefined {
    const first = this.first;
    if (first !== undefined) {
      let chunk = first;
      if (this.later.length > 0) {
        const all = this.later;
        all.unshift(first);
        chunk = Buffer.concat(all, this.queuedBytes);
        this.later = [];
      }
      this.first = undefined;
      this.queuedBytes = 0;
      this.drained();
      return chunk;
    }
    if (this.outcome === undefined) return undefined;
    if (this.outcome === null) return null;
    throw this.outcome;
  }

  /**
   * What has arrived and is not read yet, left there for `read()` (joined into one Buffer
   * first); undefined when nothing has. For a look at how an answer begins.
   */
  peek(): Buffer | undefined {
    if (this.later.length > 0) {
      const all = this.later;
      all.unshift(this.first!);
      this.first = Buffer.concat(all, this.queuedBytes);
      this.later = [];
    }
    return this.first;
  }

  /** Settles when another chunk arrives or the answer closes, whatever is already queued (see `peek()`). */
  arrival(): Promise<void> {
    if (this.outcome !== undefined) return Promise.resolve();
    return new Promise(this.park);
  }

  /** Settles when there may be something new to `read()`: a chunk, the end, a failure. */
  more(): Promise<void> {
    if (this.first !== undefined || this.outcome !== undefined) return Promise.resolve();
    return new Promise(this.park);
  }

  /**
   * Stops reading: what has not been read is dropped and the request is cut (its
   * connection is not reused). Reading again throws `error`, or a premature close.
   */
  destroy(error?: Error): void {
    this.first = undefined;
    this.later.length = 0;
    this.queuedBytes = 0;
    if (this.outcome !== undefined) return;
    const reason = error ?? prematureClose();
    this.close(reason);
    this.flow.abort(reason);
  }

  /** Called once when the answer is over (ended, failed or destroyed); at once if it already is. */
  onClose(listener: () => void): void {
    if (this.outcome !== undefined) listener();
    else this.closeListener = listener;
  }

  /** A chunk from upstream. Past the high-water mark the upstream is paused until the reader catches up. */
  push(chunk: Buffer): void {
    if (this.outcome !== undefined) return;
    if (this.first === undefined) this.first = chunk;
    else this.later.push(chunk);
    this.queuedBytes += chunk.length;
    if (!this.paused && this.queuedBytes >= highWaterMark) {
      this.paused = true;
      this.flow.pause();
    }
    this.woken();
  }

  /** The upstream finished the answer. */
  end(): void {
    if (this.outcome === undefined) this.close(null);
  }

  /** The upstream answer broke off (a socket error, a timeout, an abort). */
  fail(error: Error): void {
    if (this.outcome === undefined) this.close(error);
  }

  private close(outcome: Error | null): void {
    this.outcome = outcome;
    const listener = this.closeListener;
    this.closeListener = undefined;
    listener?.();
    this.woken();
  }

  /** Everything queued was read: a paused upstream may send again. */
  private drained(): void {
    if (this.paused && this.outcome === undefined) {
      this.paused = false;
      this.flow.resume();
    }
  }

  private readonly park = (resolve: () => void): void => {
    this.wake = resolve;
  };

  private woken(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** What a body cut short before its end reads as, the way Node's streams say it. */
export function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}
