import { request, type ClientRequest } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type StorageSet } from '@switchyard/core';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import postgres from '@switchyard/store-postgres';
import { openSqliteStorage } from '@switchyard/store-sqlite';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from './support/run-cli.js';

const masterKey = 'sy-master-leases-0123456789abcdef';
const leaseMs = 2000;
const epoch = new Date(0).toISOString();
const postgresTarget = await findPostgres();

/** A store both gateways use, with the same store opened in the test to look at it. */
interface StoreUnderTest {
  yaml: string;
  open(cwd: string): Promise<StorageSet>;
  cleanUp(): Promise<void>;
}

function sqliteStore(): StoreUnderTest {
  return {
    yaml: 'storage:\n  use: sqlite',
    open: async (cwd) => openSqliteStorage({ file: path.join(cwd, 'data', 'switchyard.db') }),
    cleanUp: async () => undefined,
  };
}

function postgresStore(url: string): StoreUnderTest {
  const schema = freshSchemaName();
  return {
    yaml: `storage:\n  use: postgres\n  url: ${url}\n  schema: ${schema}`,
    open: (cwd) => postgres({ url, schema }).open({ dataDir: cwd, logger: createLogger({ level: 'silent' }) }),
    async cleanUp() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

function portOf(gateway: RunningCli): number {
  return Number(/127\.0\.0\.1:(\d+)/.exec(gateway.stdout())![1]);
}

/** Resolves when the child writes `text` to stdout (checked on every write, no polling). */
function outputContaining(gateway: RunningCli, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      gateway.child.stdout.off('data', check);
      reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${gateway.stdout().slice(-2000)}`));
    }, timeoutMs);
    const check = () => {
      if (!gateway.stdout().includes(text)) return;
      clearTimeout(timer);
      gateway.child.stdout.off('data', check);
      resolve();
    };
    gateway.child.stdout.on('data', check);
    check();
  });
}

/** Starts a slow stream and resolves once its headers arrived: its budget is held by then. */
function startSlowStream(port: number, secret: string): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = request(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
      res.resume();
      resolve(req);
    });
    req.on('error', () => undefined); // the gateway is killed under it
    req.end(
      JSON.stringify({
        model: 'mock/echo',
        stream: true,
        max_tokens: 200,
        messages: [{ role: 'user', content: 'a slow answer, please '.repeat(50) }],
        provider_options: { mock: { chunk_delay_ms: 1000 } },
      }),
    );
  });
}

const stores: Array<[string, () => StoreUnderTest, boolean]> = [
  ['sqlite', sqliteStore, true],
  ['postgres', () => postgresStore((postgresTarget as { url: string }).url), postgresTarget.available],
];

describe.each(stores)('budget reservations of a gateway killed with SIGKILL (%s)', (name, makeStore, available) => {
  it.skipIf(!available)('are released within the lease after a restart', async () => {
    const store = makeStore();
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-leases-'));
    await writeFile(
      path.join(cwd, 'switchyard.config.yaml'),
      [
        'server:\n  data_dir: data',
        'providers:\n  mock: {}',
        store.yaml,
        `chain:\n  - auth\n  - key-scope:\n      reservation_lease_ms: ${leaseMs}\n  - route\n  - adapter`,
        '',
      ].join('\n'),
    );
    const env = { SWITCHYARD_MASTER_KEY: masterKey };
    let storage: StorageSet | undefined;
    let first: RunningCli | undefined;
    let second: RunningCli | undefined;
    const streams: ClientRequest[] = [];
    try {
      first = await startCli(['--port', '0'], { cwd, env });
      const created = await fetch(`http://127.0.0.1:${portOf(first)}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'crash', scope: { budget: { limit_usd: 10, period: 'total' } } }),
      });
      const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
      const owner = `key:${key.id}`;

      streams.push(...(await Promise.all(Array.from({ length: 12 }, () => startSlowStream(portOf(first!), secret)))));
      storage = await store.open(cwd);
      await storage.budgets.migrate();
      const held = await storage.budgets.reserved(owner, epoch);
      expect(held).toBeGreaterThan(0);

      first.child.kill('SIGKILL');
      await first.exited;
      const killed = performance.now();
      expect(await storage.budgets.reserved(owner, epoch)).toBe(held); // nobody settled them

      second = await startCli(['--port', '0'], { cwd, env });
      const restarted = performance.now();
      // The restarted gateway sweeps at start and every lease/3: the dead leases run out within one lease.
      await outputContaining(second, 'released budget reservations whose lease expired', leaseMs * 3 + 5000);
      const releasedAfterMs = performance.now() - restarted;
      expect(await storage.budgets.reserved(owner, epoch)).toBe(0);
      expect(await storage.budgets.spent(owner, epoch)).toBe(0);
      console.info(
        `${name}: SIGKILL with 12 streams holding $${held.toFixed(6)}: released ${Math.round(performance.now() - killed)} ms after the kill, ` +
          `${Math.round(releasedAfterMs)} ms after the restart was listening (lease ${leaseMs} ms, sweep at start and every ${Math.floor(leaseMs / 3)} ms)`,
      );
      expect(releasedAfterMs).toBeLessThanOrEqual(leaseMs + leaseMs / 3 + 1000);
    } finally {
      for (const stream of streams) stream.destroy();
      for (const gateway of [first, second]) if (gateway && gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
      await Promise.all([first?.exited, second?.exited]);
      await storage?.budgets.close();
      await store.cleanUp();
    }
  }, 60_000);
});
