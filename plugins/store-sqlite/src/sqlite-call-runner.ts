import type Database from 'better-sqlite3';
import { codedError, encodeError, SQLITE_WORKER_EXITED, SQLITE_WORKER_TIMEOUT, type SqliteWorkerAnswer, type SqliteWorkerCall } from './sqlite-worker-messages.js';

/**
 * Request-path writes that are each a transaction of their own (reserve, settle,
 * settlePart, a ledger batch). Consecutive calls of these share one `BEGIN
 * IMMEDIATE` transaction and so one commit, the most expensive part of each: nested
 * in it, each call's own transaction becomes a savepoint, so a call that fails rolls
 * back only itself.
 * Reads are left out: inside `BEGIN IMMEDIATE` they would wait for another
 * process's write lock, which on their own they never do (WAL).
 */
const sharedCommitWrites: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['budgets', new Set(['reserve', 'settle', 'settlePart'])],
  ['ledger', new Set(['append'])],
]);

/**
 * Calls the worker skips, instead of running, when their caller gave up (timed out)
 * before the call started: reads, whose answer nobody waits for any more. Writes run
 * anyway: a ledger batch is kept, a settlement must not be lost, and a reservation
 * that commits late is released by the client (settleLateAnswer).
 */
const skippedOnceGivenUp: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['keys', new Set(['findBySecretHash', 'get', 'list', 'listAudit'])],
  ['ledger', new Set(['query', 'listRecords', 'count'])],
  ['budgets', new Set(['reserved', 'spent'])],
  ['responses', new Set(['get'])],
]);

/** The statements that open and close a shared transaction, prepared once. */
interface SharedTransaction {
  begin: Database.Statement;
  commit: Database.Statement;
  rollback: Database.Statement;
}

/**
 * Runs the calls of the SQLite worker, in order, one after another (one writer:
 * reservations stay exact), and gives each its own answer. Every hosted store method
 * does its work synchronously under its async signature, so a call is over when its
 * promise settles and nothing else runs on the connection in between.
 */
export class SqliteCallRunner {
  private readonly transaction: SharedTransaction | undefined;

  /**
   * `stores`: the hosted stores by name; `db`: their connection; `openError`: why the
   * file could not be opened (then every call answers with it); `stopped`: true once a
   * closing client gave up waiting (then every call not yet started answers
   * SQLITE_WORKER_EXITED instead of running); `givenUp`: whether a call's caller was
   * answered with a timeout already (then a read among them answers SQLITE_WORKER_TIMEOUT
   * instead of running).
   */
  constructor(
    private readonly stores: ReadonlyMap<string, Record<string, unknown>>,
    private readonly db: Database.Database | undefined,
    private readonly openError?: unknown,
    private readonly stopped: () => boolean = () => false,
    private readonly givenUp: (id: number) => boolean = () => false,
  ) {
    this.transaction = db && {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
  }

  /** Runs `calls` in order; the answers come in the same order. */
  async run(calls: readonly SqliteWorkerCall[]): Promise<SqliteWorkerAnswer[]> {
    const answers: SqliteWorkerAnswer[] = new Array(calls.length);
    let index = 0;
    while (index < calls.length) {
      let end = index;
      while (end < calls.length && this.sharesCommit(calls[end]!)) end++;
      if (end - index > 1) {
        index = await this.runShared(calls, index, end, answers);
      } else {
        answers[index] = await this.answer(calls[index]!);
        index++;
      }
    }
    return answers;
  }

  private sharesCommit(call: SqliteWorkerCall): boolean {
    return this.transaction !== undefined && sharedCommitWrites.get(call.store)?.has(call.method) === true;
  }

  /**
   * Runs calls `from`…`to` (exclusive) in one transaction and returns the index to go
   * on from. A call's answer counts only once the commit succeeded: a failed commit
   * fails every call of the transaction, and an error that rolled the whole
   * transaction back (disk full, I/O) fails the calls before it too, since their
   * writes went with it; the calls after it run on.
   */
  private async runShared(calls: readonly SqliteWorkerCall[], from: number, to: number, answers: SqliteWorkerAnswer[]): Promise<number> {
    const { begin, commit, rollback } = this.transaction!;
    try {
      begin.run();
    } catch {
      // Not even the lock (busy past the timeout): each call tries on its own, as it would alone.
      for (let index = from; index < to; index++) answers[index] = await this.answer(calls[index]!);
      return to;
    }
    for (let index = from; index < to; index++) {
      const answer = await this.answer(calls[index]!);
      answers[index] = answer;
      if (!this.db!.inTransaction) {
        const error = answer.ok ? encodeError(new Error('the shared transaction ended early')) : answer.error;
        for (let earlier = from; earlier < index; earlier++) answers[earlier] = { id: calls[earlier]!.id, ok: false, error };
        return index + 1;
      }
    }
    try {
      commit.run();
    } catch (commitError) {
      if (this.db!.inTransaction) rollback.run();
      const error = encodeError(commitError);
      for (let index = from; index < to; index++) answers[index] = { id: calls[index]!.id, ok: false, error };
    }
    return to;
  }

  private async answer(call: SqliteWorkerCall): Promise<SqliteWorkerAnswer> {
    if (this.stopped()) {
      return { id: call.id, ok: false, error: encodeError(codedError(SQLITE_WORKER_EXITED, `${call.store}.${call.method} did not run: the SQLite store was closed before it started`)) };
    }
    if (skippedOnceGivenUp.get(call.store)?.has(call.method) === true && this.givenUp(call.id)) {
      return { id: call.id, ok: false, error: encodeError(codedError(SQLITE_WORKER_TIMEOUT, `${call.store}.${call.method} did not run: its caller had given up waiting`)) };
    }
    try {
      return { id: call.id, ok: true, value: await this.invoke(call) };
    } catch (error) {
      return { id: call.id, ok: false, error: encodeError(error) };
    }
  }

  private invoke(call: SqliteWorkerCall): unknown {
    if (this.openError !== undefined) throw this.openError;
    const store = this.stores.get(call.store);
    const method = store?.[call.method];
    // Only a hosted store's own methods: a name from the message never reaches anything else.
    if (!store || typeof method !== 'function' || !Object.prototype.hasOwnProperty.call(Object.getPrototypeOf(store), call.method)) {
      throw new TypeError(`no such store method: ${call.store}.${call.method}`);
    }
    return (method as (...args: unknown[]) => unknown).apply(store, call.args);
  }
}
