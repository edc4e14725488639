import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { builtInPlugins } from '@switchyard/cli';
import { createGateway, createLogger } from '@switchyard/core';
import { afterAll, describe, expect, it, vi } from 'vitest';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

function rowsIn(file: string): string[] {
  const database = new Database(file, { readonly: true });
  try {
    return (database.prepare('SELECT id FROM responses ORDER BY id').all() as Array<{ id: string }>).map((row) => row.id);
  } finally {
    database.close();
  }
}

describe('the gateway keeps stored responses in its storage plugin and sweeps the expired ones', () => {
  it('stores through runtime.responses into the SQLite file, deletes expired rows on its sweep, counts them, and stops sweeping on close', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-sweep-'));
    dirs.push(dataDir);
    const gateway = await createGateway(
      { providers: { mock: {} }, storage: { use: 'sqlite' }, server: { data_dir: dataDir } },
      { plugins: builtInPlugins, logger: createLogger({ level: 'silent' }), responseSweepIntervalMs: 20 },
    );
    const file = path.join(dataDir, 'switchyard.db');
    const now = Date.now();
    const base = { ownerKeyId: 'key_sweep', response: {}, inputItems: [], conversationItems: [], createdAt: new Date(now - 10_000) };
    await gateway.runtime.responses.put({ ...base, id: 'resp_expired', expiresAt: new Date(now - 1000) });
    await gateway.runtime.responses.put({ ...base, id: 'resp_live', expiresAt: new Date(now + 3_600_000) });
    expect(await gateway.runtime.responses.get('key_sweep', 'resp_live')).toMatchObject({ id: 'resp_live' });

    await vi.waitFor(() => expect(rowsIn(file)).toEqual(['resp_live']), { timeout: 5000, interval: 20 });
    const metrics = await gateway.runtime.metrics.registry.metrics();
    expect(metrics).toMatch(/^switchyard_responses_swept_total 1$/m);

    await gateway.close({ drainTimeoutMs: 100 });
    // Closed: the store is closed with it, and no sweep touches it afterwards (it would throw and be counted).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await gateway.runtime.metrics.registry.metrics()).not.toMatch(/switchyard_response_store_failures_total\{/);
  });
});
