import { redactSecrets, type Logger, type StoreHealth } from '@switchyard/core';
import type { SqliteConnectionSettings } from './database.js';
import type { HostedSqliteSettings } from './hosted-sqlite-stores.js';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { GivenUpCalls } from './given-up-calls.js';
import { newReservationId } from './sqlite-budget-store.js';
import { codedError, decodeError, SQLITE_MEMORY_GONE, SQLITE_WORKER_EXITED, SQLITE_WORKER_TIMEOUT, type SqliteWorkerAnswer, type SqliteWorkerCall, type SqliteWorkerReply, type SqliteWorkerRequest } from './sqlite-worker-messages.js';

export interface SqliteWorkerClientOptions {
  /** An absolute path, or `:memory:` (then the worker's own database). */
  file: string;
  /** How the worker's connection is set up (busy timeout, page cache). */
  connection: SqliteConnectionSettings;
  /** How long a call may take, queueing in the worker included, before it fails as an outage. */
  callTimeoutMs: number;
  /**
   * How long a message with a `migrate()` call may take (default the larger of `callTimeoutMs`
   * and 10 minutes). An upgrade's migration copies what it rebuilds in the thread (migration 7:
   * 4–5 s per million usage records): under `callTimeoutMs` the start failed and, as the process
   * left, the migration rolled back, at every start. Lock waits stay bounded by the busy timeout.
   */
  migrateTimeoutMs?: number;
  /**
   * How long a call posted while its thread starts (loads its modules, opens the file) waits
   * for the thread to be ready before it fails as an outage; its own `callTimeoutMs` runs
   * from then. 10 s unless given.
   */
  startTimeoutMs?: number;
  logger: Logger;
  /** Told when the worker dies, so `/health` shows it before the next call. */
  health: StoreHealth;
  /** What the hosted stores are built with (values from core the worker does not load itself). */
  settings: HostedSqliteSettings;
  /** The file was made by another process: even the first thread opens only a file that is there. */
  mustExist?: boolean;
}

interface PendingCall {
  id: number;
  store: string;
  method: string;
  args: unknown[];
  /** 1 for a caller's call; more for a settlement sent again after the worker died with it (see redoLost). */
  attempt: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Set once the caller was answered with a timeout; the worker's late answer is then only cleaned up. */
  timedOut: boolean;
  /** The message it went in; unset while it waits in the queue. */
  batch: PostedBatch | undefined;
}

/** The calls posted in one message: they share one timer, since they share their start. */
interface PostedBatch {
  calls: PendingCall[];
  unanswered: number;
  timer: NodeJS.Timeout | undefined;
}

/** A thread and what the client knows of it. */
interface WorkerState {
  /** Posted `ready`: a message posted now starts its clock at once. */
  online: boolean;
  /** Messages posted before it was online: their clocks start when it is. */
  unarmed: PostedBatch[];
  /** Shared with the thread: set, it answers the calls it has not started with SQLITE_WORKER_EXITED instead of running them. */
  stop: Int32Array;
}

const isInputType = (arg: string) => arg.startsWith('--input-type');

/** How long a new thread may take to be ready before the calls waiting on it fail (it loads in well under a second). */
const defaultStartTimeoutMs = 10_000;
/** How long a message with a `migrate()` call may take unless told (see `migrateTimeoutMs`). */
const defaultMigrateTimeoutMs = 600_000;

/** How often a settlement lost with a dead worker is sent again, in all. */
const maxSettleAttempts = 3;

/**
 * Where the worker script is: next to this file in `dist/`; from the sources (tests
 * run through vitest), the built copy, since a worker thread runs plain JavaScript.
 */
/** Said in `/health` and the logs: the process must be restarted (no path: `/health` is public). */
function memoryGone(): Error {
  return codedError(SQLITE_MEMORY_GONE, 'the in-memory database (path :memory:) was lost with its worker thread; restart the gateway to start an empty one');
}

function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? new URL('../dist/sqlite-worker-main.js', import.meta.url) : new URL('./sqlite-worker-main.js', import.meta.url);
}

