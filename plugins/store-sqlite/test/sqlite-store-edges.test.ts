import { createLogger, type StorageSet, type UsageRecord } from '@switchyard/core';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteHandle } from '../src/database.js';
import sqlite from '../src/index.js';

const logger = createLogger({ level: 'silent' });
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

async function open(thread: 'worker' | 'main'): Promise<{ storage: StorageSet; file: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sqlite-edges-'));
  tempDirs.push(dir);
  const storage = await sqlite({ thread }).open({ dataDir: dir, logger });
  await storage.keys.migrate();
  return { storage, file: path.join(dir, 'switchyard.db') };
}

const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error);

const usage = (id: string, fields: Partial<UsageRecord> = {}): UsageRecord => ({
  id, at: '2026-12-01T00:00:00.000Z', endpoint: 'chat', keyId: undefined, team: undefined, project: undefined,
  requestedModel: undefined, provider: undefined, model: undefined, stream: false, inputTokens: 1, outputTokens: 1,
  cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0, latencyMs: 1, status: 200, errorCode: undefined, cacheHit: false, attempts: 1,
  ...fields,
});

const window = '2029-01-01T00:00:00.000Z';

// The worker runs the built plugin (dist/); in-thread mode runs the sources.
const built = existsSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/sqlite-worker-main.js'));
const threads = built ? (['worker', 'main'] as const) : (['main'] as const);

