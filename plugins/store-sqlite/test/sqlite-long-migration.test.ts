import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations, openSqliteStorage } from '../src/index.js';

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

const rows = 200_000;

/** A file as a gateway from before migration 7 left it: schema version 6, a ledger of `rows` records. */
function fileAtVersion6(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-sqlite-upgrade-'));
  tempDirs.push(dir);
  const file = path.join(dir, 'switchyard.db');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    for (const migration of migrations.filter((m) => m.version <= 6).sort((a, b) => a.version - b.version)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, new Date().toISOString());
    }
    db.exec(`
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
      INSERT INTO usage (id, at, at_ms, endpoint, key_id, stream, input_tokens, output_tokens, cached_input_tokens,
        reasoning_tokens, cost_usd, latency_ms, status, cache_hit, attempts)
      SELECT 'req_' || i, '2026-01-01T00:00:00.000Z', 1767225600000 + i, 'chat', 'key_' || (i % 50), 0, 10, 20, 0, 0, 0.001, 5, 200, 0, 1 FROM n`);
  } finally {
    db.close();
  }
  return file;
}

describe('a SQLite file whose migrations take longer than one call may (an upgrade that rebuilds a large ledger)', () => {
  it('migrate() at start is not cut off at call_timeout_ms: it finishes, every record kept', async () => {
    const file = fileAtVersion6();
    // A call timeout far below what copying the ledger takes: before, migrate() failed as an
    // outage (the start's `could not start`), the process left and the migration rolled back,
    // at every start, for any ledger the copy takes longer than call_timeout_ms for.
    const storage = openSqliteStorage({ file, callTimeoutMs: 20 });
    try {
      await storage.keys.migrate();
      await storage.ledger.migrate();
      const db = new Database(file, { readonly: true });
      try {
        expect(db.prepare('SELECT max(version) AS v FROM schema_migrations').get()).toEqual({ v: Math.max(...migrations.map((m) => m.version)) });
        expect(db.prepare('SELECT count(*) AS n FROM usage').get()).toEqual({ n: rows });
      } finally {
        db.close();
      }
    } finally {
      await storage.keys.close();
    }
  });
});
