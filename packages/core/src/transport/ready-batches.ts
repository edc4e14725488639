import { takeReady } from './take-ready.js';

/**
 * The items of an async iterable in batches: each `next()` of the source, then
 * what the source already holds after it (see `ReadyItems`). A reader writes a
 * network chunk's parts with one await instead of one per part. Closing early
 * (break, throw) closes the source, as a `for await` over it would.
 */
export function readyBatches<Item extends object>(items: AsyncIterable<Item>): AsyncIterable<Item[]> {
  return { [Symbol.asyncIterator]: () => new ReadyBatches(items[Symbol.asyncIterator]()) };
}

class ReadyBatches<Item extends object> implements AsyncIterator<Item[]> {
  constructor(private readonly source: AsyncIterator<Item>) {}

  next(): Promise<IteratorResult<Item[]>> {
    return this.source.next().then(this.withReady);
  }

  async return(): Promise<IteratorResult<Item[]>> {
    await this.source.return?.();
    return { done: true, value: undefined };
  }

  private readonly withReady = (result: IteratorResult<Item>): IteratorResult<Item[]> => {
    if (result.done) return { done: true, value: undefined };
    const batch = [result.value];
    for (let item = takeReady(this.source); item !== undefined; item = takeReady(this.source)) batch.push(item);
    return { done: false, value: batch };
  };
}
