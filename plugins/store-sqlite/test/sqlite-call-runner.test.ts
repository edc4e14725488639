import type { UsageRecord } from '@switchyard/core';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteHandle } from '../src/database.js';
import { hostedSqliteStores } from '../src/hosted-sqlite-stores.js';
import { SqliteCallRunner } from '../src/sqlite-call-runner.js';
import type { SqliteLog, SqliteWorkerAnswer, SqliteWorkerCall } from '../src/sqlite-worker-messages.js';

const tempDirs: string[] = [];
const handles: SqliteHandle[] = [];
afterEach(() => {
  for (const handle of handles.splice(0)) handle.close();
});
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function openFile(): SqliteHandle {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sqlite-runner-'));
  tempDirs.push(dir);
  const handle = new SqliteHandle(path.join(dir, 'runner.db'), { busyTimeoutMs: 200 });
  handle.migrate();
  handles.push(handle);
  return handle;
}

/** The stores' log lines, which these tests do not read. */
const quiet: SqliteLog = () => {};

/** The worker's stores on `handle`, as the worker builds them, plus any extra test stores. */
function runnerOn(handle: SqliteHandle, extra: Record<string, object> = {}): SqliteCallRunner {
  const stores = new Map<string, Record<string, unknown>>();
  for (const [name, create] of Object.entries(hostedSqliteStores)) {
    stores.set(name, create(handle, { defaultReservationTtlMs: 60_000 }, quiet) as unknown as Record<string, unknown>);
  }
  for (const [name, store] of Object.entries(extra)) stores.set(name, store as Record<string, unknown>);
  return new SqliteCallRunner(stores, handle.db);
}

let nextId = 1;
const call = (store: string, method: string, ...args: unknown[]): SqliteWorkerCall => ({ id: nextId++, store, method, args });

const account = { owner: 'team:t', windowStart: '2029-01-01T00:00:00.000Z', limitUsd: 1 };

const usage = (id: string, at = '2026-12-01T00:00:00.000Z'): UsageRecord => ({
  id, at, endpoint: 'chat', keyId: undefined, team: undefined, project: undefined,
  requestedModel: undefined, provider: undefined, model: undefined, stream: false, inputTokens: 1, outputTokens: 1,
  cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0, latencyMs: 1, status: 200, errorCode: undefined, cacheHit: false, attempts: 1,
});

function reservedMicros(handle: SqliteHandle): number {
  const row = handle.db.prepare('SELECT reserved_micros FROM budget_accounts WHERE owner = ?').get(account.owner) as { reserved_micros: number } | undefined;
  return row?.reserved_micros ?? 0;
}

const usageRows = (handle: SqliteHandle) => (handle.db.prepare('SELECT id FROM usage ORDER BY id').all() as { id: string }[]).map((row) => row.id);

/** Frames written to the WAL by `work`: each commit writes every page it changed once. */
async function walFramesOf(handle: SqliteHandle, work: () => Promise<unknown>): Promise<number> {
  handle.db.pragma('wal_checkpoint(TRUNCATE)');
  await work();
  return (handle.db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>)[0]!.log;
}

