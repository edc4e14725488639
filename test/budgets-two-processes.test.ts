import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PriceCatalog } from '@switchyard/core';
import { findPostgres, freshSchemaName } from '@switchyard/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startCli } from './support/run-cli.js';

const masterKey = 'sy-master-two-processes-0123456789';
const postgres = await findPostgres();

describe.skipIf(!postgres.available)('budgets across two gateway processes sharing PostgreSQL', () => {
  it('200 concurrent requests (100 per process) against a $1 budget spend at most $1 plus one request', async () => {
    const url = (postgres as { url: string }).url;
    const schema = freshSchemaName();
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-pg-'));
    await writeFile(
      path.join(cwd, 'switchyard.config.yaml'),
      `providers:\n  mock: {}\nstorage:\n  use: postgres\n  url: ${url}\n  schema: ${schema}\nusage:\n  flush_interval_ms: 100\n`,
    );
    const env = { SWITCHYARD_MASTER_KEY: masterKey };
    const first = await startCli(['--port', '0'], { cwd, env });
    const second = await startCli(['--port', '0'], { cwd, env });
    const ports = [first, second].map((gateway) => Number(/127\.0\.0\.1:(\d+)/.exec(gateway.stdout())![1]));
    try {
      const created = await fetch(`http://127.0.0.1:${ports[0]}/admin/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'shared-budget', scope: { budget: { limit_usd: 1, period: 'total' } } }),
      });
      const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
      const content = 'y'.repeat(40_000); // ~10,000 prompt tokens: about $0.01 a call at the mock's demo price
      const send = (port: number) =>
        fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}` },
          body: JSON.stringify({ model: 'mock/echo', max_tokens: 50, messages: [{ role: 'user', content }] }),
        }).then(async (response) => {
          await response.arrayBuffer();
          return response.status;
        });
      const statuses = await Promise.all(Array.from({ length: 200 }, (_, index) => send(ports[index % 2]!)));
      const served = statuses.filter((status) => status === 200).length;
      const refused = statuses.filter((status) => status === 429).length;
      expect(served + refused).toBe(200);

      for (const gateway of [first, second]) gateway.child.kill('SIGTERM');
      await Promise.all([first.exited, second.exited]);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ cost: string; records: string }>(
          `SELECT coalesce(sum(cost_usd), 0) AS cost, count(*) AS records FROM "${schema}".usage WHERE key_id = $1`,
          [key.id],
        );
        const spent = Number(rows[0]!.cost);
        const bound = 1 + new PriceCatalog().maxCost('mock', 'echo', 10_100, 50).costUsd;
        console.info(`two processes, budget $1: ${served} served, ${refused} refused, spent $${spent.toFixed(6)} (bound $${bound.toFixed(6)})`);
        expect(Number(rows[0]!.records)).toBe(200);
        expect(spent).toBeLessThanOrEqual(bound);
        expect(spent).toBeGreaterThan(0.9);
      } finally {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    } finally {
      for (const gateway of [first, second]) if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    }
  });
});
