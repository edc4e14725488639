import { execFileSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from './support/run-cli.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { chat, createKey, health } from './support/store-fault-calls.js';

/**
 * The SQLite file as an operator meets it mid-run: corrupted under the gateway, deleted,
 * moved away and back, replaced by another database. What a client and `/health` see.
 */
let closeAfter: TestGateway | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  const closing = closeAfter;
  closeAfter = undefined;
  // A test that closed its gateway itself leaves nothing to close.
  await closing?.close().catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** `thread`: the SQLite connection in its worker thread (the default) or on the event loop. */
async function start(thread: 'worker' | 'main' = 'worker'): Promise<{ gateway: TestGateway; file: string }> {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-sqlite-file-'));
  const gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'sqlite', thread }, server: { data_dir: dataDir }, usage: { flush_interval_ms: 20 } });
  closeAfter = gateway;
  return { gateway, file: path.join(dataDir, 'switchyard.db') };
}

function usageIds(file: string): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT id FROM usage').all() as Array<{ id: string }>).map((row) => row.id);
  } finally {
    db.close();
  }
}

/** Every page after the first (the schema's) overwritten, the WAL emptied into the file first. */
function corruptPagesAfterTheFirst(file: string): void {
  const other = new Database(file);
  other.pragma('wal_checkpoint(TRUNCATE)');
  other.close();
  const fd = openSync(file, 'r+');
  try {
    const size = fstatSync(fd).size;
    writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
  } finally {
    closeSync(fd);
  }
}

const waitFor = <T>(check: () => Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 25 });

// Both modes notice the file gone or replaced before each run of calls (SqliteFileConnection).
for (const thread of ['worker', 'main'] as const) {
  describe(`a SQLite database file that goes bad while the gateway runs (storage.thread: ${thread})`, () => {
    it('corrupted: a key lookup is 503 store_unavailable, /health degraded naming SQLITE_CORRUPT, usage records held, never a 500', async () => {
      const { gateway, file } = await start(thread);
      const used = await createKey(gateway.origin);
      const unseen = await createKey(gateway.origin);
      expect((await chat(gateway.origin, used)).status).toBe(200);
      await waitFor(async () => expect((await health(gateway.origin)).checks.usage.written).toBe(1));

      corruptPagesAfterTheFirst(file);

      const refused = await chat(gateway.origin, unseen);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
      // The master key needs no lookup: answered, its record held while the ledger cannot take it.
      expect((await chat(gateway.origin, masterKey)).status).toBe(200);
      const seen = await waitFor(async () => {
        const now = await health(gateway.origin);
        expect(now.checks.usage.failed_writes).toBeGreaterThanOrEqual(3);
        return now;
      });
      expect(seen.status).toBe('degraded');
      expect(seen.checks.storage).toMatchObject({ healthy: false, last_error: expect.stringContaining('SQLITE_CORRUPT') });
      // An outage, not a bad record: nothing set aside as refused, the record still held.
      expect(seen.checks.usage).toMatchObject({ refused: 0, pending: 1 });
      expect(gateway.logLines.join('\n')).not.toContain('"status":500');
      // At shutdown the record still not written is said, with the count (exit 1 from `switchyard start`).
      closeAfter = undefined;
      await expect(gateway.close()).rejects.toThrow(/^1 usage record was not written to the ledger/);
    });

    it('deleted: /health degraded, records held; put back, the gateway takes it up again and writes them', async () => {
      const { gateway, file } = await start(thread);
      const key = await createKey(gateway.origin);
      expect((await chat(gateway.origin, key)).status).toBe(200);
      await waitFor(async () => expect((await health(gateway.origin)).checks.usage.written).toBe(1));

      const aside = `${file}.aside`;
      renameSync(file, aside);
      const answered = await chat(gateway.origin, masterKey);
      expect(answered.status).toBe(200);
      const seen = await waitFor(async () => {
        const now = await health(gateway.origin);
        expect(now.checks.storage.healthy).toBe(false);
        return now;
      });
      expect(seen.status).toBe('degraded');
      expect(seen.checks.storage.last_error).toMatch(/deleted or moved/);
      expect(seen.checks.usage.pending).toBe(1);
      expect(seen.checks.usage.written).toBe(1);

      renameSync(aside, file);
      await waitFor(async () => {
        const now = await health(gateway.origin);
        expect(now.status).toBe('ok');
        expect(now.checks.usage).toMatchObject({ pending: 0, written: 2 });
      });
      expect(usageIds(file)).toContain(answered.headers.get('x-request-id'));
      // The key made before the move is still known: the file put back is the one in use.
      expect((await chat(gateway.origin, key)).status).toBe(200);
    });

    it('deleted for good: no empty database is made in its place while the gateway runs', async () => {
      const { gateway, file } = await start(thread);
      await createKey(gateway.origin);
      unlinkSync(file);
      expect((await chat(gateway.origin, masterKey)).status).toBe(200);
      await waitFor(async () => expect((await health(gateway.origin)).checks.storage.healthy).toBe(false));
      const refused = await fetch(`${gateway.origin}/admin/keys`, { headers: { authorization: `Bearer ${masterKey}` } });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
      expect(() => usageIds(file)).toThrow();
      closeAfter = undefined;
      await expect(gateway.close()).rejects.toThrow(/^1 usage record was not written to the ledger/);
    });

    it('its folder replaced by a file: taken for a file gone, 503 store_unavailable, the gateway still up', async () => {
      const { gateway, file } = await start(thread);
      await createKey(gateway.origin);
      const folder = path.dirname(file);
      renameSync(folder, `${folder}.aside`);
      await writeFile(folder, 'not a folder');
      const refused = await fetch(`${gateway.origin}/admin/keys`, { headers: { authorization: `Bearer ${masterKey}` } });
      expect(refused.status).toBe(503);
      expect((await health(gateway.origin)).checks.storage.last_error).toMatch(/deleted or moved/);
      await rm(folder);
      renameSync(`${folder}.aside`, folder);
      expect((await fetch(`${gateway.origin}/admin/keys`, { headers: { authorization: `Bearer ${masterKey}` } })).status).toBe(200);
    });

    it('replaced by another database (a backup renamed over it): the gateway writes to the file now at the path', async () => {
      const { gateway, file } = await start(thread);
      const key = await createKey(gateway.origin);
      expect((await chat(gateway.origin, key)).status).toBe(200);
      await waitFor(async () => expect((await health(gateway.origin)).checks.usage.written).toBe(1));

      const copy = `${file}.restored`;
      const other = new Database(file);
      other.exec(`VACUUM INTO '${copy}'`);
      other.close();
      // Made after the backup: the database put in place does not know it.
      const madeSince = await createKey(gateway.origin);
      renameSync(copy, file);

      expect((await chat(gateway.origin, madeSince)).status).toBe(401);
      const answered = await chat(gateway.origin, key);
      expect(answered.status).toBe(200);
      await waitFor(async () => expect(usageIds(file)).toContain(answered.headers.get('x-request-id')));
      expect((await health(gateway.origin)).status).toBe('ok');
    });
  });
}

