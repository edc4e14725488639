import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import { describe, expect, it } from 'vitest';
import { startCli } from './support/run-cli.js';

const masterKey = 'sy-master-money-sigterm-0123456789abcdef';
const postgres = await findPostgres();

/** What the stopped gateway left in its store for one key: its records, and its budget account and open reservations. */
interface Left {
  records: number;
  cost: number;
  leastOutput: number;
  spentMicros: number;
  reservedMicros: number;
  openReservations: number;
}

interface Store {
  yaml: string;
  read(cwd: string, keyId: string): Promise<Left>;
}

function sqliteStore(): Store {
  return {
    yaml: 'storage:\n  use: sqlite',
    async read(cwd, keyId) {
      const database = new Database(path.join(cwd, '.switchyard', 'switchyard.db'), { readonly: true });
      try {
        const ledger = database.prepare('SELECT count(*) AS records, TOTAL(cost_usd) AS cost, MIN(output_tokens) AS leastOutput FROM usage WHERE key_id = ?').get(keyId) as {
          records: number;
          cost: number;
          leastOutput: number;
        };
        const account = database.prepare('SELECT spent_micros AS spent, reserved_micros AS reserved FROM budget_accounts WHERE owner = ?').get(`key:${keyId}`) as {
          spent: number;
          reserved: number;
        };
        const { held } = database.prepare('SELECT count(*) AS held FROM budget_reservations').get() as { held: number };
        return { ...ledger, spentMicros: account.spent, reservedMicros: account.reserved, openReservations: held };
      } finally {
        database.close();
      }
    },
  };
}

function postgresStore(url: string): Store {
  const schema = freshSchemaName();
  return {
    yaml: `storage:\n  use: postgres\n  url: ${url}\n  schema: ${schema}`,
    async read(_cwd, keyId) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const ledger = (
          await client.query(`SELECT count(*)::int AS records, coalesce(sum(cost_usd), 0)::float8 AS cost, min(output_tokens)::int AS "leastOutput" FROM "${schema}".usage WHERE key_id = $1`, [keyId])
        ).rows[0] as { records: number; cost: number; leastOutput: number };
        const account = (
          await client.query(`SELECT spent_micros::float8 AS spent, reserved_micros::float8 AS reserved FROM "${schema}".budget_accounts WHERE owner = $1`, [`key:${keyId}`])
        ).rows[0] as { spent: number; reserved: number };
        const held = (await client.query(`SELECT count(*)::int AS held FROM "${schema}".budget_reservations WHERE amount_micros > 0`)).rows[0] as { held: number };
        return { ...ledger, spentMicros: account.spent, reservedMicros: account.reserved, openReservations: held.held };
      } finally {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    },
  };
}

const stores: Array<[string, () => Store]> = [['sqlite', sqliteStore]];
if (postgres.available) stores.push(['postgres', () => postgresStore(postgres.url)]);
const grantSettings = [
  ['grants whose payments wait 1 s', '{ pay_within_ms: 1000, idle_ms: 60000 }'],
  ['a reservation per request', '{ requests: 0 }'],
] as const;
/**
 * The streams finish within the drain, or are still running at its deadline and cut there
 * (with `shutting_down`). Cut ones were settled after the close hooks had run: the budget
 * grants were closed already, so their payments were lost (spent 0) and a grant's
 * reservation was left held.
 */
const endings = [
  ['finishing within the drain', { shutdownTimeoutMs: 30_000, repeat: 3 }],
  ['cut at the drain deadline', { shutdownTimeoutMs: 300, repeat: 40 }],
] as const;
const cases = stores.flatMap(([store, open]) =>
  grantSettings.flatMap(([grantsName, grants]) => endings.map(([ending, { shutdownTimeoutMs, repeat }]) => ({ store, open, grantsName, grants, ending, shutdownTimeoutMs, repeat }))),
);

describe.each(cases)('SIGTERM with budgeted streams in flight ($store, $grantsName, $ending)', ({ open, grants, ending, shutdownTimeoutMs, repeat }) => {
  it('every stream is recorded once, the budget is paid what the ledger records, and no reservation is left held', async () => {
    const store = open();
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-money-sigterm-'));
    // Records reach the ledger only through the shutdown flush.
    await writeFile(
      path.join(cwd, 'switchyard.config.yaml'),
      [
        'providers:',
        '  mock:',
        '    chunk_delay_ms: 60',
        'server:',
        `  shutdown_timeout_ms: ${shutdownTimeoutMs}`,
        store.yaml,
        'usage:',
        '  flush_interval_ms: 60000',
        'chain:',
        '  - auth',
        `  - key-scope: { budget_grants: ${grants} }`,
        '  - route',
        '  - adapter',
        '',
      ].join('\n'),
    );
    const gateway = await startCli(['--port', '0'], { cwd, env: { SWITCHYARD_MASTER_KEY: masterKey } });
    try {
      const origin = `http://127.0.0.1:${Number(/127\.0\.0\.1:(\d+)/.exec(gateway.stdout())![1])}`;
      const created = await fetch(`${origin}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'sigterm-streams', scope: { budget: { limit_usd: 10, period: 'total' } } }),
      });
      expect(created.status).toBe(201);
      const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };

      // Every stream has begun (its headers came) before the signal: one still waiting for its first
      // byte at the drain deadline is cut before it (503), which a busy machine made happen.
      const streams = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${origin}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'mock/echo', stream: true, max_tokens: 200, messages: [{ role: 'user', content: `stream ${i}: ${'several words to echo back '.repeat(repeat)}` }] }),
          }),
        ),
      );
      gateway.child.kill('SIGTERM');
      const answers = await Promise.all(streams.map(async (response) => ({ status: response.status, text: await response.text() })));
      expect(await gateway.exited).toBe(0);
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      const lastEvent = ending === 'cut at the drain deadline' ? 'shutting_down' : 'data: [DONE]';
      expect(answers.every((answer) => answer.text.includes(lastEvent))).toBe(true);

      const left = await store.read(cwd, key.id);
      expect(left.records).toBe(20);
      expect(left.leastOutput).toBeGreaterThan(0);
      expect(left.cost).toBeGreaterThan(0);
      expect(left.reservedMicros).toBe(0);
      expect(left.openReservations).toBe(0);
      // Spend is paid in whole micro-dollars; what is under one may be carried, and lost with the process.
      expect(Math.abs(left.spentMicros - left.cost * 1e6)).toBeLessThan(1);
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    }
  });
});
