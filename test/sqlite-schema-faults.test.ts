import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { chat, createKey, health } from './support/store-fault-calls.js';

/**
 * The SQLite database changed under the running gateway by someone else (the sqlite3 shell,
 * a script run against the wrong file): a table dropped. What a client and `/health` see.
 */
let closeAfter: TestGateway | undefined;
let dataDir: string | undefined;

afterEach(async () => {
  const closing = closeAfter;
  closeAfter = undefined;
  await closing?.close().catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

async function start(thread: 'worker' | 'main'): Promise<{ gateway: TestGateway; file: string }> {
  dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-sqlite-schema-'));
  const gateway = await startTestGateway({ providers: { mock: {} }, storage: { use: 'sqlite', thread }, server: { data_dir: dataDir }, usage: { flush_interval_ms: 20 } });
  closeAfter = gateway;
  return { gateway, file: path.join(dataDir, 'switchyard.db') };
}

function onFile(file: string, sql: string): void {
  const other = new Database(file);
  try {
    other.exec(sql);
  } finally {
    other.close();
  }
}

for (const thread of ['worker', 'main'] as const) {
  describe(`a SQLite database changed under the running gateway (storage.thread: ${thread})`, () => {
    it('its key tables dropped: a key lookup is 503 store_unavailable, /health degraded naming the missing table, never a 500', async () => {
      const { gateway, file } = await start(thread);
      const unseen = await createKey(gateway.origin);

      onFile(file, 'PRAGMA foreign_keys = OFF; DROP TABLE key_secrets;');

      const refused = await chat(gateway.origin, unseen);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('store_unavailable');
      const seen = await health(gateway.origin);
      expect(seen.status).toBe('degraded');
      expect(seen.checks.storage).toMatchObject({ healthy: false, last_error: expect.stringMatching(/no such table/) });
      expect(gateway.logLines.join('\n')).not.toContain('"status":500');
    });

    it('its ledger table dropped: usage records held, not set aside, /health degraded', async () => {
      const { gateway, file } = await start(thread);
      onFile(file, 'DROP TABLE usage;');
      expect((await chat(gateway.origin, masterKey)).status).toBe(200);
      const seen = await vi.waitFor(
        async () => {
          const now = await health(gateway.origin);
          expect(now.checks.storage.healthy).toBe(false);
          return now;
        },
        { timeout: 10_000, interval: 25 },
      );
      expect(seen.status).toBe('degraded');
      expect(seen.checks.usage).toMatchObject({ pending: 1, refused: 0 });
    });
  });
}
