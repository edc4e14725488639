import { parentPort, workerData } from 'node:worker_threads';
import type { SqliteConnectionSettings } from './database.js';
import type { HostedSqliteSettings } from './hosted-sqlite-stores.js';
import { GivenUpCalls } from './given-up-calls.js';
import { SqliteCallRunner } from './sqlite-call-runner.js';
import { SqliteFileConnection, type SqliteOpening } from './sqlite-file-connection.js';
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
  /** The calls whose callers gave up waiting (GivenUpCalls' buffer): a read among them is skipped. */
  givenUp: SharedArrayBuffer;
  /** A thread before this one opened the file: open only a file that is there. */
  mustExist: boolean;
}

const port = parentPort;
if (!port) throw new Error('sqlite-worker-main must run in a worker thread');
const { file, connection, settings, stop, givenUp: givenUpBuffer, mustExist: openedBefore } = workerData as SqliteWorkerData;
const post = (message: SqliteWorkerReply) => port.postMessage(message);

const stopped = () => Atomics.load(stop, 0) === 1;
const givenUp = new GivenUpCalls(givenUpBuffer);
const log: SqliteLog = (level, fields, message) => post({ type: 'log', level, fields, message });

// A file that cannot be opened answers the calls with the open error (SQLITE_CANTOPEN → 503),
// as the in-thread mode does at its first use. Before each run of calls the connection is kept
// to the file at its path (SqliteFileConnection): a thread started while the file could not be
// used (its folder missing, a lock held past the busy timeout) recovers once it can, as a new
// thread would, and a file deleted, moved away or replaced mid-run is left.
const sqlite = new SqliteFileConnection({ file, connection, settings, log, mustExist: openedBefore });
let runner: SqliteCallRunner | undefined;
let runnerOf: SqliteOpening | undefined;

/** The runner for the stores now open: a new one each time the file is opened again. */
function currentRunner(): SqliteCallRunner {
  const { opening } = sqlite;
  if (!runner || runnerOf !== opening) runner = new SqliteCallRunner(opening.stores, opening.handle?.db, opening.error, stopped, (id) => givenUp.has(id));
  runnerOf = opening;
  return runner;
}

// Calls that arrive while the thread is busy wait here and then run together: their
// writes share a commit and their answers go back in one message.
let queued: SqliteWorkerCall[] = [];
let running: Promise<void> | undefined;

async function runQueued(): Promise<void> {
  while (queued.length > 0) {
    const calls = queued;
    queued = [];
    if (!stopped()) sqlite.beforeRun();
    postAnswers(await currentRunner().run(calls));
  }
  running = undefined;
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
      sqlite.close();
      post({ type: 'closed' });
      port.close();
    });
    return;
  }
  for (const call of request.calls) queued.push(call);
  // setImmediate: every message already delivered to this thread is queued before the run starts.
  running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(runQueued);
});

post({ type: 'ready', opened: sqlite.opening.handle !== undefined });
