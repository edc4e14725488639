import { createLogger, guardStore, StoreHealth, UsageRecorder, type BudgetStore, type Logger, type RequestRecord, type UsageLedger, type UsageRecord } from '@switchyard/core';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BroadcastChannel, type Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { isSqliteOutage } from '../src/is-sqlite-outage.js';
import { SqliteWorkerClient } from '../src/sqlite-worker-client.js';
import type { SqliteWorkerReply } from '../src/sqlite-worker-messages.js';

// Every SQLite worker of this file is the built one with test faults on top
// (fixtures/faulty-sqlite-worker-hooks.mjs): a call to `__fault.exit`, `__fault.throw` or
// `__fault.exitAfterRun` in a message makes the thread die at a known point of it, and
// `__fault.block` holds the thread until the test lets go, so what dies with it is known.
// No test sleeps: each waits for an answer, a timeout or an exit.
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  const faulty = new URL('./fixtures/faulty-sqlite-worker.mjs', import.meta.url);
  class FaultyWorker extends actual.Worker {
    constructor(script: string | URL, options?: import('node:worker_threads').WorkerOptions) {
      super(String(script).endsWith('/sqlite-worker-main.js') ? faulty : script, options);
    }
  }
  return { ...actual, Worker: FaultyWorker };
});

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function tempFile(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sqlite-faults-'));
  tempDirs.push(dir);
  return path.join(dir, name);
}

/** A logger that keeps what it was given, to look at. */
function recordingLogger(): Logger & { lines: Array<{ level: string; fields: unknown; message: string }> } {
  const lines: Array<{ level: string; fields: unknown; message: string }> = [];
  const base = createLogger({ level: 'silent' });
  const keep = (level: string) => (fields: unknown, message: string) => void lines.push({ level, fields, message });
  return Object.assign(Object.create(base) as Logger, { lines, info: keep('info'), warn: keep('warn'), error: keep('error') });
}

interface Opened {
  client: SqliteWorkerClient;
  health: StoreHealth;
  logger: ReturnType<typeof recordingLogger>;
  budgets: BudgetStore;
  ledger: UsageLedger;
  file: string;
}

function openClient(options: { callTimeoutMs?: number; startTimeoutMs?: number; busyTimeoutMs?: number; file?: string } = {}): Opened {
  const logger = recordingLogger();
  const health = new StoreHealth({ backend: 'sqlite', logger });
  const file = options.file ?? tempFile('faults.db');
  const client = new SqliteWorkerClient({
    file,
    connection: { busyTimeoutMs: options.busyTimeoutMs ?? 5000 },
    callTimeoutMs: options.callTimeoutMs ?? 10_000,
    ...(options.startTimeoutMs !== undefined && { startTimeoutMs: options.startTimeoutMs }),
    logger,
    health,
    settings: { defaultReservationTtlMs: 600_000 },
  });
  const boundary = { health, isOutage: isSqliteOutage, retryAfterSeconds: 1 };
  return {
    client,
    health,
    logger,
    file,
    budgets: guardStore(client.store<BudgetStore>('budgets'), boundary),
    ledger: guardStore(client.store<UsageLedger>('ledger'), boundary),
  };
}

const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

const usage = (id: string): UsageRecord => ({
  id, at: '2026-12-01T00:00:00.000Z', endpoint: 'chat', keyId: undefined, team: undefined, project: undefined,
  requestedModel: undefined, provider: undefined, model: undefined, stream: false, inputTokens: 1, outputTokens: 1,
  cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0, latencyMs: 1, status: 200, errorCode: undefined, cacheHit: false, attempts: 1,
});

const account = { owner: 'team:faults', windowStart: '2029-01-01T00:00:00.000Z', limitUsd: 1 };
const lease = { holder: 'gw-test', ttlMs: 60_000 };
const outage = { code: 'store_unavailable', status: 503, cause: expect.objectContaining({ code: 'ERR_SQLITE_WORKER_EXITED' }) };

const built = existsSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/sqlite-worker-main.js'));

