import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startCli } from './support/run-cli.js';

const masterKey = 'sy-master-money-sigterm-0123456789abcdef';

async function waitForInFlight(port: number, count: number): Promise<void> {
  for (;;) {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    if (Number(/^switchyard_requests_in_flight (\d+)$/m.exec(metrics)?.[1]) >= count) return;
  }
}

describe('SIGTERM with budgeted streams in flight', () => {
  it('every stream is recorded once, the budget is paid what the ledger records, and no reservation is left held', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'switchyard-money-sigterm-'));
    // Records reach the ledger only through the shutdown flush, and a grant's payments wait to be sent together.
    await writeFile(
      path.join(cwd, 'switchyard.config.yaml'),
      [
        'providers:',
        '  mock:',
        '    chunk_delay_ms: 60',
        'storage:',
        '  use: sqlite',
        'usage:',
        '  flush_interval_ms: 60000',
        'chain:',
        '  - auth',
        '  - key-scope: { budget_grants: { pay_within_ms: 1000, idle_ms: 60000 } }',
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

      const streams = Array.from({ length: 20 }, (_, i) =>
        fetch(`${origin}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock/echo', stream: true, max_tokens: 200, messages: [{ role: 'user', content: `stream ${i}: ${'several words to echo back '.repeat(3)}` }] }),
        }).then(async (response) => ({ status: response.status, text: await response.text() })),
      );
      await waitForInFlight(Number(new URL(origin).port), 20);
      gateway.child.kill('SIGTERM');
      const answers = await Promise.all(streams);
      expect(await gateway.exited).toBe(0);
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      expect(answers.every((answer) => answer.text.includes('data: [DONE]'))).toBe(true);

      const database = new Database(path.join(cwd, '.switchyard', 'switchyard.db'), { readonly: true });
      try {
        const ledger = database.prepare('SELECT count(*) AS records, TOTAL(cost_usd) AS cost, MIN(output_tokens) AS leastOutput FROM usage WHERE key_id = ?').get(key.id) as {
          records: number;
          cost: number;
          leastOutput: number;
        };
        expect(ledger.records).toBe(20);
        expect(ledger.leastOutput).toBeGreaterThan(0);
        expect(ledger.cost).toBeGreaterThan(0);
        const account = database.prepare('SELECT spent_micros AS spent, reserved_micros AS reserved FROM budget_accounts WHERE owner = ?').get(`key:${key.id}`) as {
          spent: number;
          reserved: number;
        };
        expect(account.reserved).toBe(0);
        // Spend is paid in whole micro-dollars; what is under one may be carried, and lost with the process.
        expect(Math.abs(account.spent - ledger.cost * 1e6)).toBeLessThan(1);
        expect((database.prepare('SELECT count(*) AS held FROM budget_reservations').get() as { held: number }).held).toBe(0);
      } finally {
        database.close();
      }
    } finally {
      if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    }
  });
});
