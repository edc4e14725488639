/**
 * Waits for the first item of an async sequence and returns a sequence that yields
 * it and then the rest. A stream call resolves only when output has begun, so a
 * failure before the first byte rejects the call and can still be retried elsewhere.
 */
export async function peekFirst<T>(source: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  let firstTaken = false;
  const rest: AsyncIterator<T> = {
    next: () => {
      if (!firstTaken) {
        firstTaken = true;
        return Promise.resolve(first);
      }
      return iterator.next();
    },
    return: async (value?: unknown) => {
      firstTaken = true;
      if (iterator.return) return iterator.return(value);
      return { done: true, value: value as T };
    },
  };
  return { [Symbol.asyncIterator]: () => rest };
}
