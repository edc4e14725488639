interface Waiter {
  count: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Counts requests whose client went away before the answer was finished, and
 * lets a test wait for them: a gateway must cancel its upstream call when its
 * own client disconnects, and this is where that shows.
 */
export class AbortTracker {
  private total = 0;
  private waiters: Waiter[] = [];

  get count(): number {
    return this.total;
  }

  add(): void {
    this.total += 1;
    this.waiters = this.waiters.filter((waiter) => {
      if (this.total < waiter.count) return true;
      clearTimeout(waiter.timer);
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once `count` aborts have been seen since the last reset (at once if they already were). */
  waitFor(count: number, timeoutMs: number): Promise<void> {
    if (this.total >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          reject(new Error(`Mock upstream saw ${this.total} aborted request(s) within ${timeoutMs} ms, expected ${count}.`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** Forgets the count; pending waits fail, since what they waited for can no longer be counted. */
  reset(reason: string): void {
    this.total = 0;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(reason));
    }
    this.waiters = [];
  }
}
