import { takeReady } from './take-ready.js';

/**
 * The items of an async iterable in batches: each `next()` of the source, then
 * what the source already holds after it (see `ReadyItems`). A reader writes a
 * network chunk's parts with one await instead of one per part. Closing early
 * (break, throw) closes the source, as a `for await` over it would. Read once, like
 * a generator: the source's iterator is taken when the batches are first iterated.
 */
export function readyBatches<Item extends object>(items: AsyncIterable<Item>): AsyncIterable<Item[]> {
  return new ReadyBatches(items);
}

class ReadyBatches<Item extends object> implements AsyncIterableIterator<Item[]> {
  private source!: AsyncIterator<Item>;

  constructor(private readonly items: AsyncIterable<Item>) {}

  [Symbol.asyncIterator](): this {
    this.source ??= this.items[Symbol.asyncIterator]();
    return this;
  }

  next(): Promise<IteratorResult<Item[]>> {
    return this.source.next().then(this.withReady);
  }

  async return(): Promise<IteratorResult<Item[]>> {
    await this.source.return?.();
    return finished;
  }

  private readonly withReady = (result: IteratorResult<Item>): IteratorResult<Item[]> => {
    if (result.done) return finished;
    const batch = [result.value];
    for (let item = takeReady(this.source); item !== undefined; item = takeReady(this.source)) batch.push(item);
    return { done: false, value: batch };
  };
}

/** The one end result every batches' reader gets; nothing reads more than `done` from it. */
const finished: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
