/**
 * An async iterator that may already hold its next items (the parts one network
 * chunk carried): it hands them out without a promise. Every wrapper of a stream
 * forwards it, so the reader at the end can drain a chunk's parts with one await
 * in all rather than one each (an await costs a few hundred bytes in Node 20).
 */
export interface ReadyItems<Item extends object> {
  /**
   * The next item when it is already here; undefined when only `next()` can tell
   * (nothing held yet, an error to throw, or the end). An item taken here is not
   * returned by `next()` again.
   */
  takeReady(): Item | undefined;
}

/** The iterator's next item when it holds one already; undefined when it cannot say or does not offer it. */
export function takeReady<Item extends object>(iterator: AsyncIterator<Item>): Item | undefined {
  return (iterator as Partial<ReadyItems<Item>>).takeReady?.();
}