describe.skipIf(!built)('the SQLite worker thread, when it dies or is slow', () => {
  it('a worker that calls process.exit fails every call of its message with SQLITE_WORKER_EXITED (503), shows in /health, and is replaced', async () => {
    const { client, health, ledger } = openClient();
    await ledger.migrate();
    // (A ledger batch in the message is sent once more instead: see below.)
    const [count, fault] = await Promise.all([caught(ledger.count()), caught(client.call('__fault', 'exit', [7]))]);
    expect(count).toMatchObject(outage);
    expect(fault).toMatchObject({ code: 'ERR_SQLITE_WORKER_EXITED' });
    expect(health.section()).toMatchObject({ healthy: false, last_error: expect.stringContaining('ERR_SQLITE_WORKER_EXITED') });
    expect(client.healthDetails()).toEqual({ thread: 'worker', worker_restarts: 0, worker_last_exit: 'exit code 7' });

    // Nothing of the message ran; the next call starts a new thread, and /health recovers.
    expect(await ledger.count()).toBe(0);
    expect(client.restarts).toBe(1);
    expect(health.section()).toMatchObject({ healthy: true });
    await client.close();
  });

  it('a worker that throws dies like one that exits, and its error reaches neither /health nor the callers with a key in it', async () => {
    const { client, health, ledger } = openClient();
    await ledger.migrate();
    const secret = 'sk-live-0123456789abcdefghij';
    const [count] = await Promise.all([caught(ledger.count()), caught(client.call('__fault', 'throw', [`upstream said: bad key ${secret}`]))]);
    expect(count).toMatchObject(outage);
    const details = client.healthDetails();
    expect(details).toMatchObject({ worker_last_exit: expect.stringContaining('upstream said: bad key') });
    expect(JSON.stringify(details)).not.toContain(secret);
    expect(JSON.stringify(health.section())).not.toContain(secret);
    expect(String((count as { cause: Error }).cause.message)).not.toContain(secret);
    expect(await ledger.count()).toBe(0);
    await client.close();
  });

  it('a settlement lost with a dead worker is sent again: the reservation does not stay held under a lease this process renews', async () => {
    const { client, budgets } = openClient();
    await budgets.migrate();
    const reserved = await budgets.reserve([account], 0.5, lease);
    if (!reserved.ok) throw new Error('refused');
    // The thread dies as the settlement arrives, before it runs: the caller hears 503.
    const [settled] = await Promise.all([caught(budgets.settle(reserved.reservationId, 0.3)), caught(client.call('__fault', 'exit', [1]))]);
    expect(settled).toMatchObject(outage);
    // Sent again before this call (one writer, in order): spent as the caller asked, nothing held.
    expect(await budgets.reserved(account.owner, account.windowStart)).toBe(0);
    expect(await budgets.spent(account.owner, account.windowStart)).toBeCloseTo(0.3, 9);
    expect(await budgets.renewLeases(lease.holder, 60_000)).toBe(0);
    // Settling again (a caller's own retry) changes nothing.
    await budgets.settle(reserved.reservationId, 0.3);
    expect(await budgets.spent(account.owner, account.windowStart)).toBeCloseTo(0.3, 9);
    await client.close();
  });

  it('a reservation that committed but whose answer died with the worker is released by the id the client gave it', async () => {
    const { client, budgets, file } = openClient();
    await budgets.migrate();
    // The reservation commits, then the thread exits instead of answering.
    const [reserved] = await Promise.all([caught(budgets.reserve([account], 0.4, lease)), caught(client.call('__fault', 'exitAfterRun', []))]);
    expect(reserved).toMatchObject(outage);
    expect(await budgets.reserved(account.owner, account.windowStart)).toBe(0);
    expect(await budgets.renewLeases(lease.holder, 60_000)).toBe(0);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) AS n FROM budget_reservations').get()).toEqual({ n: 0 });
    raw.close();
    expect(await budgets.reserve([account], 1, lease)).toMatchObject({ ok: true });
    await client.close();
  });

  it('a payment that committed but whose answer died with the worker counts once: sent again by the client and by its caller, with its id', async () => {
    const { client, budgets, file } = openClient();
    await budgets.migrate();
    const reserved = await budgets.reserve([account], 0.5, lease);
    if (!reserved.ok) throw new Error('refused');
    // The payment commits, then the thread exits instead of answering: the caller cannot know it counted.
    const [paid] = await Promise.all([
      caught(budgets.settlePart!(reserved.reservationId, 0.123456, 0.01, 'pay_1')),
      caught(client.call('__fault', 'exitAfterRun', [])),
    ]);
    expect(paid).toMatchObject(outage);
    // The client sent it again to the next thread; its caller sends it again too, as a budget grant does.
    await budgets.settlePart!(reserved.reservationId, 0.123456, 0.01, 'pay_1');
    const raw = new Database(file, { readonly: true });
    const row = () => raw.prepare('SELECT spent_micros, reserved_micros FROM budget_accounts WHERE owner = ?').get(account.owner);
    expect(row()).toEqual({ spent_micros: 123_456, reserved_micros: 500_000 - 133_456 });
    // Its id goes with the reservation.
    await budgets.settle(reserved.reservationId, 0);
    expect(row()).toEqual({ spent_micros: 123_456, reserved_micros: 0 });
    expect(raw.prepare('SELECT COUNT(*) AS n FROM budget_payments').get()).toEqual({ n: 0 });
    raw.close();
    await client.close();
  });

  it('a payment with an id lost with a dead worker before it ran is sent again by the client; one without an id is not', async () => {
    const { client, budgets } = openClient();
    await budgets.migrate();
    const reserved = await budgets.reserve([account], 0.5, lease);
    if (!reserved.ok) throw new Error('refused');
    const [withId, withoutId] = await Promise.all([
      caught(budgets.settlePart!(reserved.reservationId, 0.1, 0, 'pay_1')),
      caught(budgets.settlePart!(reserved.reservationId, 0.2, 0)),
      caught(client.call('__fault', 'exit', [1])),
    ]);
    expect(withId).toMatchObject(outage);
    expect(withoutId).toMatchObject(outage);
    // Sent again before this call (one writer, in order).
    expect(await budgets.spent(account.owner, account.windowStart)).toBeCloseTo(0.1, 9);
    expect(await budgets.reserved(account.owner, account.windowStart)).toBeCloseTo(0.4, 9);
    await client.close();
  });

  it('a settlement that timed out and then died with its worker, before it ran, is still sent again', async () => {
    const { client, budgets } = openClient({ callTimeoutMs: 200 });
    await budgets.migrate();
    const reserved = await budgets.reserve([account], 0.5, lease);
    if (!reserved.ok) throw new Error('refused');
    // The thread stops; the settlement waits behind it and times out; behind that, a message that kills the thread.
    const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const blocked = caught(client.call('__fault', 'block', [gate.buffer]));
    expect(await caught(budgets.settle(reserved.reservationId, 0.2))).toMatchObject({ code: 'store_unavailable', cause: expect.objectContaining({ code: 'ERR_SQLITE_WORKER_TIMEOUT' }) });
    const fault = caught(client.call('__fault', 'exit', [1]));
    await new Promise((resolve) => setImmediate(resolve));
    // Let go: the thread takes in the settlement and the fault together, and dies before the settlement runs.
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    expect(await fault).toMatchObject({ code: 'ERR_SQLITE_WORKER_EXITED' });
    expect(await blocked).toMatchObject({ code: 'ERR_SQLITE_WORKER_TIMEOUT' });
    expect(await budgets.reserved(account.owner, account.windowStart)).toBe(0);
    expect(await budgets.spent(account.owner, account.windowStart)).toBeCloseTo(0.2, 9);
    expect(await budgets.renewLeases(lease.holder, 60_000)).toBe(0);
    await client.close();
  });

  it('a read that timed out while it waited behind a held thread is not run once the thread gets to it', async () => {
    const { client, budgets } = openClient({ callTimeoutMs: 200 });
    await budgets.migrate();
    // What the thread answers, seen at the boundary: a read it ran answers its value, one it skipped says so.
    const answered: string[] = [];
    const thread = (client as unknown as { worker: Worker }).worker;
    thread.on('message', (message: SqliteWorkerReply) => {
      if (message.type === 'answers') for (const answer of message.answers) answered.push(answer.ok ? 'ran' : (answer.error.code ?? answer.error.name));
    });
    const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const blocked = caught(client.call('__fault', 'block', [gate.buffer]));
    await new Promise((resolve) => setImmediate(resolve));
    // The read waits behind the held thread, and its caller gives up.
    expect(await caught(budgets.reserved(account.owner, account.windowStart))).toMatchObject({ code: 'store_unavailable', cause: expect.objectContaining({ code: 'ERR_SQLITE_WORKER_TIMEOUT' }) });
    expect(await blocked).toMatchObject({ code: 'ERR_SQLITE_WORKER_TIMEOUT' });
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    // A call after it is answered after it: by then the thread has dealt with the read.
    expect(await budgets.spent(account.owner, account.windowStart)).toBe(0);
    // The fault's own call (no such store method) ran and failed; the read was skipped; the later call ran.
    expect(answered).toEqual(['TypeError', 'ERR_SQLITE_WORKER_TIMEOUT', 'ran']);
    await client.close();
  });

  it('calls posted while a new thread starts get their timeouts once it is ready, without piling up listeners', async () => {
    const channelName = `sqlite-ready-${process.pid}-${Date.now()}`;
    const channel = new BroadcastChannel(channelName);
    const held = new Promise<void>((resolve) => {
      channel.onmessage = (event) => {
        if ((event as MessageEvent).data === 'held') resolve();
      };
    });
    process.env['SQLITE_FAULTY_WORKER_HOLD_READY'] = channelName;
    let opened: Opened;
    try {
      opened = openClient({ callTimeoutMs: 5000 });
    } finally {
      delete process.env['SQLITE_FAULTY_WORKER_HOLD_READY'];
    }
    const { client, ledger } = opened;
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      // Twenty turns, twenty messages, all before the thread says it is ready.
      const counts: Array<Promise<number>> = [];
      for (let turn = 0; turn < 20; turn++) {
        counts.push(ledger.count());
        await new Promise((resolve) => setImmediate(resolve));
      }
      await held;
      channel.postMessage('release');
      expect(await Promise.all(counts)).toEqual(Array.from({ length: 20 }, () => 0));
      // A warning is emitted on the next tick: give it the chance.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      channel.close();
      await client.close();
    }
  });

  it('calls posted to a thread that does not finish starting (its file on a hung mount) answer 503 after its start timeout, and are served once it is ready', async () => {
    const channelName = `sqlite-never-ready-${process.pid}-${Date.now()}`;
    const channel = new BroadcastChannel(channelName);
    const held = new Promise<void>((resolve) => {
      channel.onmessage = (event) => {
        if ((event as MessageEvent).data === 'held') resolve();
      };
    });
    process.env['SQLITE_FAULTY_WORKER_HOLD_READY'] = channelName;
    let opened: Opened;
    try {
      opened = openClient({ callTimeoutMs: 300, startTimeoutMs: 300 });
    } finally {
      delete process.env['SQLITE_FAULTY_WORKER_HOLD_READY'];
    }
    const { client, ledger, health } = opened;
    // Not ready, and stopped: what a thread stuck opening its file is to the client.
    const gate = new Int32Array(new SharedArrayBuffer(4));
    try {
      const counting = caught(ledger.count());
      const blocking = caught(client.call('__fault', 'block', [gate.buffer]));
      await held;
      // The test's own bound: the call's clock started only once the thread was ready, so it waited for good.
      const outcome = await Promise.race([counting, new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3000))]);
      expect(outcome).toMatchObject({ code: 'store_unavailable', status: 503, cause: expect.objectContaining({ code: 'ERR_SQLITE_WORKER_TIMEOUT' }) });
      expect(health.section()).toMatchObject({ healthy: false });
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      channel.postMessage('release');
      await blocking;
      expect(await ledger.count()).toBe(0);
      expect(health.section()).toMatchObject({ healthy: true });
    } finally {
      // A failed check must not leave close() waiting for the held thread.
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      channel.postMessage('release');
      channel.close();
      await client.close();
    }
  });
});

