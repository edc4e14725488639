import { createLogger, GatewayError, PluginOptionsError, type StorageSet, type UsageRecord } from '@switchyard/core';
import { testBudgetStore, testKeyStore, testResponseStore, testUsageLedger } from '@switchyard/testing';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import sqlite, { migrations, openSqliteStorage } from '../src/index.js';

const logger = createLogger({ level: 'silent' });
const tempDirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sqlite-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Opens storage the way the gateway does: the plugin with options, in a data folder. */
async function openInDir(dataDir: string, options: Record<string, unknown> = {}): Promise<StorageSet> {
  const storage = await sqlite(options).open({ dataDir, logger });
  await storage.keys.migrate();
  await storage.ledger.migrate();
  await storage.budgets.migrate();
  return storage;
}

/** A usage record as the gateway writes it, with the given id and time. */
function usageRecord(id: string, at: string): UsageRecord {
  return {
    id, at, endpoint: 'chat', keyId: 'key_a', team: undefined, project: undefined, requestedModel: 'gpt', provider: 'openai', model: 'gpt-4o-mini',
    stream: false, inputTokens: 1, outputTokens: 2, cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0.001, latencyMs: 10, status: 200,
    errorCode: undefined, cacheHit: false, attempts: 1,
  };
}

const onTempFile = () => sqlite({}).open({ dataDir: tempDir(), logger });
const inMemory = () => sqlite({ path: ':memory:' }).open({ dataDir: tempDir(), logger });

testKeyStore('sqlite (file)', async () => (await onTempFile()).keys);
testUsageLedger('sqlite (file)', async () => (await onTempFile()).ledger);
testBudgetStore('sqlite (file)', async () => (await onTempFile()).budgets);

// The same classes on the event loop (`thread: main`), the debugging and comparison mode.
const onTempFileInThread = () => sqlite({ thread: 'main' }).open({ dataDir: tempDir(), logger });
const inMemoryInThread = () => sqlite({ path: ':memory:', thread: 'main' }).open({ dataDir: tempDir(), logger });
testKeyStore('sqlite (file, thread: main)', async () => (await onTempFileInThread()).keys);
testUsageLedger('sqlite (file, thread: main)', async () => (await onTempFileInThread()).ledger);
testBudgetStore('sqlite (file, thread: main)', async () => (await onTempFileInThread()).budgets);
testKeyStore('sqlite (:memory:, thread: main)', async () => (await inMemoryInThread()).keys);
testUsageLedger('sqlite (:memory:, thread: main)', async () => (await inMemoryInThread()).ledger);
testBudgetStore('sqlite (:memory:, thread: main)', async () => (await inMemoryInThread()).budgets);

testKeyStore('sqlite (:memory:)', async () => (await inMemory()).keys);
testUsageLedger('sqlite (:memory:)', async () => (await inMemory()).ledger);
testBudgetStore('sqlite (:memory:)', async () => (await inMemory()).budgets);

testResponseStore('sqlite (file)', async () => (await sqlite({ max_stored_response_bytes: 4096 }).open({ dataDir: tempDir(), logger })).responses!, { maxPayloadBytes: 4096 });
testResponseStore('sqlite (:memory:)', async () => (await inMemory()).responses!, { maxPayloadBytes: 4_194_304 });

