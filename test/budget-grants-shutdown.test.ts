import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestRecord } from '@switchyard/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway } from './support/start-test-gateway.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('budget grants when the gateway closes', () => {
  it('every answered request is paid into the budget and no grant is left holding anything', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'switchyard-grants-close-'));
    dirs.push(dataDir);
    // Payments wait up to 200 ms to be sent together: close must send the last ones, not drop them.
    const gateway = await startTestGateway({
      server: { data_dir: dataDir },
      storage: { use: 'sqlite' },
      chain: ['auth', { 'key-scope': { budget_grants: { pay_within_ms: 200, idle_ms: 60_000 } } }, 'route', 'adapter'],
    });
    const records: RequestRecord[] = [];
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'grants-close', scope: { budget: { limit_usd: 50, period: 'total' } } }),
    });
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${gateway.baseURL}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'mock/echo', max_tokens: 100, messages: [{ role: 'user', content: `request ${i}: ${'words '.repeat(i * 20)}` }] }),
        }).then(async (response) => (await response.arrayBuffer(), response.status)),
      ),
    );
    expect(answers).toEqual(Array(40).fill(200));
    await gateway.close();

    const expected = records.filter((record) => record.keyId === key.id).reduce((sum, record) => sum + Math.round(record.costUsd * 1e6), 0);
    expect(expected).toBeGreaterThan(0);
    const database = new Database(path.join(dataDir, 'switchyard.db'), { readonly: true });
    try {
      const account = database.prepare('SELECT spent_micros, reserved_micros FROM budget_accounts WHERE owner = ?').get(`key:${key.id}`) as {
        spent_micros: number;
        reserved_micros: number;
      };
      // Each payment rounds its sum once; the records round each cost: within half a micro-dollar a request.
      expect(Math.abs(account.spent_micros - expected)).toBeLessThanOrEqual(40);
      expect(account.reserved_micros).toBe(0);
      expect(database.prepare('SELECT count(*) AS n FROM budget_reservations').get()).toEqual({ n: 0 });
    } finally {
      database.close();
    }
  });
});
