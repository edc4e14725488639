import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestRecord } from '@switchyard/core';
import { findPostgres, freshSchemaName, startTcpRelay, type TcpRelay } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetedChatSender, expectBudgetAgreesWithLedger } from './support/budgeted-traffic.js';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

const postgres = await findPostgres();

describe.skipIf(!postgres.available)('budgeted requests while PostgreSQL connections are reset and then blackholed', () => {
  const url = postgres.available ? postgres.url : '';
  const schema = freshSchemaName();
  let relay: TcpRelay;
  let gateway: TestGateway;
  const records: RequestRecord[] = [];

  beforeAll(async () => {
    const target = new URL(url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    gateway = await startTestGateway({
      providers: { mock: { use: 'mock', chunk_delay_ms: 2 } },
      prices: { 'mock/echo': { input: 3.3, output: 7.7 } },
      storage: { use: 'postgres', url: relay.urlFor(url), schema, pool_size: 4, connect_timeout_ms: 500, query_timeout_ms: 1000, statement_timeout_ms: 800, retry_after_seconds: 1 },
      usage: { flush_interval_ms: 20, max_batch: 16 },
      chain: ['auth', { 'key-scope': { budget_grants: { pay_within_ms: 20, idle_ms: 200 } } }, 'route', 'adapter'],
    });
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
  });
  afterAll(async () => {
    await relay?.setMode('pass');
    await gateway?.close();
    await relay?.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('once it is back, spend equals the ledger, nothing is held, and every keyed request has one record', async () => {
    const key = await createBudgetedKey(gateway, 100, 'postgres-resets');
    const send = budgetedChatSender(gateway, key.secret);
    expect(await send(1000)).toBe(200);

    const statuses: Array<Promise<number>> = [];
    let resets = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 30; i++) statuses.push(send(round * 30 + i));
      // Reset every connection while reservations, payments and ledger batches are on the wire.
      await once(relay, 'traffic');
      resets += relay.resetAll();
    }
    // Then the database goes silent for a while, with requests still coming.
    await relay.setMode('blackhole');
    for (let i = 0; i < 10; i++) statuses.push(send(100 + i));
    await sleep(1500);
    await relay.setMode('pass');
    const answered = await Promise.all(statuses);
    expect(resets).toBeGreaterThan(0);
    expect(answered.every((status) => status === 200 || status === 503)).toBe(true);

    await expectBudgetAgreesWithLedger(gateway, key.id, records, 30_000);
  });
});
