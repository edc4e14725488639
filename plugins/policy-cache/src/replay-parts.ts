import type { ReadyItems, StreamPart } from '@switchyard/core';

/**
 * A stored stream's parts as a stream again, one part per `next()`, so the client
 * gets the original chunks, not one lump. An iterator over the array, not an async
 * generator: this runs on every streamed hit, and a generator made several promises
 * and result objects per part where this makes one promise and one result. Every
 * stored part is already here, so after a `next()` the rest go out through
 * `takeReady` with no promise at all; each is still a chunk of its own.
 */
export function replayParts(parts: readonly StreamPart[]): AsyncIterableIterator<StreamPart> & ReadyItems<StreamPart> {
  return new PartsReplay(parts);
}

const end: IteratorReturnResult<undefined> = { done: true, value: undefined };

class PartsReplay implements AsyncIterableIterator<StreamPart>, ReadyItems<StreamPart> {
  private index = 0;

  constructor(private readonly parts: readonly StreamPart[]) {}

  next(): Promise<IteratorResult<StreamPart>> {
    if (this.index >= this.parts.length) return Promise.resolve(end);
    return Promise.resolve({ done: false, value: this.parts[this.index++]! });
  }

  takeReady(): StreamPart | undefined {
    return this.index < this.parts.length ? this.parts[this.index++] : undefined;
  }

  /** The client left: nothing more is replayed. */
  return(): Promise<IteratorResult<StreamPart>> {
    this.index = this.parts.length;
    return Promise.resolve(end);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamPart> {
    return this;
  }
}