describe.skipIf(!built)('a SQLite worker whose file could not be opened', () => {
  it('answers with the open error, and opens the file on a later call once it can', async () => {
    const blocker = tempFile('not-a-folder');
    writeFileSync(blocker, '');
    const { client, ledger, health } = openClient({ file: path.join(blocker, 'nested', 'late.db') });
    const error = await caught(ledger.count());
    expect(error).toMatchObject({ code: 'ENOTDIR' });
    // The folder can be made now: the same thread opens the file, no restart needed.
    rmSync(blocker);
    expect(await ledger.count()).toBe(0);
    await ledger.append([usage('req_late')]);
    expect(await ledger.count()).toBe(1);
    expect(client.restarts).toBe(0);
    expect(health.section()).toMatchObject({ healthy: true });
    await client.close();
  });
});

describe.skipIf(!built)('closing the SQLite worker', () => {
  it('is bounded: past the timeouts, the calls the thread has not started fail instead of each waiting out the busy timeout', async () => {
    const { client, ledger, file, logger } = openClient({ callTimeoutMs: 100, busyTimeoutMs: 1000 });
    await ledger.migrate();
    const other = new Database(file);
    other.exec('BEGIN EXCLUSIVE');
    try {
      // Forty batches, each waiting for the lock on its own: 40 s of busy timeouts.
      const appends: Array<Promise<unknown>> = [];
      for (let batch = 0; batch < 40; batch++) appends.push(caught(ledger.append([usage(`req_close_${batch}`)])));
      for (const error of await Promise.all(appends)) expect(error).toMatchObject({ code: 'store_unavailable', cause: expect.objectContaining({ code: 'ERR_SQLITE_WORKER_TIMEOUT' }) });
      await client.close();
      expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('did not finish its calls while closing') }));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    await expect(ledger.count()).rejects.toThrow(/not open/);
  });

  it('ends even when the thread never comes back (stuck in a system call on a hung mount): the thread is left behind, said in one line', async () => {
    const { client, ledger, logger } = openClient({ callTimeoutMs: 200 });
    await ledger.migrate();
    // The thread stops and never takes another message in: as one stuck reading its file does.
    const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const blocked = caught(client.call('__fault', 'block', [gate.buffer]));
    try {
      expect(await blocked).toMatchObject({ code: 'ERR_SQLITE_WORKER_TIMEOUT' });
      // The test's own bound: close() waited for the thread to exit, for good.
      const closing = client.close().then(() => 'closed');
      expect(await Promise.race([closing, new Promise((resolve) => setTimeout(() => resolve('still closing after 3 s'), 3000))])).toBe('closed');
      expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('did not end') }));
      await expect(ledger.count()).rejects.toThrow(/not open/);
    } finally {
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
    }
  });

  it('writes every ledger batch made before close(), the ones of the same turn included, and closes once', async () => {
    const { client, ledger, file } = openClient();
    await ledger.migrate();
    const appends: Array<Promise<void>> = [];
    for (let batch = 0; batch < 10; batch++) {
      appends.push(ledger.append(Array.from({ length: 500 }, (_, i) => usage(`req_${batch}_${i}`))));
      if (batch % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const closed = client.close();
    expect(client.close()).toBe(closed);
    await Promise.all([...appends, closed]);
    await expect(ledger.append([usage('req_after')])).rejects.toThrow(/not open/);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) AS n FROM usage').get()).toEqual({ n: 5000 });
    raw.close();
  });

  it('a worker that dies while close() waits for its calls fails them (503) and close() still ends, starting no new thread', async () => {
    const { client, ledger } = openClient();
    await ledger.migrate();
    const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
    const blocked = caught(client.call('__fault', 'block', [gate.buffer]));
    await new Promise((resolve) => setImmediate(resolve));
    const count = caught(ledger.count());
    const fault = caught(client.call('__fault', 'exit', [1]));
    const closed = client.close();
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    await closed;
    expect(await count).toMatchObject(outage);
    expect(await blocked).toMatchObject({ code: 'ERR_SQLITE_WORKER_EXITED' });
    expect(await fault).toMatchObject({ code: 'ERR_SQLITE_WORKER_EXITED' });
    expect(client.restarts).toBe(0);
  });

  it('a ledger batch lost with a dead worker goes once more to a new thread: the usage recorder\'s last flush writes its records', async () => {
    const { client, ledger, logger, file } = openClient();
    await ledger.migrate();
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 600_000, maxBatch: 100, logger });
    const finished = (id: string): RequestRecord => ({
      id, receivedAt: new Date('2026-12-01T00:00:00.000Z'), endpoint: 'chat', keyId: 'key_a', team: undefined, project: undefined,
      requestedModel: 'mock/echo', provider: 'mock', model: 'echo', stream: false, status: 200, errorCode: undefined,
      usage: { inputTokens: 3, outputTokens: 2 }, costUsd: 0.01, cacheHit: false, latencyMs: 5, firstByteMs: undefined, attempts: [],
    });
    for (const id of ['req_last_1', 'req_last_2', 'req_last_3']) recorder.record(finished(id));
    // The shutdown's last flush, and the thread dies as that batch reaches it (one message): nothing of it ran.
    const closing = recorder.close();
    const fault = caught(client.call('__fault', 'exit', [1]));
    await closing;
    expect(await fault).toMatchObject({ code: 'ERR_SQLITE_WORKER_EXITED' });
    await client.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT id FROM usage ORDER BY id').all()).toEqual([{ id: 'req_last_1' }, { id: 'req_last_2' }, { id: 'req_last_3' }]);
    raw.close();
  });

  it('a ledger batch that committed before its thread died, sent once more, counts once', async () => {
    const { client, ledger } = openClient();
    await ledger.migrate();
    const [append] = await Promise.all([caught(ledger.append([usage('req_ran_1'), usage('req_ran_2')])), caught(client.call('__fault', 'exitAfterRun', []))]);
    expect(append).toBeUndefined();
    expect(await ledger.count()).toBe(2);
    await client.close();
  });

  it('closes without starting a thread when the last one died, and a call after close() fails at once', async () => {
    const { client, ledger } = openClient();
    await ledger.migrate();
    await caught(client.call('__fault', 'exit', [1]));
    await client.close();
    expect(client.restarts).toBe(0);
    await expect(ledger.count()).rejects.toThrow(TypeError);
  });
});