/**
 * The main thread's side of the SQLite worker. The calls made in one turn of the
 * event loop are posted together, as one message, once the turn's I/O callbacks have
 * run (setImmediate); the worker answers them together too, each with its own value
 * or error. Every call has a timeout, counted from when its message was posted, or
 * from when the thread is ready if it was posted during the thread's start-up (one
 * timer per message; the start-up itself is bounded by `startTimeoutMs`). The worker is started at once and again on the first call
 * after it died; a death fails every call in flight as an outage (503
 * `store_unavailable` at the guardStore boundary), and sends again the settlements it
 * took with it (see redoLost). `close()` lets the calls in flight finish, then closes
 * the connection, within a bound (see shutDown).
 */
export class SqliteWorkerClient {
  private worker: Worker | undefined;
  /** Posted and not answered yet (timed-out calls included until their late answer comes). */
  private readonly pending = new Map<number, PendingCall>();
  /** Made this turn, posted at its end. */
  private queue: Array<{ call: PendingCall; request: SqliteWorkerCall }> = [];
  private nextId = 1;
  private closed = false;
  /** Told to close: no call goes to a thread any more, and none is started. */
  private ended = false;
  private closing: Promise<void> | undefined;
  private restartCount = 0;
  /** A thread opened the file once: a thread started after it must not make an empty one in its place. */
  private fileOpened: boolean;
  /** A thread of this client opened an in-memory database: it dies with that thread, so none is started after it. */
  private memoryOpened = false;
  private lastExit: string | undefined;
  private crashMessage: string | undefined;
  private readonly states = new WeakMap<Worker, WorkerState>();
  /** Shared with every thread: a read whose caller timed out before the thread started it is skipped. */
  private readonly givenUp = new GivenUpCalls();

  constructor(private readonly options: SqliteWorkerClientOptions) {
    this.fileOpened = options.mustExist ?? false;
    this.worker = this.spawn();
  }

  /** How often the worker has been replaced after dying; shown in `/health`. */
  get restarts(): number {
    return this.restartCount;
  }

  /** `/health` details of the thread: restarts and why the last one died. */
  healthDetails(): Record<string, unknown> {
    return { thread: 'worker', worker_restarts: this.restartCount, ...(this.lastExit !== undefined && { worker_last_exit: this.lastExit }) };
  }

  /** An async stand-in for a hosted store: every method call goes to the worker; `close()` closes the client. */
  store<T extends object>(name: string): T {
    const methods = new Map<PropertyKey, unknown>();
    return new Proxy({} as T, {
      get: (_target, property) => {
        if (typeof property !== 'string' || property === 'then') return undefined;
        let method = methods.get(property);
        if (!method) {
          method = property === 'close' ? () => this.close() : (...args: unknown[]) => this.call(name, property, args);
          methods.set(property, method);
        }
        return method;
      },
    });
  }

  call(store: string, method: string, args: unknown[]): Promise<unknown> {
    // The message better-sqlite3 gives on a closed connection, so callers see one behaviour in both modes.
    if (this.closed) return Promise.reject(new TypeError('The database connection is not open'));
    // A reservation's id is chosen here: should the worker die before its answer comes, the client
    // still knows what to release (redoLost). `reserve(accounts, amountUsd, lease?, reservationId?)`.
    if (store === 'budgets' && method === 'reserve') args = [args[0], args[1], args[2], newReservationId()];
    return this.send(store, method, args, 1);
  }

