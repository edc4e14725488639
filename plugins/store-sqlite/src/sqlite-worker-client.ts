import type { Logger, StoreHealth } from '@switchyard/core';
import type { SqliteConnectionSettings } from './database.js';
import type { HostedSqliteSettings } from './hosted-sqlite-stores.js';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeError, type SqliteWorkerAnswer, type SqliteWorkerCall, type SqliteWorkerReply, type SqliteWorkerRequest } from './sqlite-worker-messages.js';

export interface SqliteWorkerClientOptions {
  /** An absolute path, or `:memory:` (then the worker's own database). */
  file: string;
  /** How the worker's connection is set up (busy timeout, page cache). */
  connection: SqliteConnectionSettings;
  /** How long a call may take, queueing in the worker included, before it fails as an outage. */
  callTimeoutMs: number;
  logger: Logger;
  /** Told when the worker dies, so `/health` shows it before the next call. */
  health: StoreHealth;
  /** What the hosted stores are built with (values from core the worker does not load itself). */
  settings: HostedSqliteSettings;
}

interface PendingCall {
  id: number;
  store: string;
  method: string;
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

/** Error codes of the thread boundary itself; `isSqliteOutage` counts them as outages (503). */
export const SQLITE_WORKER_TIMEOUT = 'ERR_SQLITE_WORKER_TIMEOUT';
export const SQLITE_WORKER_EXITED = 'ERR_SQLITE_WORKER_EXITED';

const isInputType = (arg: string) => arg.startsWith('--input-type');

/** Emitted on a Worker when its thread has loaded and posted `ready`. */
const readyEvent = 'sqlite-ready';

function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}

/**
 * Where the worker script is: next to this file in `dist/`; from the sources (tests
 * run through vitest), the built copy, since a worker thread runs plain JavaScript.
 */
function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts') ? new URL('../dist/sqlite-worker-main.js', import.meta.url) : new URL('./sqlite-worker-main.js', import.meta.url);
}

/**
 * The main thread's side of the SQLite worker. The calls made in one turn of the
 * event loop are posted together, as one message, once the turn's I/O callbacks have
 * run (setImmediate); the worker answers them together too, each with its own value
 * or error. Every call has a timeout, counted from when its message was posted (one
 * timer per message). The worker is started at once and again on the first call
 * after it died; a death fails every call in flight as an outage (503
 * `store_unavailable` at the guardStore boundary). `close()` lets the calls in
 * flight finish, then closes the connection.
 */
export class SqliteWorkerClient {
  private worker: Worker | undefined;
  /** Posted and not answered yet (timed-out calls included until their late answer comes). */
  private readonly pending = new Map<number, PendingCall>();
  /** Made this turn, posted at its end. */
  private queue: Array<{ call: PendingCall; request: SqliteWorkerCall }> = [];
  private nextId = 1;
  private closed = false;
  private closing: Promise<void> | undefined;
  private restartCount = 0;
  private lastExit: string | undefined;
  private crashMessage: string | undefined;
  private readonly online = new WeakSet<Worker>();

  constructor(private readonly options: SqliteWorkerClientOptions) {
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
    return new Promise<unknown>((resolve, reject) => {
      const id = this.nextId++;
      const call: PendingCall = { id, store, method, resolve, reject, timedOut: false, batch: undefined };
      if (this.queue.length === 0) setImmediate(this.flush);
      this.queue.push({ call, request: { id, store, method, args } });
    });
  }

  /** Posts the calls queued this turn as one message, with one timer. */
  private readonly flush = (): void => {
    const queued = this.queue;
    if (queued.length === 0) return;
    this.queue = [];
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
    const arm = () => {
      if (batch.unanswered > 0) batch.timer = setTimeout(() => this.timeOut(batch), this.options.callTimeoutMs);
    };
    if (this.online.has(worker)) arm();
    else worker.once(readyEvent, arm);
  };

  private posted(call: PendingCall, batch: PostedBatch): void {
    call.batch = batch;
    batch.calls.push(call);
    batch.unanswered++;
    this.pending.set(call.id, call);
  }

  /** The message's calls still unanswered fail as an outage; they stay known, since a late answer may need undoing (see settleLateAnswer). */
  private timeOut(batch: PostedBatch): void {
    for (const call of batch.calls) {
      if (call.timedOut || this.pending.get(call.id) !== call) continue;
      call.timedOut = true;
      call.reject(codedError(SQLITE_WORKER_TIMEOUT, `SQLite did not answer ${call.store}.${call.method} within ${this.options.callTimeoutMs} ms`));
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
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.ref();
    worker.postMessage({ type: 'close' } satisfies SqliteWorkerRequest);
    // Never worker.terminate(): better-sqlite3 12 aborts the whole process when a thread is
    // terminated inside a statement. A call still running ends by itself within the busy timeout.
    await exited;
  }

  private respawn(): Worker {
    this.restartCount++;
    this.options.logger.warn({ store: 'sqlite', restarts: this.restartCount }, 'restarting the SQLite worker thread');
    return this.spawn();
  }

  private spawn(): Worker {
    const worker = new Worker(workerScript(), {
      workerData: {
        file: this.options.file,
        connection: this.options.connection,
        settings: this.options.settings,
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
    // An idle worker never keeps the process alive by itself; one with calls in flight does.
    worker.unref();
    worker.on('message', (message: SqliteWorkerReply) => {
      if (message.type !== 'ready') return this.receive(message);
      this.online.add(worker);
      worker.emit(readyEvent);
    });
    worker.on('error', (error) => {
      this.crashMessage = error.message.split('\n')[0]?.slice(0, 200);
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
    else call.reject(decodeError(answer.error));
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
    this.call('budgets', 'settle', [result.reservationId, 0]).catch((error: unknown) =>
      this.options.logger.warn({ store: 'sqlite', err: error }, 'could not release a reservation whose answer came too late; its lease will expire'),
    );
  }

  private exited(worker: Worker, code: number): void {
    if (this.worker === worker) this.worker = undefined;
    if (this.closed) {
      // Ended by close(), or stuck and terminated by it: nothing to restart or report.
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
      if (!call.timedOut) call.reject(error);
    }
  }
}