describe('the SQLite worker call runner', () => {
  it('answers every call in order, each with its own value or error, when consecutive writes share a transaction', async () => {
    const handle = openFile();
    const runner = runnerOn(handle);
    const calls = [
      call('budgets', 'reserve', [account], 0.25),
      call('budgets', 'reserve', [account], -1), // its own RangeError
      call('budgets', 'reserve', [account], 0.5),
      call('budgets', 'reserve', [account], 0.5), // over the limit: refused, not an error
      call('budgets', 'nope'), // not a store method: its own TypeError
      call('ledger', 'append', [usage('req_a')]),
      call('__proto__', 'reserve'), // not a store: its own TypeError, nothing reached
    ];
    const answers = await runner.run(calls);
    expect(answers.map((answer) => answer.id)).toEqual(calls.map((c) => c.id));
    expect(answers[0]).toMatchObject({ ok: true, value: { ok: true, reservationId: expect.stringMatching(/^res_/) } });
    expect(answers[1]).toMatchObject({ ok: false, error: { name: 'RangeError' } });
    expect(answers[2]).toMatchObject({ ok: true, value: { ok: true } });
    expect(answers[3]).toMatchObject({ ok: true, value: { ok: false, exhausted: account.owner } });
    expect(answers[4]).toMatchObject({ ok: false, error: { name: 'TypeError', message: 'no such store method: budgets.nope' } });
    expect(answers[5]).toMatchObject({ ok: true });
    expect(answers[6]).toMatchObject({ ok: false, error: { name: 'TypeError', message: 'no such store method: __proto__.reserve' } });
    expect(reservedMicros(handle)).toBe(750_000);
    expect(usageRows(handle)).toEqual(['req_a']);
    expect(handle.db.inTransaction).toBe(false);
  });

  it('a reservation refused on a later account inside a shared transaction holds nothing on the earlier ones; the calls around it commit', async () => {
    const handle = openFile();
    const runner = runnerOn(handle);
    const roomy = { owner: 'key:k', windowStart: account.windowStart, limitUsd: 10 };
    const reservedOn = (owner: string) =>
      (handle.db.prepare('SELECT reserved_micros FROM budget_accounts WHERE owner = ?').pluck().get(owner) as number | undefined) ?? 0;
    const answers = await runner.run([
      call('budgets', 'reserve', [account], 0.75),
      // Held on key:k first, then refused on team:t (0.75 + 0.5 > 1): the hold on key:k goes too.
      call('budgets', 'reserve', [roomy, account], 0.5),
      call('budgets', 'reserve', [roomy], 2),
    ]);
    expect(answers.map((a) => a.ok && (a.value as { ok: boolean }).ok)).toEqual([true, false, true]);
    expect(answers[1]).toMatchObject({ ok: true, value: { ok: false, exhausted: account.owner } });
    expect(reservedOn(account.owner)).toBe(750_000);
    expect(reservedOn(roomy.owner)).toBe(2_000_000);
    expect(handle.db.inTransaction).toBe(false);
  });

  it('a call that fails inside a shared transaction rolls back only its own writes', async () => {
    const handle = openFile();
    const runner = runnerOn(handle);
    const first = await runner.run([call('budgets', 'reserve', [account], 0.1)]);
    const reservationId = ((first[0] as Extract<SqliteWorkerAnswer, { ok: true }>).value as { reservationId: string }).reservationId;
    const answers = await runner.run([
      call('ledger', 'append', [usage('req_1')]),
      // Its first record is inserted, then the second fails: the whole batch goes, nothing else does.
      call('ledger', 'append', [usage('req_2'), usage('req_3', 'not a time')]),
      call('budgets', 'settle', reservationId, 0.05),
      call('ledger', 'append', [usage('req_4')]),
    ]);
    expect(answers.map((answer) => answer.ok)).toEqual([true, false, true, true]);
    expect(answers[1]).toMatchObject({ error: { name: 'TypeError', message: expect.stringContaining('not a time') } });
    expect(usageRows(handle)).toEqual(['req_1', 'req_4']);
    expect(handle.db.prepare('SELECT spent_micros, reserved_micros FROM budget_accounts').get()).toEqual({ spent_micros: 50_000, reserved_micros: 0 });
  });

  it('consecutive request-path writes share one commit; a read is not held in a write transaction', async () => {
    const handle = openFile();
    const runner = runnerOn(handle);
    const reserves = () => Array.from({ length: 8 }, () => call('budgets', 'reserve', [account], 0.01));
    const shared = await walFramesOf(handle, () => runner.run(reserves()));
    const alone = await walFramesOf(handle, async () => {
      for (const reserve of reserves()) await runner.run([reserve]);
    });
    // Eight commits write the same pages eight times; one writes them once.
    expect(shared * 4).toBeLessThan(alone);
    expect(reservedMicros(handle)).toBe(160_000);

    // Another process holds the write lock: a read still answers at once (WAL), as it would alone.
    const other = new Database(handle.file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const answers = await runner.run([call('budgets', 'reserve', [account], 0.01), call('budgets', 'reserved', account.owner, account.windowStart), call('budgets', 'reserve', [account], 0.01)]);
      expect(answers.map((answer) => (answer.ok ? answer.value : answer.error.code))).toEqual(['SQLITE_BUSY', 0.16, 'SQLITE_BUSY']);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
  });

  it('a failed commit fails every call of its transaction, and none of their writes stay', async () => {
    const handle = openFile();
    handle.db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
    // A stand-in for a commit-time failure (disk full, I/O): a deferred foreign key is checked at COMMIT.
    class BreaksTheCommit {
      async append(): Promise<void> {
        handle.db.prepare('INSERT INTO child (parent_id) VALUES (42)').run();
      }
    }
    const runner = runnerOn(handle, { ledger: new BreaksTheCommit() });
    const answers = await runner.run([call('budgets', 'reserve', [account], 0.1), call('ledger', 'append'), call('budgets', 'reserve', [account], 0.2)]);
    expect(answers).toEqual([
      { id: expect.any(Number), ok: false, error: expect.objectContaining({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' }) },
      { id: expect.any(Number), ok: false, error: expect.objectContaining({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' }) },
      { id: expect.any(Number), ok: false, error: expect.objectContaining({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' }) },
    ]);
    expect(reservedMicros(handle)).toBe(0);
    expect(handle.db.prepare('SELECT COUNT(*) AS n FROM budget_reservations').get()).toEqual({ n: 0 });
    expect(handle.db.inTransaction).toBe(false);
  });

  it('an error that rolls the whole transaction back fails the calls before it too; the calls after it run on', async () => {
    const handle = openFile();
    // A stand-in for SQLITE_FULL or SQLITE_IOERR, after which SQLite rolls the transaction back by itself.
    class RollsEverythingBack {
      async append(): Promise<void> {
        handle.db.exec('ROLLBACK');
        throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      }
    }
    const runner = runnerOn(handle, { ledger: new RollsEverythingBack() });
    const answers = await runner.run([
      call('budgets', 'reserve', [account], 0.1),
      call('ledger', 'append'),
      call('budgets', 'reserve', [account], 0.2),
      call('budgets', 'reserve', [account], 0.3),
    ]);
    expect(answers.map((answer) => (answer.ok ? 'ok' : answer.error.code))).toEqual(['SQLITE_FULL', 'SQLITE_FULL', 'ok', 'ok']);
    expect(reservedMicros(handle)).toBe(500_000);
    expect(handle.db.prepare('SELECT COUNT(*) AS n FROM budget_reservations').get()).toEqual({ n: 2 });
  });

  it('when the write lock cannot be had, each call tries on its own and gets its own error', async () => {
    const handle = openFile();
    const runner = runnerOn(handle);
    const other = new Database(handle.file);
    other.exec('BEGIN IMMEDIATE');
    try {
      const answers = await runner.run([call('budgets', 'reserve', [account], 0.1), call('budgets', 'reserve', [account], 0.2)]);
      expect(answers.map((answer) => (answer.ok ? 'ok' : answer.error.code))).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY']);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(reservedMicros(handle)).toBe(0);
    expect(handle.db.inTransaction).toBe(false);
  });

  it('once stopped (a closing client gave up waiting), the calls not started answer ERR_SQLITE_WORKER_EXITED and write nothing; the ones before commit', async () => {
    const handle = openFile();
    let stopped = false;
    class StopsAfterwards {
      async append(): Promise<void> {
        handle.db.prepare('INSERT INTO usage_marks (n) VALUES (1)').run();
        stopped = true;
      }
    }
    handle.db.exec('CREATE TABLE usage_marks (n INTEGER)');
    const stores = new Map<string, Record<string, unknown>>();
    for (const [name, create] of Object.entries(hostedSqliteStores)) stores.set(name, create(handle, { defaultReservationTtlMs: 60_000 }, quiet) as unknown as Record<string, unknown>);
    stores.set('ledger', new StopsAfterwards() as unknown as Record<string, unknown>);
    const runner = new SqliteCallRunner(stores, handle.db, undefined, () => stopped);
    const answers = await runner.run([call('budgets', 'reserve', [account], 0.1), call('ledger', 'append'), call('budgets', 'reserve', [account], 0.2), call('budgets', 'reserved', account.owner, account.windowStart)]);
    expect(answers.map((answer) => (answer.ok ? 'ok' : answer.error.code))).toEqual(['ok', 'ok', 'ERR_SQLITE_WORKER_EXITED', 'ERR_SQLITE_WORKER_EXITED']);
    expect(reservedMicros(handle)).toBe(100_000);
    expect(handle.db.prepare('SELECT COUNT(*) AS n FROM usage_marks').get()).toEqual({ n: 1 });
    expect(handle.db.inTransaction).toBe(false);
  });

  it('a read whose caller gave up before it started is not run; a write whose caller gave up still runs', async () => {
    const handle = openFile();
    const ran: string[] = [];
    class RecordingKeys {
      async get(id: string): Promise<undefined> {
        ran.push(`keys.get ${id}`);
        return undefined;
      }
    }
    class RecordingLedger {
      async append(): Promise<void> {
        ran.push('ledger.append');
      }

      async count(): Promise<number> {
        ran.push('ledger.count');
        return 0;
      }
    }
    const stores = new Map<string, Record<string, unknown>>([
      ['keys', new RecordingKeys() as unknown as Record<string, unknown>],
      ['ledger', new RecordingLedger() as unknown as Record<string, unknown>],
    ]);
    const abandoned = [call('keys', 'get', 'key_gone'), call('ledger', 'append'), call('ledger', 'count')];
    const waited = call('keys', 'get', 'key_waited');
    const givenUp = new Set(abandoned.map((c) => c.id));
    const runner = new SqliteCallRunner(stores, handle.db, undefined, () => false, (id) => givenUp.has(id));
    const answers = await runner.run([...abandoned, waited]);
    expect(ran).toEqual(['ledger.append', 'keys.get key_waited']);
    expect(answers.map((answer) => (answer.ok ? 'ok' : answer.error.code))).toEqual(['ERR_SQLITE_WORKER_TIMEOUT', 'ok', 'ERR_SQLITE_WORKER_TIMEOUT', 'ok']);
  });

  it('a file that could not be opened answers every call with the open error', async () => {
    const openError = Object.assign(new Error('unable to open database file'), { code: 'SQLITE_CANTOPEN' });
    const runner = new SqliteCallRunner(new Map(), undefined, openError);
    const answers = await runner.run([call('budgets', 'reserve', [account], 0.1), call('keys', 'get', 'k')]);
    expect(answers.map((answer) => (answer.ok ? 'ok' : answer.error.code))).toEqual(['SQLITE_CANTOPEN', 'SQLITE_CANTOPEN']);
  });
});
