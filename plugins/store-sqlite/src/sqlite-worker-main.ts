import { parentPort, workerData } from 'node:worker_threads';
import { SqliteHandle } from './database.js';
import { hostedSqliteStores, type HostedSqliteSettings } from './hosted-sqlite-stores.js';
import { encodeError, type SqliteWorkerReply, type SqliteWorkerRequest } from './sqlite-worker-messages.js';

/**
 * The SQLite worker thread: owns the one connection and the stores on it, and runs
 * the calls the main thread posts one after another. Each store method does its
 * work synchronously, so calls never interleave: reservations stay exact with one
 * writer, and the main thread's event loop never waits on the file.
 */
interface SqliteWorkerData {
  file: string;
  busyTimeoutMs: number;
  settings: HostedSqliteSettings;
}

const port = parentPort;
if (!port) throw new Error('sqlite-worker-main must run in a worker thread');
const { file, busyTimeoutMs, settings } = workerData as SqliteWorkerData;
const post = (message: SqliteWorkerReply) => port.postMessage(message);

// A file that cannot be opened answers every call with the open error (SQLITE_CANTOPEN → 503),
// as the in-thread mode does at its first use.
let handle: SqliteHandle | undefined;
let openError: unknown;
try {
  handle = new SqliteHandle(file, busyTimeoutMs, (applied) =>
    post({
      type: 'log',
      level: 'info',
      fields: { store: 'sqlite', file, migrations: applied.map((m) => `${m.version}-${m.name}`) },
      message: 'applied database migrations',
    }),
  );
} catch (error) {
  openError = error;
}

const stores = new Map<string, Record<string, unknown>>();
if (handle) {
  for (const [name, create] of Object.entries(hostedSqliteStores)) stores.set(name, create(handle, settings) as unknown as Record<string, unknown>);
}

async function run(request: Extract<SqliteWorkerRequest, { type: 'call' }>): Promise<unknown> {
  if (openError !== undefined) throw openError;
  const store = stores.get(request.store);
  const method = store?.[request.method];
  // Only a hosted store's own methods: a name from the message never reaches anything else.
  if (!store || typeof method !== 'function' || !Object.prototype.hasOwnProperty.call(Object.getPrototypeOf(store), request.method)) {
    throw new TypeError(`no such store method: ${request.store}.${request.method}`);
  }
  return await (method as (...args: unknown[]) => unknown).apply(store, request.args);
}

port.on('message', (request: SqliteWorkerRequest) => {
  if (request.type === 'close') {
    handle?.close();
    post({ type: 'closed' });
    port.close();
    return;
  }
  run(request).then(
    (value) => post({ type: 'reply', id: request.id, ok: true, value }),
    (error: unknown) => post({ type: 'reply', id: request.id, ok: false, error: encodeError(error) }),
  );
});

post({ type: 'ready' });
