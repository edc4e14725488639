/** Slots of the ring: far more than the calls that time out while one run of the worker's is under way. */
const slots = 1024;

/**
 * The ids of calls whose callers were answered with a timeout, shared between the main
 * thread (which marks them as it gives up) and the SQLite worker (which looks before it
 * starts a call: see SqliteCallRunner). A message cannot tell it: the worker reads its
 * messages only between runs, and a call times out while it waits in one.
 *
 * A ring of ids: a later call given up in the same slot overwrites an earlier one. That
 * only lets the earlier one run (as every call did before); a call is never taken for
 * given up unless its own id is in its slot.
 */
export class GivenUpCalls {
  private readonly ids: Int32Array;

  constructor(readonly buffer = new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT)) {
    this.ids = new Int32Array(buffer);
  }

  mark(id: number): void {
    Atomics.store(this.ids, id % slots, stored(id));
  }

  has(id: number): boolean {
    return Atomics.load(this.ids, id % slots) === stored(id);
  }
}

/** An id as its slot holds it: never 0 (an empty slot), and within an Int32. */
function stored(id: number): number {
  return (id % 0x7fffffff) + 1;
}
