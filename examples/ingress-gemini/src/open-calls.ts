/**
 * One function name's calls not yet answered, oldest first. An answer by id takes
 * out the oldest call with that id; an answer without one takes the oldest call.
 * Both are amortised O(1): an answered id is skipped when the oldest is next read,
 * instead of being searched for and spliced out of an array (quadratic in the calls
 * of one turn, which a 4 MB body holds tens of thousands of).
 */
export class OpenCalls {
  private readonly ids: string[] = [];
  private head = 0;
  /** Unanswered calls per id. */
  private readonly waiting = new Map<string, number>();
  /** Calls answered by id that are still in `ids`, to skip when the oldest is read. */
  private readonly answered = new Map<string, number>();

  add(id: string): void {
    this.ids.push(id);
    this.waiting.set(id, (this.waiting.get(id) ?? 0) + 1);
  }

  /** Takes out the oldest unanswered call with this id, if there is one. */
  answer(id: string): void {
    const waiting = this.waiting.get(id) ?? 0;
    if (waiting === 0) return;
    this.waiting.set(id, waiting - 1);
    this.answered.set(id, (this.answered.get(id) ?? 0) + 1);
  }

  /** Takes out the oldest unanswered call and returns its id. */
  takeOldest(): string | undefined {
    while (this.head < this.ids.length) {
      const id = this.ids[this.head++]!;
      const skipped = this.answered.get(id) ?? 0;
      if (skipped > 0) {
        this.answered.set(id, skipped - 1);
        continue;
      }
      this.waiting.set(id, this.waiting.get(id)! - 1);
      return id;
    }
    return undefined;
  }
}
