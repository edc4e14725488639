import type { RequestRecord } from '@switchyard/core';
import { findPostgres, freshSchemaName, startTcpRelay, type TcpRelay } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetedChatSender } from './support/budgeted-traffic.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const postgres = await findPostgres();

/**
 * PostgreSQL's connections dropped (a proxy or NAT cutting idle connections without a word,
 * a reset the pool has not read yet) before the gateway stops: the budget grants' last
 * settlements and the usage recorder's last flush were made on the pool's dead idle
 * connections, failed, and `close()` threw (`switchyard start` exited 1) with the records
 * unwritten, although the database answered a new connection.
 */
describe.skipIf(!postgres.available)('PostgreSQL connections dropped just before the gateway stops', () => {
  const url = postgres.available ? postgres.url : '';
  const schema = freshSchemaName();
  let relay: TcpRelay;
  let gateway: TestGateway | undefined;
  let admin: pg.Client;

  beforeAll(async () => {
    const target = new URL(url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await gateway?.close().catch(() => undefined);
    await relay?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin?.end();
  });

  it('the last flush, the first write after the drop, writes every usage record: close() resolves', async () => {
    gateway = await startTestGateway({
      providers: { mock: { use: 'mock' } },
      storage: { use: 'postgres', url: relay.urlFor(url), schema, pool_size: 4, connect_timeout_ms: 1000, query_timeout_ms: 3000 },
      usage: { flush_interval_ms: 600_000, max_batch: 1000 },
    });
    const records: RequestRecord[] = [];
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    const created = await fetch(`${gateway.origin}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'no-budget', scope: {} }),
    });
    expect(created.status).toBe(201);
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string };
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => budgetedChatSender(gateway!, secret)(i)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(gateway.gateway.runtime.usageStats()?.pending).toBe(8);

    expect(relay.forgetAll()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = gateway;
    gateway = undefined;
    await stopping.close();

    const { rows } = await admin.query<{ id: string }>(`SELECT id FROM "${schema}".usage WHERE key_id = $1`, [key.id]);
    expect(rows.map((row) => row.id).sort()).toEqual(records.map((record) => record.id).sort());
  });

  it('the last flush writes every usage record and the last settlements spend what the ledger says', async () => {
    gateway = await startTestGateway({
      providers: { mock: { use: 'mock' } },
      prices: { 'mock/echo': { input: 3.3, output: 7.7 } },
      storage: { use: 'postgres', url: relay.urlFor(url), schema, pool_size: 4, connect_timeout_ms: 1000, query_timeout_ms: 3000 },
      // Nothing is written or settled before the stop: the records wait for the last flush, the grant's settlement for its end.
      usage: { flush_interval_ms: 600_000, max_batch: 1000 },
      chain: ['auth', { 'key-scope': { budget_grants: { pay_within_ms: 1000, idle_ms: 600_000 } } }, 'route', 'adapter'],
    });
    const records: RequestRecord[] = [];
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    const key = await createBudgetedKey(gateway, 100, 'reset-at-shutdown');
    const send = budgetedChatSender(gateway, key.secret);
    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => send(i)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(records.filter((record) => record.keyId === key.id)).toHaveLength(12);
    expect(gateway.gateway.runtime.usageStats()?.pending).toBe(12);

    // A proxy drops every connection without a word: the pool learns it only when it next sends, at the stop.
    expect(relay.forgetAll()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = gateway;
    gateway = undefined;
    await stopping.close();

    const { rows: ledger } = await admin.query<{ id: string; cost_usd: string }>(`SELECT id, cost_usd FROM "${schema}".usage WHERE key_id = $1`, [key.id]);
    expect(ledger.map((row) => row.id).sort()).toEqual(records.map((record) => record.id).sort());
    const costMicros = records.reduce((sum, record) => sum + record.costUsd, 0) * 1e6;
    const { rows: accounts } = await admin.query<{ spent_micros: string; reserved_micros: string }>(
      `SELECT spent_micros, reserved_micros FROM "${schema}".budget_accounts WHERE owner = $1`,
      [`key:${key.id}`],
    );
    expect(Number(accounts[0]?.reserved_micros)).toBe(0);
    expect(Math.abs(Number(accounts[0]?.spent_micros) - costMicros)).toBeLessThan(1);
  });
});
