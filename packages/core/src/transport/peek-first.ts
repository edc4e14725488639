import { takeReady, type ReadyItems } from './take-ready.js';

/**
 * Waits for the first item of an async sequence and returns a sequence that yields
 * it and then the rest. A stream call resolves only when output has begun, so a
 * failure before the first byte rejects the call and can still be retried elsewhere.
 * What the source already holds is offered on as it is (`takeReady`).
 */
export async function peekFirst<T extends object>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  return new PeekedSequence(iterator, await iterator.next());
}

/** The first result, already read, then the rest of the iterator. One object, its own iterator (like a generator). */
class PeekedSequence<T extends object> implements AsyncIterableIterator<T>, ReadyItems<T> {
  private firstTaken = false;

  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly first: IteratorResult<T>,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.firstTaken) return this.iterator.next();
    this.firstTaken = true;
    return Promise.resolve(this.first);
  }

  takeReady(): T | undefined {
    if (this.firstTaken) return takeReady(this.iterator);
    if (this.first.done) return undefined;
    this.firstTaken = true;
    return this.first.value;
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.firstTaken = true;
    if (this.iterator.return) return this.iterator.return(value);
    return { done: true, value: value as T };
  }
}
