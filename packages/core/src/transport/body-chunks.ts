import type { Readable } from 'node:stream';

/**
 * Reads a body chunk by chunk: what it already holds without a promise, a promise
 * only to wait for more. Takes the place of the body's async iterator, which costs
 * an async generator step, an iterator result and a fresh waiting closure per chunk.
 * Like that iterator, a body destroyed before its end is a failure ("premature close").
 */
export class BodyChunks {
  /** Undefined while the body is open; null once it ended cleanly; the error it failed with. */
  private outcome: Error | null | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly body: Readable) {
    if (body.errored) this.outcome = body.errored;
    else if (body.readableEnded) this.outcome = null;
    else if (body.destroyed) this.outcome = prematureClose();
    body.on('readable', this.woken);
    body.on('end', this.ended);
    body.on('error', this.failed);
    body.on('close', this.closed);
  }

  /**
   * The next chunk when the body holds one, null at its end, undefined when only
   * `more()` can tell. Throws what the body failed with.
   */
  read(): Buffer | null | undefined {
    const chunk = this.body.destroyed ? null : (this.body.read() as Buffer | null);
    if (chunk !== null) return chunk;
    if (this.outcome === undefined) return undefined;
    if (this.outcome === null) return null;
    throw this.outcome;
  }

  /** Settles when there may be something new to `read()` (a chunk, the end, a failure). */
  more(): Promise<void> {
    return new Promise(this.park);
  }

  private readonly park = (resolve: () => void): void => {
    this.wake = resolve;
  };

  private readonly woken = (): void => {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  };

  private readonly ended = (): void => {
    this.outcome ??= null;
    this.woken();
  };

  private readonly failed = (error: Error): void => {
    if (this.outcome === undefined) this.outcome = error;
    this.woken();
  };

  private readonly closed = (): void => {
    // Destroyed without an error and before its end: the answer was cut short.
    if (this.outcome === undefined) this.outcome = this.body.errored ?? prematureClose();
    this.woken();
  };
}

function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}
