import { takeReady, type ReadyItems } from './take-ready.js';

/**
 * Waits for the first item of an async sequence and returns a sequence that yields
 * it and then the rest. A stream call resolves only when output has begun, so a
 * failure before the first byte rejects the call and can still be retried elsewhere.
 * What the source already holds is offered on as it is (`takeReady`).
 */
export async function peekFirst<T extends object>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  let firstTaken = false;
  const rest: AsyncIterator<T> & ReadyItems<T> = {
    next: () => {
      if (!firstTaken) {
        firstTaken = true;
        return Promise.resolve(first);
      }
      return iterator.next();
    },
    takeReady: () => {
      if (firstTaken) return takeReady(iterator);
      if (first.done) return undefined;
      firstTaken = true;
      return first.value;
    },
    return: async (value?: unknown) => {
      firstTaken = true;
      if (iterator.return) return iterator.return(value);
      return { done: true, value: value as T };
    },
  };
  return { [Symbol.asyncIterator]: () => rest };
}