// One file shared by every test of a suite, as a long-running gateway's is.
const sharedDir = tempDir();
testKeyStore('sqlite (one shared file)', async () => (await sqlite({ path: 'shared.db' }).open({ dataDir: sharedDir, logger })).keys);
testUsageLedger('sqlite (one shared file)', async () => (await sqlite({ path: 'shared.db' }).open({ dataDir: sharedDir, logger })).ledger);

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('@switchyard/store-sqlite', () => {
  it('is a storage plugin named sqlite whose options default path and busy timeout', async () => {
    expect(sqlite.kind).toBe('storage');
    expect(sqlite.pluginName).toBe('sqlite');
    expect(sqlite.optionsSchema).toMatchObject({ type: 'object' });
    const dir = tempDir();
    const storage = await openInDir(dir);
    expect(existsSync(path.join(dir, 'switchyard.db'))).toBe(true);
    await storage.keys.close();
    expect(() => sqlite({ path: 42 })).toThrow(PluginOptionsError);
    expect(() => sqlite({ busy_timeout_ms: -1 })).toThrow(PluginOptionsError);
    expect(() => sqlite({ pth: 'x.db' })).toThrow(PluginOptionsError);
  });

  it('puts a relative path in the data folder, creating folders, and takes an absolute one as is', async () => {
    const dir = tempDir();
    const relative = await openInDir(dir, { path: 'nested/deeper/gw.db' });
    await relative.keys.close();
    expect(existsSync(path.join(dir, 'nested/deeper/gw.db'))).toBe(true);

    const absolute = path.join(tempDir(), 'abs.db');
    const storage = await openInDir(dir, { path: absolute });
    await storage.keys.close();
    expect(existsSync(absolute)).toBe(true);
  });

  it('turns on WAL and foreign keys, with the busy timeout asked for', async () => {
    const dir = tempDir();
    const storage = await openInDir(dir, { busy_timeout_ms: 1234 });
    const raw = new Database(path.join(dir, 'switchyard.db'));
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    // foreign_keys and busy_timeout are per connection (a key secret's key must exist; key_secrets
    // goes with its key): look at a fresh handle's pragmas.
    const handle = openSqliteStorage({ file: path.join(dir, 'switchyard.db'), busyTimeoutMs: 1234, thread: 'main' });
    await handle.keys.migrate();
    const db = (handle.keys as unknown as { handle: { db: Database.Database } }).handle.db;
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    await handle.keys.close();
    await storage.keys.close();
  });

  it("keeps SQLite's own 2 MB page cache (better-sqlite3 builds it with 16 MB), or the cache_size_kb asked for", async () => {
    const pageCacheKb = async (options: Record<string, unknown>) => {
      const storage = await openInDir(tempDir(), { thread: 'main', ...options });
      const db = (storage.keys as unknown as { handle: { db: Database.Database } }).handle.db;
      // Negative: KiB (a positive value would count pages).
      const size = db.pragma('cache_size', { simple: true });
      await storage.keys.close();
      return size;
    };
    expect(await pageCacheKb({})).toBe(-2048);
    expect(await pageCacheKb({ cache_size_kb: 512 })).toBe(-512);
    await expect(openInDir(tempDir(), { cache_size_kb: 1e309 })).rejects.toThrow(/cache_size_kb/);
    await expect(openInDir(tempDir(), { cache_size_kb: 16 })).rejects.toThrow(/cache_size_kb/);
    // Called directly, past the schema: still never a non-integer in the PRAGMA's text.
    for (const cacheSizeKb of [Infinity, Number.NaN, 2048.5, -2048]) {
      expect(() => openSqliteStorage({ file: path.join(tempDir(), 'x.db'), cacheSizeKb, thread: 'main' })).toThrow(RangeError);
    }
  });

  it('runs migrations once each, however often and from however many stores migrate() is called, across reopening', async () => {
    const dir = tempDir();
    const first = await openInDir(dir);
    const key = await first.keys.create({ name: 'survivor' }, { hash: sha256('s'), prefix: 's' });
    await first.keys.migrate();
    await first.keys.close();

    for (let i = 0; i < 3; i++) {
      const again = await openInDir(dir);
      await Promise.all([again.keys.migrate(), again.ledger.migrate(), again.budgets.migrate()]);
      expect(await again.keys.get(key.id)).toEqual(key);
      await again.budgets.close();
    }

    const raw = new Database(path.join(dir, 'switchyard.db'), { readonly: true });
    const applied = raw.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
    raw.close();
    expect(applied).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })));
    expect(migrations.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('a database from before migration 6 keeps its reservations: settling and releasing them moves the accounts they held', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'switchyard.db');
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of migrations.filter((m) => m.version <= 5)) {
      old.exec(migration.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, '2026-01-01T00:00:00.000Z');
    }
    const window = '2029-01-01T00:00:00.000Z';
    old.exec(`
      INSERT INTO budget_accounts VALUES ('team:t', '${window}', 1000, 300000), ('key:k', '${window}', 0, 300000);
      INSERT INTO budget_reservations (id, amount_micros, created_at, holder, expires_at_ms) VALUES
        ('res_two', 200000, '${window}', 'gw-1', 9999999999999),
        ('res_expired', 100000, '${window}', 'gw-1', 0),
        ('res_orphan', 5, '${window}', '', 0);
      INSERT INTO reservation_accounts VALUES ('res_two', 'team:t', '${window}'), ('res_two', 'key:k', '${window}'), ('res_expired', 'team:t', '${window}'), ('res_expired', 'key:k', '${window}');
    `);
    old.close();

    const storage = await openInDir(dir);
    expect(await storage.budgets.releaseExpired()).toBe(2);
    expect(await storage.budgets.reserved('team:t', window)).toBeCloseTo(0.2, 9);
    expect(await storage.budgets.renewLeases('gw-1', 60_000)).toBe(1);
    await storage.budgets.settle('res_two', 0.05);
    for (const owner of ['team:t', 'key:k']) expect(await storage.budgets.reserved(owner, window)).toBe(0);
    expect(await storage.budgets.spent('team:t', window)).toBeCloseTo(0.051, 9);
    expect(await storage.budgets.spent('key:k', window)).toBeCloseTo(0.05, 9);
    await storage.budgets.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT name FROM sqlite_master WHERE name LIKE '%reservation%' ORDER BY name").pluck().all()).toEqual(['budget_reservations', 'budget_reservations_released']);
    raw.close();
  });

  it('a retried ledger batch is not counted twice: a record with the same id and time is skipped', async () => {
    const storage = await openInDir(tempDir());
    const at = '2029-03-01T10:00:00.000Z';
    const batch = [usageRecord('req_retried_1', at), usageRecord('req_retried_2', '2029-03-01T10:00:01.500Z')];
    await storage.ledger.append(batch);
    await storage.ledger.append([...batch, usageRecord('req_new', at)]);
    expect(await storage.ledger.count()).toBe(3);
    const page = await storage.ledger.listRecords({ from: '2029-03-01T00:00:00.000Z', to: '2029-03-02T00:00:00.000Z', limit: 10 });
    expect(page.records.map((r) => r.id)).toEqual(['req_retried_2', 'req_retried_1', 'req_new']);
    await storage.ledger.close();
  });

  it('a database from before migration 7 keeps its usage rows, deduplicates retries against them and reports them as before', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'switchyard.db');
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of migrations.filter((m) => m.version <= 6)) {
      old.exec(migration.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, '2026-01-01T00:00:00.000Z');
    }
    const insert = old.prepare(`INSERT INTO usage VALUES (?, ?, ?, 'chat', ?, 'team-a', NULL, 'gpt', 'openai', 'gpt-4o-mini', 1, 10, 20, 3, 4, ?, 150, ?, ?, 1, 2)`);
    insert.run('req_old_1', '2029-02-01T08:00:00.000Z', Date.parse('2029-02-01T08:00:00.000Z'), 'key_a', 0.5, 200, null);
    insert.run('req_old_2', '2029-02-01T09:30:00.000Z', Date.parse('2029-02-01T09:30:00.000Z'), 'key_b', 0.25, 502, 'upstream_error');
    old.close();

    const storage = await openInDir(dir);
    const range = { from: '2029-02-01T00:00:00.000Z', to: '2029-02-02T00:00:00.000Z' };
    const [first] = (await storage.ledger.listRecords({ ...range, limit: 10, keyId: 'key_a' })).records;
    expect(first).toEqual({
      id: 'req_old_1', at: '2029-02-01T08:00:00.000Z', endpoint: 'chat', keyId: 'key_a', team: 'team-a', project: undefined,
      requestedModel: 'gpt', provider: 'openai', model: 'gpt-4o-mini', stream: true, inputTokens: 10, outputTokens: 20,
      cachedInputTokens: 3, reasoningTokens: 4, costUsd: 0.5, latencyMs: 150, status: 200, errorCode: undefined, cacheHit: true, attempts: 2,
      // Written before the column: not an estimate.
      usageEstimated: false,
    });
    // A batch written before the upgrade and retried after it is skipped.
    await storage.ledger.append([first!]);
    expect(await storage.ledger.count()).toBe(2);
    expect(await storage.ledger.query({ groupBy: 'key', ...range })).toEqual([
      { group: 'key_a', requests: 1, inputTokens: 10, outputTokens: 20, cachedInputTokens: 3, reasoningTokens: 4, costUsd: 0.5, errors: 0, estimatedRequests: 0, estimatedCostUsd: 0 },
      { group: 'key_b', requests: 1, inputTokens: 10, outputTokens: 20, cachedInputTokens: 3, reasoningTokens: 4, costUsd: 0.25, errors: 1, estimatedRequests: 0, estimatedCostUsd: 0 },
    ]);
    await storage.ledger.close();

    const raw = new Database(file, { readonly: true });
    const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage' ORDER BY name").pluck().all();
    expect(indexes).toEqual(['sqlite_autoindex_usage_1', 'usage_key_at']);
    raw.close();
  });

  it('a database from before migration 9: its reservations stay open, and one the sweep then releases can still be settled late', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'switchyard.db');
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of migrations.filter((m) => m.version <= 8)) {
      old.exec(migration.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, '2026-01-01T00:00:00.000Z');
    }
    const window = '2029-01-01T00:00:00.000Z';
    old.exec(`
      INSERT INTO budget_accounts VALUES ('key:k', '${window}', 0, 300000);
      INSERT INTO budget_reservations (id, amount_micros, created_at, holder, expires_at_ms, accounts) VALUES
        ('res_live', 200000, '${window}', 'gw-1', 9999999999999, '[["key:k","${window}"]]'),
        ('res_cut_off', 100000, '${window}', 'gw-2', 0, '[["key:k","${window}"]]');
      INSERT INTO budget_payments VALUES ('res_cut_off', 'pay_1');
    `);
    old.close();

    const storage = await openInDir(dir);
    expect(await storage.budgets.renewLeases('gw-1', 60_000)).toBe(1);
    expect(await storage.budgets.releaseExpired()).toBe(1);
    expect(await storage.budgets.reserved('key:k', window)).toBeCloseTo(0.2, 9);
    // gw-2 was cut off, not dead: its payments still count (the one it already made, once).
    await storage.budgets.settlePart!('res_cut_off', 0.03, 0, 'pay_1');
    await storage.budgets.settlePart!('res_cut_off', 0.04, 0, 'pay_2');
    await storage.budgets.settle('res_cut_off', 0.01);
    expect(await storage.budgets.spent('key:k', window)).toBeCloseTo(0.05, 9);
    expect(await storage.budgets.reserved('key:k', window)).toBeCloseTo(0.2, 9);
    await storage.budgets.settle('res_live', 0.1);
    expect(await storage.budgets.spent('key:k', window)).toBeCloseTo(0.15, 9);
    expect(await storage.budgets.reserved('key:k', window)).toBe(0);
    await storage.budgets.close();
  });

  it('close() on any store closes the shared database once; closing the others is harmless', async () => {
    const storage = await openInDir(tempDir());
    await storage.ledger.close();
    await storage.keys.close();
    await storage.budgets.close();
    await expect(storage.keys.get('key_x')).rejects.toThrow(/not open/);
  });

  it('never writes a secret to the database file, only its hash and prefix', async () => {
    const dir = tempDir();
    const storage = await openInDir(dir);
    const secrets = Array.from({ length: 5 }, (_, i) => `sy-Never-In-The-File-${i}-${'x'.repeat(32)}`);
    const created = [];
    for (const secret of secrets.slice(0, 4)) {
      created.push(await storage.keys.create({ name: 'k', team: 'platform' }, { hash: sha256(secret), prefix: secret.slice(0, 7) }));
    }
    const rotated = secrets[4]!;
    await storage.keys.rotate(created[0]!.id, { hash: sha256(rotated), prefix: rotated.slice(0, 7) }, new Date(Date.now() + 60_000));
    await storage.keys.appendAudit({ keyId: created[0]!.id, action: 'rotate', actor: 'master', at: new Date().toISOString(), details: { prefix: rotated.slice(0, 7) } });
    expect((await storage.keys.findBySecretHash(sha256(secrets[1]!), new Date()))?.id).toBe(created[1]!.id);

    // Before closing (data in the WAL) and after (checkpointed into the main file).
    const bytesOf = () =>
      Buffer.concat(readdirSync(dir).filter((f) => f.startsWith('switchyard.db')).map((f) => readFileSync(path.join(dir, f))));
    const check = (bytes: Buffer) => {
      for (const secret of secrets) {
        expect(bytes.includes(secret)).toBe(false);
        expect(bytes.includes(secret.slice(8))).toBe(false);
        // The hash is there: these are the right bytes.
        expect(bytes.includes(sha256(secret))).toBe(true);
      }
    };
    check(bytesOf());
    await storage.keys.close();
    check(bytesOf());
  });

  it('stores money as integer micro-dollars', async () => {
    const dir = tempDir();
    const storage = await openInDir(dir);
    const account = { owner: 'team:t', windowStart: '2029-01-01T00:00:00.000Z', limitUsd: 1 };
    const r = await storage.budgets.reserve([account], 0.1234567);
    if (!r.ok) throw new Error('refused');
    await storage.budgets.settle(r.reservationId, 0.1);
    const raw = new Database(path.join(dir, 'switchyard.db'), { readonly: true });
    expect(raw.prepare('SELECT spent_micros, reserved_micros FROM budget_accounts').get()).toEqual({ spent_micros: 100000, reserved_micros: 0 });
    raw.close();
    await storage.budgets.close();
  });

  it('two connections to one file never reserve past the limit together', async () => {
    const dir = tempDir();
    const a = await openInDir(dir);
    const b = await openInDir(dir);
    const account = { owner: 'team:shared', windowStart: '2029-01-01T00:00:00.000Z', limitUsd: 0.73 };
    const calls = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).budgets.reserve([account], 0.01));
    const results = await Promise.all(calls);
    const ok = results.filter((r) => r.ok);
    expect(ok).toHaveLength(73);
    // Each settles through the other connection: reservations are in the file, not in memory.
    await Promise.all(ok.map((r, i) => (i % 2 === 0 ? b : a).budgets.settle((r as { reservationId: string }).reservationId, 0.01)));
    expect(await a.budgets.spent(account.owner, account.windowStart)).toBeCloseTo(0.73, 9);
    expect(await b.budgets.spent(account.owner, account.windowStart)).toBeCloseTo(0.73, 9);
    expect(await b.budgets.reserve([account], 0.000001)).toEqual({ ok: false, exhausted: account.owner });
    await a.keys.close();
    await b.keys.close();
  });

  // True parallelism needs other processes; they load the built plugin (dist/), like the CLI tests.
  const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');
  it.skipIf(!existsSync(dist))('processes sharing the file never reserve past the limit together', async () => {
    const dir = tempDir();
    const setup = await openInDir(dir);
    await setup.keys.close();
    const script = `
      const { default: sqlite } = await import(${JSON.stringify(pathToFileURL(dist).href)});
      const storage = await sqlite({ busy_timeout_ms: 20000 }).open({ dataDir: ${JSON.stringify(dir)}, logger: undefined });
      await storage.budgets.migrate();
      const account = { owner: 'project:race', windowStart: '2029-01-01T00:00:00.000Z', limitUsd: 1.5 };
      let ok = 0;
      for (let i = 0; i < 150; i++) {
        const r = await storage.budgets.reserve([account], 0.01);
        if (r.ok) { ok++; await storage.budgets.settle(r.reservationId, 0.01); }
      }
      await storage.budgets.close();
      process.stdout.write(String(ok));
    `;
    const run = promisify(execFile);
    const outputs = await Promise.all(
      [0, 1, 2].map(() => run(process.execPath, ['--input-type=module', '-e', script], { timeout: 60_000 })),
    );
    const successes = outputs.map((o) => Number(o.stdout));
    expect(successes.reduce((sum, n) => sum + n, 0)).toBe(150);
    const check = await openInDir(dir);
    expect(await check.budgets.spent('project:race', '2029-01-01T00:00:00.000Z')).toBeCloseTo(1.5, 9);
    await check.keys.close();
  }, 60_000);
});