describe('a SQLite database file that cannot be used at start', () => {
  it('a file that is not a database at start: one line naming SQLITE_NOTADB, exit 1, no stack trace', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-sqlite-file-'));
    await mkdir(path.join(dataDir, '.switchyard'));
    // Four pages of something else: a file under one page SQLite takes for an empty database.
    await writeFile(path.join(dataDir, '.switchyard', 'switchyard.db'), Buffer.alloc(16_384, 0xa5));
    await writeFile(path.join(dataDir, 'switchyard.config.yaml'), 'providers:\n  mock: {}\nstorage:\n  use: sqlite\n');
    const { code, stderr } = await runCli(['start', '--port', '0'], { cwd: dataDir, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(code).toBe(1);
    const file = path.join(dataDir, '.switchyard', 'switchyard.db');
    expect(stderr.trim().split('\n')).toEqual([`switchyard: could not start: the storage refused: SQLITE_NOTADB: file is not a database (${file})`]);
  }, 30_000);

  it('a database path that is a folder: one line naming it, exit 2 (refused before SQLite is asked, as validate refuses it)', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-sqlite-file-'));
    const file = path.join(dataDir, '.switchyard', 'switchyard.db');
    await mkdir(file, { recursive: true });
    await writeFile(path.join(dataDir, 'switchyard.config.yaml'), 'providers:\n  mock: {}\nstorage:\n  use: sqlite\n');
    const { code, stderr } = await runCli(['start', '--port', '0'], { cwd: dataDir, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([`switchyard: storage.path ${file} is a folder, not a database file`]);
  }, 30_000);
});

/** A 1 MiB tmpfs to fill up: only root may mount one, so elsewhere the test is skipped. */
function mountTinyDisk(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Writes zeros until the disk says it is full. */
function fillDisk(file: string): void {
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

describe('a SQLite database on a disk that fills up while the gateway runs', () => {
  it('model calls answered, records held and /health degraded with SQLITE_FULL, a key write 503; space freed, every record written', async (context) => {
    const disk = await mkdtemp(path.join(tmpdir(), 'switchyard-sqlite-full-'));
    if (!mountTinyDisk(disk)) {
      await rm(disk, { recursive: true, force: true });
      context.skip('mounting a tmpfs needs root');
    }
    try {
      const gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'sqlite' }, server: { data_dir: disk }, usage: { flush_interval_ms: 20 } });
      try {
        const key = await createKey(gateway.origin);
        expect((await chat(gateway.origin, key)).status).toBe(200);
        await waitFor(async () => expect((await health(gateway.origin)).checks.usage.written).toBe(1));

        fillDisk(path.join(disk, 'filler'));
        const answered = await Promise.all([1, 2, 3].map(() => chat(gateway.origin, key)));
        expect(answered.map((answer) => answer.status)).toEqual([200, 200, 200]);
        const seen = await waitFor(async () => {
          const now = await health(gateway.origin);
          expect(now.checks.storage.healthy).toBe(false);
          return now;
        });
        expect(seen.status).toBe('degraded');
        expect(seen.checks.storage.last_error).toMatch(/^SQLITE_FULL/);
        expect(seen.checks.usage).toMatchObject({ pending: 3, refused: 0, written: 1 });
        const refused = await fetch(`${gateway.origin}/admin/keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'no-room' }),
        });
        expect(refused.status).toBe(503);
        expect(refused.headers.get('retry-after')).toBe('1');

        unlinkSync(path.join(disk, 'filler'));
        await waitFor(async () => expect((await health(gateway.origin)).checks.usage).toMatchObject({ pending: 0, written: 4 }));
        const recorded = usageIds(path.join(disk, 'switchyard.db'));
        for (const answer of answered) expect(recorded).toContain(answer.headers.get('x-request-id'));
        expect((await health(gateway.origin)).status).toBe('ok');
      } finally {
        await gateway.close();
      }
    } finally {
      execFileSync('umount', [disk]);
      await rm(disk, { recursive: true, force: true });
    }
  });
});
