import Database from 'better-sqlite3';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { migrations, type Migration } from './migrations.js';
import { codedError } from './sqlite-worker-messages.js';

type Db = Database.Database;

/** How a connection is set up; the same object reaches the worker thread's connection. */
export interface SqliteConnectionSettings {
  /** How long a write waits for another process's lock. */
  busyTimeoutMs: number;
  /** SQLite's page cache for this connection, in KiB (default `sqliteCacheSizeKb.default`). */
  cacheSizeKb?: number;
}

/**
 * The page cache a connection may have, in KiB. The default is SQLite's own (2 MB).
 * better-sqlite3 builds SQLite with 16 MB instead, which a growing ledger fills: ~20 MB of
 * resident memory, where the gateway's writes only touch the right-hand edge of the
 * ledger's b-trees and a few small budget tables (same CPU per write with 2 MB at a 60 MB
 * file, measured: bench/README.md, "What holds memory").
 */
export const sqliteCacheSizeKb = { default: 2048, min: 64, max: 1_048_576 } as const;

/** The page cache goes into a PRAGMA as text: only a whole number of KiB in range gets there. */
export function checkedCacheSizeKb(kb: number): number {
  if (!Number.isInteger(kb) || kb < sqliteCacheSizeKb.min || kb > sqliteCacheSizeKb.max) {
    throw new RangeError(`cacheSizeKb must be a whole number of KiB from ${sqliteCacheSizeKb.min} to ${sqliteCacheSizeKb.max}, not ${kb}`);
  }
  return kb;
}

/** The code of a database file no longer at its path (deleted, or moved away); an outage (503). */
export const SQLITE_FILE_GONE = 'ERR_SQLITE_FILE_GONE';

/** Said in `/health` and the logs while the file is gone; no path (`/health` is public). */
export function fileGone(): Error {
  return codedError(SQLITE_FILE_GONE, 'the database file was deleted or moved away while the gateway ran; put it back, or restart to start an empty one');
}

/**
 * The one connection the key store, ledger and budgets share. `migrate()` runs the
 * pending migrations once per connection, in a `BEGIN IMMEDIATE` transaction, so
 * the three stores (and several processes on one file) can all call it safely.
 * `close()` closes the connection once, whichever store asks first.
 */
export class SqliteHandle {
  readonly db: Db;
  private migrated = false;
  /** The file opened (device and inode), to notice it deleted or replaced under the connection. */
  private readonly opened: { dev: number; ino: number } | undefined;

  /**
   * `mustExist`: open only a file that is there (once one was deleted mid-run, a new empty
   * database in its place would lose every key without a word).
   */
  constructor(
    readonly file: string,
    connection: SqliteConnectionSettings,
    private readonly onMigrated?: (applied: Migration[]) => void,
    mustExist = false,
  ) {
    if (file !== ':memory:' && mustExist && !existsSync(file)) throw fileGone();
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file, { timeout: connection.busyTimeoutMs });
    try {
      this.opened = file === ':memory:' ? undefined : statSync(file);
      if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
      // WAL with synchronous=NORMAL stays consistent on a crash; only the last
      // commits before a power cut can be lost.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      // Negative: a size in KiB rather than in pages.
      this.db.pragma(`cache_size = -${connection.cacheSizeKb ?? sqliteCacheSizeKb.default}`);
    } catch (error) {
      // Locked past the busy timeout while switching to WAL, say: the connection is not kept (the worker opens another later).
      this.db.close();
      throw error;
    }
  }

  get open(): boolean {
    return this.db.open;
  }

  /**
   * Where the file this connection has open is now: still `here`, `gone` from its path
   * (deleted, moved away), or `replaced` by another file (a backup renamed over it). The
   * connection keeps writing to the file it opened, which nobody will read again.
   */
  whereIsFile(): 'here' | 'gone' | 'replaced' {
    if (!this.opened) return 'here';
    let now;
    try {
      now = statSync(this.file, { throwIfNoEntry: false });
    } catch {
      // Its folder replaced by a file (ENOTDIR), or no longer searchable: not there either.
      return 'gone';
    }
    if (!now) return 'gone';
    return now.ino === this.opened.ino && now.dev === this.opened.dev ? 'here' : 'replaced';
  }

  /** Applies every migration this file has not seen; cheap to call again. */
  migrate(): void {
    if (this.migrated) return;
    const db = this.db;
    const applied: Migration[] = [];
    db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER NOT NULL PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`);
      const done = new Set(
        (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
      );
      const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
        if (done.has(migration.version)) continue;
        db.exec(migration.sql);
        record.run(migration.version, migration.name, new Date().toISOString());
        applied.push(migration);
      }
    }).immediate();
    this.migrated = true;
    if (applied.length > 0) this.onMigrated?.(applied);
  }

  /** Statements are prepared once, after the schema exists. */
  prepare<T>(build: (db: Db) => T): () => T {
    let prepared: T | undefined;
    return () => {
      if (prepared === undefined) {
        this.migrate();
        prepared = build(this.db);
      }
      return prepared;
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
