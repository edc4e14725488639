import { parentPort, workerData } from 'node:worker_threads';
import { SqliteHandle, type SqliteConnectionSettings } from './database.js';
import { hostedSqliteStores, type HostedSqliteSettings } from './hosted-sqlite-stores.js';
import { SqliteCallRunner } from './sqlite-call-runner.js';
import { encodeError, type SqliteLog, type SqliteWorkerAnswer, type SqliteWorkerCall, type SqliteWorkerReply, type SqliteWorkerRequest } from './sqlite-worker-messages.js';

/**
 * The SQLite worker thread: owns the one connection and the stores on it, and runs
 * the calls the main thread posts one after another (SqliteCallRunner). Each store
 * method does its work synchronously, so calls never interleave: reservations stay
 * exact with one writer, and the main thread's event loop never waits on the file.
 */
interface SqliteWorkerData {
  file: string;
  connection: SqliteConnectionSettings;
  settings: HostedSqliteSettings;
  /** Set (to 1) by a client that gave up waiting for close: calls not started answer SQLITE_WORKER_EXITED. */
  stop: Int32Array;
  /** A thread before this one opened the file: open only a file that is there. */
  mustExist: boolean;
}

const port = parentPort;
if (!port) throw new Error('sqlite-worker-main must run in a worker thread');
const { file, connection, settings, stop, mustExist: openedBefore } = workerData as SqliteWorkerData;
const post = (message: SqliteWorkerReply) => port.postMessage(message);

const stopped = () => Atomics.load(stop, 0) === 1;
const log: SqliteLog = (level, fields, message) => post({ type: 'log', level, fields, message });

// A file that cannot be opened answers the calls with the open error (SQLITE_CANTOPEN → 503),
// as the in-thread mode does at its first use. Each later run of calls tries to open it again
// first (the first run answers with the error the thread started with, not waiting twice): a
// thread started while the file could not be used (its folder missing, a lock held past the
// busy timeout) recovers once it can, as a new thread would.
let handle: SqliteHandle | undefined;
/** Set once the file went from its path mid-run (or a thread before this one had it open): only a file put back there is opened again. */
let mustExist = openedBefore;
let runner = openStores();
let reopen = false;

function openStores(): SqliteCallRunner {
  try {
    handle = new SqliteHandle(
      file,
      connection,
      (applied) =>
        post({
          type: 'log',
          level: 'info',
          fields: { store: 'sqlite', file, migrations: applied.map((m) => `${m.version}-${m.name}`) },
          message: 'applied database migrations',
        }),
      mustExist,
    );
  } catch (error) {
    return new SqliteCallRunner(new Map(), undefined, error, stopped);
  }
  const stores = new Map<string, Record<string, unknown>>();
  for (const [name, create] of Object.entries(hostedSqliteStores)) stores.set(name, create(handle, settings, log) as unknown as Record<string, unknown>);
  return new SqliteCallRunner(stores, handle.db, undefined, stopped);
}

// Calls that arrive while the thread is busy wait here and then run together: their
// writes share a commit and their answers go back in one message.
let queued: SqliteWorkerCall[] = [];
let running: Promise<void> | undefined;

async function runQueued(): Promise<void> {
  while (queued.length > 0) {
    const calls = queued;
    queued = [];
    if (handle && !stopped()) leaveAFileThatMoved(handle);
    if (!handle && reopen && !stopped()) runner = openStores();
    reopen = !handle;
    postAnswers(await runner.run(calls));
  }
  running = undefined;
}

/**
 * A file deleted, moved away or replaced (a backup renamed over it) under the open
 * connection would take every write from then on, unseen by anyone: its connection is
 * closed and the file now at the path, if any, opened in its place. One checked before
 * each run of calls: a stat, off the event loop.
 */
function leaveAFileThatMoved(current: SqliteHandle): void {
  const where = current.whereIsFile();
  if (where === 'here') return;
  // The WAL still at the path holds this file's last commits, and SQLite neither
  // checkpoints nor deletes it when closing a moved file: whichever file is opened
  // there next would take its pages as its own. Emptied into the file it belongs to.
  let walLeft: string | undefined;
  try {
    const [result] = current.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number }>;
    if (result?.busy) walLeft = 'another connection held it';
  } catch (error) {
    walLeft = error instanceof Error ? error.message : String(error);
  }
  post({
    type: 'log',
    level: 'error',
    fields: { store: 'sqlite', file, ...(walLeft !== undefined && { walNotEmptied: walLeft }) },
    message: where === 'gone'
      ? 'the database file was deleted or moved away while the gateway ran: calls answer 503 store_unavailable and usage records are held until it is put back'
      : 'the database file was replaced while the gateway ran: the file now at its path is used',
  });
  try {
    current.close();
  } catch {
    // A connection that cannot close cleanly is dropped all the same.
  }
  handle = undefined;
  mustExist = true;
  runner = openStores();
}

/** One message for all; if one value cannot be cloned, each answer goes alone and only that one fails. */
function postAnswers(answers: SqliteWorkerAnswer[]): void {
  try {
    post({ type: 'answers', answers });
  } catch {
    for (const answer of answers) {
      try {
        post({ type: 'answers', answers: [answer] });
      } catch (error) {
        post({ type: 'answers', answers: [{ id: answer.id, ok: false, error: encodeError(error) }] });
      }
    }
  }
}

port.on('message', (request: SqliteWorkerRequest) => {
  if (request.type === 'close') {
    void (running ?? Promise.resolve()).then(() => {
      handle?.close();
      post({ type: 'closed' });
      port.close();
    });
    return;
  }
  for (const call of request.calls) queued.push(call);
  // setImmediate: every message already delivered to this thread is queued before the run starts.
  running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(runQueued);
});

post({ type: 'ready', opened: handle !== undefined });