describe('a database file that cannot be used', () => {
  const usage = (id: string): UsageRecord => ({
    id, at: '2026-12-01T00:00:00.000Z', endpoint: 'chat', keyId: undefined, team: undefined, project: undefined,
    requestedModel: undefined, provider: undefined, model: undefined, stream: false, inputTokens: 1, outputTokens: 1,
    cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0, latencyMs: 1, status: 200, errorCode: undefined, cacheHit: false, attempts: 1,
  });

  it('locked by another process past busy_timeout_ms: 503 store_unavailable with Retry-After, /health degraded, then ok once the lock is gone', async () => {
    const dir = tempDir();
    const storage = await openInDir(dir, { busy_timeout_ms: 50 });
    const other = new Database(path.join(dir, 'switchyard.db'));
    try {
      other.exec('BEGIN EXCLUSIVE');
      const error = await storage.ledger.append([usage('req_locked')]).then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ code: 'store_unavailable', status: 503, retryAfterSeconds: 1 });
      expect((error as GatewayError).toBody().error.message).not.toContain(dir);
      expect(storage.health?.()).toMatchObject({ healthy: false, backend: 'sqlite', status: 'degraded', last_error: expect.stringContaining('SQLITE_BUSY') });
      expect(storage.answers?.()).toBe(false);
      other.exec('ROLLBACK');
      await storage.ledger.append([usage('req_after')]);
      expect(storage.health?.()).toMatchObject({ healthy: true, status: 'ok' });
      expect(storage.answers?.()).toBe(true);
      expect(await storage.ledger.count()).toBe(1);
    } finally {
      other.close();
      await storage.keys.close();
    }
  });

  it('errors that are not outages (a bad cursor) stay what they were', async () => {
    const storage = await openInDir(tempDir());
    const error = await storage.keys.list({ limit: 10, cursor: 'not-a-cursor', includeRevoked: false }).then(() => undefined, (caught: unknown) => caught);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(GatewayError);
    expect(storage.health?.()).toMatchObject({ healthy: true });
    await storage.keys.close();
  });
});
