import { takeReady, type ReadyItems, type StreamPart } from '@switchyard/core';
import { isStorableFinish } from './storable-finish.js';

/**
 * Passes a stream's parts through unchanged while keeping a copy, and hands the
 * copy to `onComplete` only when the stream ended normally after a `finish` part
 * that says it is complete (isStorableFinish). A stream the client left (iteration returned early), one
 * that threw, or one that grew past `maxBytes` is never handed over. Leaving early
 * still closes the source, so the upstream call is cancelled as before.
 */
export function recordStream(
  parts: AsyncIterable<StreamPart>,
  maxBytes: number,
  onComplete: (recorded: StreamPart[]) => void,
): AsyncIterableIterator<StreamPart> {
  return new RecordingIterator(parts, maxBytes, onComplete);
}

/**
 * An iterator, not an async generator, because it sits on every streamed miss that
 * is stored: each part costs one `then` on the source's own promise, where a
 * generator's `for await` and `yield` made several promises and result objects.
 * The source is opened on the first `next()`, as a generator would. Parts the source
 * already holds pass through `takeReady` with no promise at all.
 */
class RecordingIterator implements AsyncIterableIterator<StreamPart>, ReadyItems<StreamPart> {
  private source: AsyncIterator<StreamPart> | undefined;
  /** Undefined once the stream can no longer be handed over (too big, left, or handed over). */
  private recorded: StreamPart[] | undefined = [];
  private bytes = 0;
  private finished = false;

  constructor(
    private readonly parts: AsyncIterable<StreamPart>,
    private readonly maxBytes: number,
    private readonly onComplete: (recorded: StreamPart[]) => void,
  ) {}

  next(): Promise<IteratorResult<StreamPart>> {
    this.source ??= this.parts[Symbol.asyncIterator]();
    // A rejection passes through untouched: nothing is handed over after a throw.
    return this.source.next().then(this.onResult);
  }

  takeReady(): StreamPart | undefined {
    const part = this.source && takeReady(this.source);
    if (part !== undefined) this.keep(part);
    return part;
  }

  return(value?: unknown): Promise<IteratorResult<StreamPart>> {
    this.recorded = undefined;
    const close = this.source?.return;
    return close ? close.call(this.source, value) : Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamPart> {
    return this;
  }

  private readonly onResult = (result: IteratorResult<StreamPart>): IteratorResult<StreamPart> => {
    const recorded = this.recorded;
    if (result.done) {
      this.recorded = undefined;
      if (recorded && this.finished) this.onComplete(recorded);
      return result;
    }
    this.keep(result.value);
    return result;
  };

  private keep(part: StreamPart): void {
    const recorded = this.recorded;
    if (recorded) {
      this.bytes += approximateBytes(part);
      if (this.bytes > this.maxBytes) this.recorded = undefined;
      else recorded.push(part);
    }
    if (part.type === 'finish') this.finished = isStorableFinish(part.finishReason);
  }
}

/** Cheap upper-ish bound of a part's serialized size, without serializing it on every token. */
function approximateBytes(part: StreamPart): number {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
    case 'refusal-delta':
      return 40 + part.delta.length * 3;
    case 'reasoning-signature':
      return 40 + part.signature.length * 3;
    case 'reasoning-redacted':
      return 40 + part.data.length * 3;
    case 'tool-call-delta':
      return 60 + part.argumentsDelta.length * 3;
    default:
      return 200;
  }
}