describe.each(threads)('SQLite stores at the edges (thread: %s)', (thread) => {
  it('refuses amounts that are not exact whole micro-dollars with a clear error, holding nothing', async () => {
    const { storage, file } = await open(thread);
    const budgets = storage.budgets;
    const account = { owner: 'team:money', windowStart: window, limitUsd: 1e12 };
    try {
      for (const amount of [Number.NaN, Infinity, -Infinity, 1e309]) {
        expect(await caught(budgets.reserve([account], amount))).toBeInstanceOf(TypeError);
      }
      expect(await caught(budgets.reserve([account], -0.01))).toBeInstanceOf(RangeError);
      // 10 billion USD and a micro-dollar is past Number.MAX_SAFE_INTEGER micro-dollars: it would be rounded.
      for (const amount of [1e10 + 0.000001, 1e300, Number.MAX_VALUE]) {
        expect(await caught(budgets.reserve([account], amount))).toBeInstanceOf(RangeError);
      }
      expect(await budgets.reserved(account.owner, window)).toBe(0);

      const held = await budgets.reserve([account], 0.5);
      if (!held.ok) throw new Error('refused');
      for (const amount of [Number.NaN, 1e309]) expect(await caught(budgets.settle(held.reservationId, amount))).toBeInstanceOf(TypeError);
      for (const amount of [-1, 9.1e9]) expect(await caught(budgets.settle(held.reservationId, amount))).toBeInstanceOf(RangeError);
      expect(await caught(budgets.settlePart!(held.reservationId, 1e16, 0))).toBeInstanceOf(RangeError);
      // Still open, as it was: a refused settlement changes nothing.
      expect(await budgets.reserved(account.owner, window)).toBe(0.5);
      // -0 is nothing spent.
      await budgets.settle(held.reservationId, -0);
      expect(await budgets.spent(account.owner, window)).toBe(0);
      const raw = new Database(file, { readonly: true });
      expect(raw.prepare("SELECT typeof(spent_micros) AS spent, typeof(reserved_micros) AS reserved FROM budget_accounts WHERE owner = 'team:money'").get()).toEqual({
        spent: 'integer',
        reserved: 'integer',
      });
      raw.close();
    } finally {
      await storage.keys.close();
    }
  });

  it('a limit larger than any exact amount (or hostile) holds every exact amount, and refuses what would pass it', async () => {
    const { storage } = await open(thread);
    const budgets = storage.budgets;
    try {
      const huge = { owner: 'team:unlimited', windowStart: window, limitUsd: 1e300 };
      // 9,007,199,254.740991 USD in all: Number.MAX_SAFE_INTEGER micro-dollars.
      expect(await budgets.reserve([huge], 9_000_000_000)).toMatchObject({ ok: true });
      expect(await budgets.reserve([huge], 7_199_254.740991)).toMatchObject({ ok: true });
      // The account now holds all an exact limit could: a micro-dollar more does not fit.
      expect(await budgets.reserve([huge], 0.000001)).toEqual({ ok: false, exhausted: huge.owner });
      expect(await budgets.reserved(huge.owner, window)).toBe(Number.MAX_SAFE_INTEGER / 1_000_000);
      for (const limitUsd of [Number.NaN, Infinity]) {
        expect(await caught(budgets.reserve([{ owner: 'team:nan', windowStart: window, limitUsd }], 0.1))).toBeInstanceOf(TypeError);
      }
      expect(await budgets.reserve([{ owner: 'team:negative', windowStart: window, limitUsd: -1 }], 0)).toEqual({ ok: false, exhausted: 'team:negative' });
    } finally {
      await storage.keys.close();
    }
  });

  it('a reservation id handed in must look like one', async () => {
    const { storage } = await open(thread);
    try {
      const store = storage.budgets as unknown as { reserve(...args: unknown[]): Promise<unknown> };
      const account = { owner: 'team:ids', windowStart: window, limitUsd: 1 };
      // In worker mode the client puts its own id in the fourth place; in-thread a caller's is checked.
      if (thread === 'main') {
        expect(await caught(store.reserve([account], 0.1, undefined, "x'; DROP TABLE budget_reservations"))).toBeInstanceOf(TypeError);
        expect(await store.reserve([account], 0.1, undefined, 'res_AAAAAAAAAAAAAAAA')).toEqual({ ok: true, reservationId: 'res_AAAAAAAAAAAAAAAA' });
      } else {
        expect(await store.reserve([account], 0.1, undefined, 'ignored')).toMatchObject({ ok: true, reservationId: expect.stringMatching(/^res_[A-Za-z0-9_-]{16}$/) });
      }
    } finally {
      await storage.keys.close();
    }
  });

  it('the payment ids a reservation took go with it when it is settled, also days after its lease expired (kept meanwhile)', async () => {
    const { storage, file } = await open(thread);
    try {
      const budgets = storage.budgets;
      const account = { owner: 'team:payment-ids', windowStart: window, limitUsd: 1 };
      const settled = await budgets.reserve([account], 0.2);
      const expiring = await budgets.reserve([account], 0.3, { holder: 'gw-edges', ttlMs: 1_000 });
      if (!settled.ok || !expiring.ok) throw new Error('refused');
      for (const payment of ['pay_1', 'pay_2']) {
        await budgets.settlePart!(settled.reservationId, 0.01, 0, payment);
        await budgets.settlePart!(expiring.reservationId, 0.02, 0, payment);
      }
      const raw = new Database(file, { readonly: true });
      const paymentRows = () => (raw.prepare('SELECT COUNT(*) AS n FROM budget_payments').get() as { n: number }).n;
      expect(paymentRows()).toBe(4);
      await budgets.settle(settled.reservationId, 0);
      expect(paymentRows()).toBe(2);
      const releasedAt = Date.now() + 2_000;
      expect(await budgets.releaseExpired(new Date(releasedAt))).toBe(1);
      // Kept while a late payment of the released reservation may still come (see BudgetStore.settle).
      expect(paymentRows()).toBe(2);
      expect(await budgets.releaseExpired(new Date(releasedAt + 24 * 3_600_000 + 1_000))).toBe(0);
      expect(paymentRows()).toBe(2);
      // A payment sent again days later still counts once; the settle takes the ids with the reservation.
      await budgets.settlePart!(expiring.reservationId, 0.02, 0, 'pay_2');
      await budgets.settle(expiring.reservationId, 0.005);
      expect(paymentRows()).toBe(0);
      expect(raw.prepare('SELECT COUNT(*) AS n FROM budget_reservations').get()).toEqual({ n: 0 });
      expect(raw.prepare('SELECT spent_micros, reserved_micros FROM budget_accounts WHERE owner = ?').get(account.owner)).toEqual({ spent_micros: 65_000, reserved_micros: 0 });
      raw.close();
    } finally {
      await storage.keys.close();
    }
  });

  it('key names keep NUL characters, and a lone surrogate is refused with a clear error instead of coming back as other text', async () => {
    const { storage } = await open(thread);
    const keys = storage.keys;
    try {
      const nul = await keys.create({ name: 'a\u0000b', team: 'team\u0000x', tags: ['t\u0000', '\ud800'] }, { hash: 'n'.repeat(64), prefix: 'sy-n' });
      expect(await keys.get(nul.id)).toMatchObject({ name: 'a\u0000b', team: 'team\u0000x', tags: ['t\u0000', '\ud800'] });
      expect((await keys.list({ limit: 10, team: 'team\u0000x' })).keys.map((key) => key.id)).toEqual([nul.id]);
      // An emoji (a surrogate pair) is fine.
      expect((await keys.create({ name: 'ok \u{1F511}' }, { hash: 'e'.repeat(64), prefix: 'sy-e' })).name).toBe('ok \u{1F511}');

      for (const fields of [{ name: 'lone \ud800' }, { name: 'n', team: '\udc00team' }, { name: 'n', project: 'p\ud83d' }, { name: 'n', user: '\udfff' }]) {
        const error = await caught(keys.create(fields, { hash: 'l'.repeat(64), prefix: 'sy-l' }));
        expect(error).toBeInstanceOf(TypeError);
        expect((error as Error).message).toMatch(/not well-formed text/);
      }
      expect(await caught(keys.update(nul.id, { name: 'renamed \ud800' }))).toBeInstanceOf(TypeError);
      expect(await caught(keys.appendAudit({ keyId: nul.id, action: 'update', actor: 'admin\ud800', at: new Date().toISOString(), details: {} }))).toBeInstanceOf(TypeError);
      expect((await keys.get(nul.id))?.name).toBe('a\u0000b');
      expect((await keys.list({ limit: 10 })).keys).toHaveLength(2);
    } finally {
      await keys.close();
    }
  });

  it('usage records with NUL or lone surrogates are written, and read back as what a filter finds them by', async () => {
    const { storage } = await open(thread);
    const ledger = storage.ledger;
    try {
      await ledger.append([usage('req_nul', { requestedModel: 'gpt\u0000x', keyId: 'key_\u0000' }), usage('req_lone', { requestedModel: 'gpt\ud800', team: '\udc00', keyId: 'key_lone\ud800' })]);
      const range = { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' };
      const records = (await ledger.listRecords({ ...range, limit: 10 })).records;
      expect(records.map((record) => [record.id, record.requestedModel, record.team])).toEqual([
        ['req_nul', 'gpt\u0000x', undefined],
        ['req_lone', 'gpt\ufffd', '\ufffd'],
      ]);
      // What was read back finds its record, and so does what was written.
      expect((await ledger.listRecords({ ...range, limit: 10, model: 'gpt\ufffd' })).records.map((record) => record.id)).toEqual(['req_lone']);
      expect((await ledger.listRecords({ ...range, limit: 10, model: 'gpt\ud800' })).records.map((record) => record.id)).toEqual(['req_lone']);
      expect((await ledger.listRecords({ ...range, limit: 10, keyId: 'key_\u0000' })).records.map((record) => record.id)).toEqual(['req_nul']);
      expect(await ledger.query({ ...range, groupBy: 'key', keyId: 'key_lone\ud800' })).toMatchObject([{ group: 'key_lone\ufffd', requests: 1 }]);
      // A retried batch is still skipped.
      await ledger.append([usage('req_lone', { requestedModel: 'gpt\ud800', team: '\udc00', keyId: 'key_lone\ud800' })]);
      expect(await ledger.count()).toBe(2);
    } finally {
      await ledger.close();
    }
  });

  it('token sums past 2^63 (a thousand answers each claiming the largest count an upstream may report) still report, not fail', async () => {
    const { storage } = await open(thread);
    const ledger = storage.ledger;
    try {
      // readTokenCount accepts any safe integer, so one hostile upstream can write these; SQLite's SUM() of
      // integers throws "integer overflow" past 2^63, and every report of the range failed from then on.
      const most = Number.MAX_SAFE_INTEGER;
      const hostile = Array.from({ length: 1100 }, (_, i) =>
        usage(`req_huge_${i}`, { keyId: 'key_huge', inputTokens: most, outputTokens: most, cachedInputTokens: most, reasoningTokens: most, costUsd: 1 }),
      );
      await ledger.append(hostile);
      const range = { from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' };
      for (const groupBy of ['key', 'model', 'day'] as const) {
        const [row] = await ledger.query({ ...range, groupBy });
        expect(row).toMatchObject({ requests: 1100, costUsd: 1100, errors: 0 });
        for (const tokens of [row!.inputTokens, row!.outputTokens, row!.cachedInputTokens, row!.reasoningTokens]) {
          expect(tokens).toBeCloseTo(1100 * most, -7);
        }
      }
      expect(await ledger.query({ ...range, groupBy: 'key', keyId: 'key_huge', bucket: 'hour' })).toMatchObject([{ requests: 1100 }]);
    } finally {
      await ledger.close();
    }
  });

  it('a ledger batch of thousands of records crosses in one call, and a retry of it adds nothing', async () => {
    const { storage } = await open(thread);
    const ledger = storage.ledger;
    try {
      const batch = Array.from({ length: 20_000 }, (_, i) => usage(`req_bulk_${i}`, { model: 'm'.repeat(i % 64), costUsd: i / 1000 }));
      await ledger.append(batch);
      await ledger.append(batch);
      expect(await ledger.count()).toBe(20_000);
    } finally {
      await ledger.close();
    }
  });

  it('an error about a record that carries an API key does not quote the key', async () => {
    const { storage } = await open(thread);
    const secret = 'sk-live-0123456789abcdefghij';
    try {
      const missing = await caught(storage.ledger.append([usage('req_a', { keyId: secret, endpoint: null as unknown as UsageRecord['endpoint'] })]));
      expect((missing as { code?: string }).code).toBe('SQLITE_CONSTRAINT_NOTNULL');
      const unbindable = await caught(storage.ledger.append([usage('req_b', { keyId: secret, team: { secret } as unknown as string })]));
      expect(unbindable).toBeInstanceOf(TypeError);
      const duplicate = await caught(
        storage.keys.create({ name: secret }, { hash: 'd'.repeat(64), prefix: 'sy-d' }).then(() => storage.keys.create({ name: secret }, { hash: 'd'.repeat(64), prefix: 'sy-d' })),
      );
      expect((duplicate as { code?: string }).code).toMatch(/^SQLITE_CONSTRAINT/);
      for (const error of [missing, unbindable, duplicate]) {
        const { message, stack, ...fields } = error as Error;
        expect(JSON.stringify({ message, stack, fields })).not.toContain(secret);
      }
    } finally {
      await storage.keys.close();
    }
  });
});

// Linux shows a process's open files in /proc; a connection left open is one more there.
describe.skipIf(!existsSync('/proc/self/fd'))('opening a SQLite file that is locked', () => {
  it('fails with SQLITE_BUSY and keeps no connection open (the worker tries again on later calls)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sqlite-edges-'));
    tempDirs.push(dir);
    const file = path.join(dir, 'locked.db');
    // Not yet in WAL mode, and locked: switching it to WAL waits out the busy timeout.
    const other = new Database(file);
    other.exec('CREATE TABLE x (a); BEGIN EXCLUSIVE; INSERT INTO x VALUES (1)');
    try {
      const openFiles = () => readdirSync('/proc/self/fd').length;
      const before = openFiles();
      for (let attempt = 0; attempt < 20; attempt++) {
        expect(() => new SqliteHandle(file, { busyTimeoutMs: 1 })).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
      }
      expect(openFiles() - before).toBeLessThan(5);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const handle = new SqliteHandle(file, { busyTimeoutMs: 1 });
    expect(handle.db.pragma('journal_mode', { simple: true })).toBe('wal');
    handle.close();
  });
});
