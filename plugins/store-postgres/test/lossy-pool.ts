import pg from 'pg';

/** What `pg` throws when a query's reply does not come within `query_timeout`. */
function replyTimeout(): Error {
  return new Error('Query read timeout');
}

/**
 * A real pool whose transactions can lose the reply to their COMMIT: the COMMIT runs
 * (now, or later, as a slow server would), and the caller hears the client-side
 * timeout at once, as when a reply is lost. The pool can also refuse connections for
 * a while, as a database that went away does.
 */
export class LossyPool {
  readonly pool: pg.Pool;
  private commitRepliesToLose: Array<{ commitAfterMs: number; thenRefuse: number }> = [];
  private refusals = 0;
  private readonly lateCommits = new Set<Promise<unknown>>();

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 4 });
  }

  /**
   * The next transaction to commit commits `commitAfterMs` later (its connection held
   * until then) and its caller hears a timeout now; the `thenRefuse` connections asked
   * for after it are refused.
   */
  loseNextCommitReply(options: { commitAfterMs?: number; thenRefuse?: number } = {}): void {
    this.commitRepliesToLose.push({ commitAfterMs: options.commitAfterMs ?? 0, thenRefuse: options.thenRefuse ?? 0 });
  }

  /** Resolves once every COMMIT that was made late has run. */
  async lateCommitsDone(): Promise<void> {
    await Promise.allSettled([...this.lateCommits]);
  }

  /** The next `count` connections asked for are refused. */
  refuseConnections(count: number): void {
    this.refusals += count;
  }

  /** The pool as a store takes it. */
  asPool(): pg.Pool {
    return new Proxy(this.pool, {
      get: (target, property) => {
        if (property === 'connect') return () => this.connect();
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  end(): Promise<void> {
    return this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.refusals > 0) {
      this.refusals--;
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    const client = await this.pool.connect();
    let committing: Promise<unknown> | undefined;
    return new Proxy(client, {
      get: (target, property) => {
        if (property === 'query') {
          return async (text: string, values?: unknown[]) => {
            const lost = text === 'COMMIT' ? this.commitRepliesToLose.shift() : undefined;
            if (!lost) return target.query(text, values);
            this.refusals += lost.thenRefuse;
            committing = new Promise((resolve) => setTimeout(resolve, lost.commitAfterMs)).then(() => target.query('COMMIT'));
            this.lateCommits.add(committing);
            if (lost.commitAfterMs === 0) await committing;
            throw replyTimeout();
          };
        }
        // The connection goes back (or is dropped) only once the COMMIT it carries has run.
        if (property === 'release') {
          return (destroy?: boolean) => void Promise.resolve(committing).then(() => target.release(destroy), (error: Error) => target.release(error));
        }
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
