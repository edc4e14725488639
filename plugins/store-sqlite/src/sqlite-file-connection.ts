import { SqliteHandle, type SqliteConnectionSettings } from './database.js';
import { hostedSqliteStores, type HostedSqliteSettings } from './hosted-sqlite-stores.js';
import type { SqliteLog } from './sqlite-worker-messages.js';

/** What one open of the file gave: its connection and the stores on it, or why it could not be opened. */
export interface SqliteOpening {
  handle: SqliteHandle | undefined;
  /** The hosted stores by name (none when the open failed). */
  stores: ReadonlyMap<string, Record<string, unknown>>;
  /** Why the file could not be opened: every call answers with it until an open succeeds. */
  error?: unknown;
}

export interface SqliteFileConnectionOptions {
  file: string;
  connection: SqliteConnectionSettings;
  settings: HostedSqliteSettings;
  log: SqliteLog;
  /** A connection before this one opened the file: open only a file that is there. */
  mustExist: boolean;
}

/**
 * The SQLite file and the stores on it, kept to the file at its path: both modes (the worker
 * thread, the event loop) call {@link beforeRun} before each run of calls. A file deleted,
 * moved away or replaced under the open connection would take every write from then on, unseen
 * by anyone (lost at the next start); it is noticed there, and the file now at the path, if any,
 * opened in its place. A file that could not be opened is tried again on each later run (not the
 * first after the failed open, which answers with its error rather than waiting twice).
 */
export class SqliteFileConnection {
  opening: SqliteOpening;
  /** Set once the file went from its path mid-run: only a file put back there is opened again. */
  private mustExist: boolean;
  private reopen = false;
  private closed = false;

  constructor(private readonly options: SqliteFileConnectionOptions) {
    this.mustExist = options.mustExist;
    this.opening = this.open();
  }

  /** Leaves a file that moved and tries again to open one that could not be: a stat, nothing more, when all is well. */
  beforeRun(): void {
    if (this.closed) return;
    const { handle } = this.opening;
    if (handle) this.leaveIfMoved(handle);
    if (!this.opening.handle && this.reopen) this.opening = this.open();
    this.reopen = !this.opening.handle;
  }

  close(): void {
    this.closed = true;
    this.opening.handle?.close();
  }

  private open(): SqliteOpening {
    const { file, connection, settings, log } = this.options;
    let handle: SqliteHandle;
    try {
      handle = new SqliteHandle(
        file,
        connection,
        (applied) => log('info', { store: 'sqlite', file, migrations: applied.map((m) => `${m.version}-${m.name}`) }, 'applied database migrations'),
        this.mustExist,
      );
    } catch (error) {
      return { handle: undefined, stores: new Map(), error };
    }
    const stores = new Map<string, Record<string, unknown>>();
    for (const [name, create] of Object.entries(hostedSqliteStores)) stores.set(name, create(handle, settings, log) as unknown as Record<string, unknown>);
    return { handle, stores };
  }

  private leaveIfMoved(current: SqliteHandle): void {
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
    this.options.log(
      'error',
      { store: 'sqlite', file: this.options.file, ...(walLeft !== undefined && { walNotEmptied: walLeft }) },
      where === 'gone'
        ? 'the database file was deleted or moved away while the gateway ran: calls answer 503 store_unavailable and usage records are held until it is put back'
        : 'the database file was replaced while the gateway ran: the file now at its path is used',
    );
    try {
      current.close();
    } catch {
      // A connection that cannot close cleanly is dropped all the same.
    }
    this.mustExist = true;
    this.opening = this.open();
  }
}