  private send(store: string, method: string, args: unknown[], attempt: number): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const id = this.nextId++;
      const call: PendingCall = { id, store, method, args, attempt, resolve, reject, timedOut: false, batch: undefined };
      if (this.queue.length === 0) setImmediate(this.flush);
      this.queue.push({ call, request: { id, store, method, args } });
    });
  }

  /** Posts the calls queued this turn as one message, with one timer. */
  private readonly flush = (): void => {
    const queued = this.queue;
    if (queued.length === 0) return;
    this.queue = [];
    if (this.ended) {
      // Only the client's own settlements come this late (a late answer's release): the lease is their fallback.
      for (const entry of queued) entry.call.reject(new TypeError('The database connection is not open'));
      return;
    }
    if (!this.worker && this.memoryOpened) {
      // A new thread would open an empty database: every key gone, every budget unspent. The store stays down instead.
      for (const entry of queued) entry.call.reject(memoryGone());
      return;
    }
    const worker = (this.worker ??= this.respawn());
    const batch: PostedBatch = { calls: [], unanswered: 0, timer: undefined };
    try {
      worker.postMessage({ type: 'calls', calls: queued.map((entry) => entry.request) } satisfies SqliteWorkerRequest);
      for (const entry of queued) this.posted(entry.call, batch);
    } catch {
      // An argument that cannot be cloned (a function, a class instance with private state) is
      // that caller's bug: each call goes on its own, and only the bad one fails.
      for (const entry of queued) {
        try {
          worker.postMessage({ type: 'calls', calls: [entry.request] } satisfies SqliteWorkerRequest);
          this.posted(entry.call, batch);
        } catch (error) {
          entry.call.reject(error);
        }
      }
    }
    if (batch.unanswered === 0) return;
    // While a call waits the thread keeps the process alive (before it is online no timer does).
    worker.ref();
    // The clock starts once the thread is ready: its start-up (loading its modules, opening the file) is not the database's delay.
    // Its start-up gets a clock of its own: a thread that never gets there (its file on a hung mount) held the calls for good.
    const state = this.states.get(worker)!;
    if (state.online) this.arm(batch);
    else {
      state.unarmed.push(batch);
      const startTimeoutMs = this.options.startTimeoutMs ?? defaultStartTimeoutMs;
      batch.timer = setTimeout(() => this.timeOut(batch, `its thread did not start within ${startTimeoutMs} ms`), startTimeoutMs);
    }
  };

  private arm(batch: PostedBatch): void {
    clearTimeout(batch.timer);
    if (batch.unanswered > 0) batch.timer = setTimeout(() => this.timeOut(batch), this.timeoutOf(batch));
  }

  /** The message's own bound: a migration's when it carries one (see `migrateTimeoutMs`), else a call's. */
  private timeoutOf(batch: PostedBatch): number {
    if (!batch.calls.some((call) => call.method === 'migrate')) return this.options.callTimeoutMs;
    return this.options.migrateTimeoutMs ?? Math.max(this.options.callTimeoutMs, defaultMigrateTimeoutMs);
  }

  private posted(call: PendingCall, batch: PostedBatch): void {
    call.batch = batch;
    batch.calls.push(call);
    batch.unanswered++;
    this.pending.set(call.id, call);
  }

  /** The message's calls still unanswered fail as an outage; they stay known, since a late answer may need undoing (see settleLateAnswer). */
  private timeOut(batch: PostedBatch, why?: string): void {
    for (const call of batch.calls) {
      if (call.timedOut || this.pending.get(call.id) !== call) continue;
      call.timedOut = true;
      this.givenUp.mark(call.id);
      call.reject(codedError(SQLITE_WORKER_TIMEOUT, why ? `SQLite did not answer ${call.store}.${call.method}: ${why}` : `SQLite did not answer ${call.store}.${call.method} within ${this.timeoutOf(batch)} ms`));
    }
  }

  /** Forgets an answered (or failed) call; the last of its message stops the message's timer. */
  private forget(call: PendingCall): void {
    this.pending.delete(call.id);
    const batch = call.batch!;
    if (--batch.unanswered === 0) clearTimeout(batch.timer);
  }

  /** Waits for the calls in flight, then closes the connection and ends the worker. Safe to call again. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /**
   * Every call made before close() is answered first, or fails by its own timeout. The
   * thread then runs what it still holds (calls whose callers were told they timed out:
   * ledger batches, settlements) and closes the connection. That is bounded too: past
   * another call timeout the thread answers the calls it has not started with
   * SQLITE_WORKER_EXITED instead of running them, and ends once the statement under
   * way returns (a lock wait within the busy timeout); a thread that has not ended one
   * more call timeout after that (stuck in a system call) is left behind. Never worker.terminate():
   * better-sqlite3 12 aborts the whole process when a thread is terminated inside a statement.
   */
  private async shutDown(): Promise<void> {
    this.closed = true;
    // Calls made before close() go out now, and are waited for like the others.
    this.flush();
    const inFlight = [...this.pending.values()].map(
      (call) => new Promise<void>((resolve) => {
        const { resolve: done, reject: failed } = call;
        call.resolve = (value) => (done(value), resolve());
        call.reject = (error) => (failed(error), resolve());
        if (call.timedOut) resolve();
      }),
    );
    await Promise.all(inFlight);
    this.ended = true;
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies SqliteWorkerRequest);
    let grace: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(true), this.options.callTimeoutMs)))]);
    clearTimeout(grace);
    if (!stopped) return;
    this.options.logger.error(
      { store: 'sqlite', pending: this.pending.size, waitedMs: this.options.callTimeoutMs },
      'the SQLite worker thread did not finish its calls while closing; the calls it has not started fail (SQLITE_WORKER_EXITED)',
    );
    Atomics.store(this.states.get(worker)!.stop, 0, 1);
    // A thread stuck in a system call (its file on a hung mount) never gets back to the flag,
    // and one is never terminated (see above): after one more call timeout it is left behind,
    // unref'd so it keeps no process alive; close() waited for it for good.
    const ended = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (grace = setTimeout(() => resolve(false), this.options.callTimeoutMs)))]);
    clearTimeout(grace);
    if (ended) return;
    worker.unref();
    this.options.logger.error(
      { store: 'sqlite', waitedMs: 2 * this.options.callTimeoutMs },
      'the SQLite worker thread did not end while closing (stuck in the file system?); left behind',
    );
  }

  private respawn(): Worker {
    this.restartCount++;
    this.options.logger.warn({ store: 'sqlite', restarts: this.restartCount }, 'restarting the SQLite worker thread');
    return this.spawn();
  }

  private spawn(): Worker {
    const stop = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(workerScript(), {
      workerData: {
        file: this.options.file,
        connection: this.options.connection,
        settings: this.options.settings,
        stop,
        givenUp: this.givenUp.buffer,
        mustExist: this.fileOpened,
      },
      // Inherited as is, except from a process started with `--input-type` (node -e): a worker run
      // from a file refuses that flag. Never always given explicitly: an explicit list may not hold
      // V8 flags, so `node --max-old-space-size=… switchyard start` could not start its worker.
      ...(process.execArgv.some(isInputType) && { execArgv: process.execArgv.filter((arg) => !isInputType(arg)) }),
      // The worker keeps under 1 MB live in its young generation; V8's default lets the
      // semi-spaces grow to 2 MB each (4 MB resident) under load. Capped, 2 MB resident,
      // for ~2x the worker's (sub-millisecond) scavenges.
      resourceLimits: { maxYoungGenerationSizeMb: 2 },
    });
    const state: WorkerState = { online: false, unarmed: [], stop };
    this.states.set(worker, state);
    // An idle worker never keeps the process alive by itself; one with calls in flight does.
    worker.unref();
    worker.on('message', (message: SqliteWorkerReply) => {
      if (message.type !== 'ready') return this.receive(message);
      state.online = true;
      if (message.opened) this.fileOpened = true;
      if (message.opened && this.options.file === ':memory:') this.memoryOpened = true;
      for (const batch of state.unarmed) this.arm(batch);
      state.unarmed = [];
    });
    worker.on('error', (error) => {
      // Shown in `/health`: the first line, without anything key-shaped a thrown message may quote.
      this.crashMessage = redactSecrets(error.message.split('\n')[0] ?? '').slice(0, 200);
    });
    worker.once('exit', (code) => this.exited(worker, code));
    return worker;
  }

  private receive(message: SqliteWorkerReply): void {
    if (message.type === 'log') {
      this.options.logger[message.level](message.fields, message.message);
      return;
    }
    if (message.type !== 'answers') return;
    for (const answer of message.answers) this.answer(answer);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private answer(answer: SqliteWorkerAnswer): void {
    const call = this.pending.get(answer.id);
    if (!call) return;
    this.forget(call);
    if (call.timedOut) {
      this.settleLateAnswer(call, answer);
      return;
    }
    if (answer.ok) call.resolve(answer.value);
    else call.reject(call.method === 'migrate' ? this.namingTheFile(decodeError(answer.error)) : decodeError(answer.error));
  }

  /**
   * A failed `migrate()` is the start's (`could not start: …`, `switchyard keys …`): its line
   * names the file, which SQLite's words (`unable to open database file`) do not. Only
   * there: other calls' errors reach `/health`, which anyone may read.
   */
  private namingTheFile(error: Error): Error {
    error.message = `${error.message} (${this.options.file})`;
    return error;
  }

  /**
   * A reservation made after its caller was told "unavailable" would hold budget
   * nobody settles (and the process's lease renewals would keep it alive): it is
   * released at once. Other late answers (reads, idempotent ledger batches) need nothing.
   */
  private settleLateAnswer(call: PendingCall, answer: SqliteWorkerAnswer): void {
    if (!answer.ok || call.store !== 'budgets' || call.method !== 'reserve') return;
    const result = answer.value as { ok?: unknown; reservationId?: unknown };
    if (result.ok !== true || typeof result.reservationId !== 'string') return;
    this.settleInBackground([result.reservationId, 0], 1);
  }

  /**
   * A settlement the client makes itself (a release, or a settlement sent again). A timeout
   * or a death of the thread is not the end of it: it still runs late, or is sent again
   * (redoLost); any other failure leaves the reservation held until its lease expires.
   */
  private settleInBackground(args: unknown[], attempt: number, method: 'settle' | 'settlePart' = 'settle'): void {
    this.send('budgets', method, args, attempt).catch((error: unknown) => {
      const code = (error as { code?: unknown }).code;
      if (code === SQLITE_WORKER_TIMEOUT || code === SQLITE_WORKER_EXITED) return;
      this.options.logger.warn({ store: 'sqlite', err: error }, 'could not settle a reservation after its call failed; it stays held until its lease expires');
    });
  }

  /**
   * A worker that died took its calls with it, answered or not: a settlement that did not
   * run would leave its reservation held, and this process's lease renewals would keep it
   * held for as long as the process lives. So a `settle` lost with the thread is sent
   * again to the next one (settling is idempotent: the reservation is deleted as it is
   * settled, so a second settle of it does nothing), and a `reserve` lost with it, which
   * may have committed before the thread died, is released by the id the client gave it.
   * A `settlePart` with a payment id is sent again too: the store applies an id once, so
   * one that did commit is not counted twice (its caller, a budget grant, sends it again
   * with the same id as well). One without an id is not: it might count twice. The
   * callers were told "unavailable".
   */
  private redoLost(call: PendingCall): void {
    if (call.store !== 'budgets') return;
    const resendable = call.method === 'settle' || (call.method === 'settlePart' && typeof call.args[3] === 'string');
    if (call.method === 'reserve' && typeof call.args[3] === 'string') {
      this.settleInBackground([call.args[3], 0], 1);
    } else if (resendable && call.attempt < maxSettleAttempts) {
      this.settleInBackground(call.args, call.attempt + 1, call.method as 'settle' | 'settlePart');
    } else if (resendable) {
      this.options.logger.warn({ store: 'sqlite', attempts: call.attempt }, 'a settlement was lost with the SQLite worker thread again; its reservation stays held until its lease expires');
    }
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker === worker) this.worker = undefined;
    if (this.closed) {
      // Ended by close() (or died while closing): nothing to restart or report.
      for (const call of [...this.pending.values()]) {
        this.forget(call);
        if (!call.timedOut) call.reject(codedError(SQLITE_WORKER_EXITED, 'the SQLite worker thread was stopped by close()'));
      }
      return;
    }
    this.lastExit = this.crashMessage ?? `exit code ${code}`;
    this.crashMessage = undefined;
    const error = codedError(SQLITE_WORKER_EXITED, `the SQLite worker thread stopped (${this.lastExit})`);
    this.options.logger.error({ store: 'sqlite', exitCode: code, pending: this.pending.size }, 'the SQLite worker thread stopped; failing its calls in flight');
    this.options.health.failed(error);
    for (const call of [...this.pending.values()]) {
      this.forget(call);
      if (!call.timedOut && this.sendLedgerBatchAgain(call)) continue;
      if (!call.timedOut) call.reject(error);
      this.redoLost(call);
    }
  }

  /**
   * A ledger batch lost with its thread goes once more, to the next thread, and its caller
   * hears that answer: rows are unique by request id and time (migration 7), so a batch that
   * committed before the thread died is skipped, not counted twice. Its caller failed before,
   * and a shutdown's last flush then gave up on its records (exit 1) although a new thread
   * would have written them. Not with an in-memory database: the next thread opens none.
   */
  private sendLedgerBatchAgain(call: PendingCall): boolean {
    if (call.store !== 'ledger' || call.method !== 'append' || call.attempt > 1 || this.memoryOpened) return false;
    this.send(call.store, call.method, call.args, call.attempt + 1).then(call.resolve, call.reject);
    return true;
  }
}
