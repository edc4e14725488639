import type { RequestRecord } from '@switchyard/core';
import { defineProvider, type ChatResponse } from '@switchyard/core';
import { findPostgres, freshSchemaName, startTcpRelay, type TcpRelay } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createBudgetedKey } from './support/create-budgeted-key.js';
import { startTestGateway, type TestGateway } from './support/start-test-gateway.js';

/**
 * PostgreSQL blackholed (the socket open, no answer) between a request's hold and its
 * settlement: the settlement times out, is tried again until the database answers, and
 * then spends the call's cost once; nothing stays held, and the request has one record.
 */
const postgres = await findPostgres();
const epoch = new Date(0).toISOString();

/** An in-process model that answers only when let: the test cuts the database off while it waits. */
let called: () => void = () => undefined;
let answer: Promise<void> = Promise.resolve();
const gated = defineProvider({
  name: 'gated',
  optionsSchema: { type: 'object' },
  create: () => ({
    chat: {
      complete: async (call) => {
        called();
        await answer;
        return { id: 'answer', model: call.model, created: 0, content: [{ type: 'text', text: 'ok' }], finishReason: { unified: 'stop' }, usage: { inputTokens: 300, outputTokens: 60 } } as ChatResponse;
      },
      stream: () => {
        throw new Error('not used');
      },
    },
  }),
});
// $1 and $2 a million tokens: $0.00042 a call.
const callCost = (300 * 1 + 60 * 2) / 1e6;

describe.skipIf(!postgres.available).each([
  ['grants', {}],
  ['a reservation per request', { requests: 0 }],
] as const)('PostgreSQL blackholed between a hold and its settlement (%s)', (_name, grants) => {
  const url = postgres.available ? postgres.url : '';
  const schema = freshSchemaName();
  let relay: TcpRelay | undefined;
  let gateway: TestGateway | undefined;

  afterAll(async () => {
    await relay?.setMode('pass');
    if (gateway) await gateway.close().catch(() => undefined);
    await relay?.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('the settlement is tried again until the database answers: the cost is spent once, nothing stays held, one record', async () => {
    const target = new URL(url);
    relay = await startTcpRelay({ host: target.hostname, port: Number(target.port || 5432) });
    gateway = await startTestGateway(
      {
        providers: { gated: {} },
        prices: { 'gated/*': { input: 1, output: 2 } },
        storage: { use: 'postgres', url: relay.urlFor(url), schema, pool_size: 4, connect_timeout_ms: 500, query_timeout_ms: 2000, statement_timeout_ms: 1500 },
        // The ledger writes when the gateway closes: while the database is silent, the settlement alone goes to it.
        usage: { flush_interval_ms: 600_000 },
        chain: ['auth', { 'key-scope': { budget_grants: grants } }, 'route', 'adapter'],
      },
      { plugins: [gated] },
    );
    const records: RequestRecord[] = [];
    gateway.gateway.runtime.onRequestFinished((record) => records.push(record));
    const key = await createBudgetedKey(gateway, 1);

    let letAnswer: () => void = () => undefined;
    answer = new Promise((resolve) => (letAnswer = resolve));
    const reached = new Promise<void>((resolve) => (called = resolve));
    const response = fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key.secret}` },
      body: JSON.stringify({ model: 'gated/model', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] }),
    });
    await reached;
    await relay.setMode('blackhole');
    letAnswer();
    const answered = await response;
    expect(answered.status).toBe(200);
    await answered.text();
    await expect.poll(() => records.length).toBe(1);
    // The settlement went to the silent database (its bytes swallowed) and timed out before it is let through again.
    const storage = gateway.gateway.runtime.storage!;
    await expect.poll(() => relay!.swallowed().length).toBeGreaterThan(0);
    await expect.poll(() => storage.health!().healthy, { timeout: 10_000 }).toBe(false);
    await relay.setMode('pass');

    const budgets = gateway.gateway.runtime.storage!.budgets;
    await expect.poll(async () => Math.round((await budgets.spent(`key:${key.id}`, epoch)) * 1e6), { timeout: 15_000 }).toBe(Math.round(callCost * 1e6));
    await expect.poll(() => budgets.reserved(`key:${key.id}`, epoch), { timeout: 15_000 }).toBe(0);
    await gateway.close();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".usage WHERE id = $1`, [records[0]!.id]);
      expect(rows[0]!.n).toBe('1');
      const spent = await admin.query<{ spent_micros: string }>(`SELECT spent_micros FROM "${schema}".budget_accounts WHERE owner = $1`, [`key:${key.id}`]);
      expect(spent.rows.map((row) => Number(row.spent_micros))).toEqual([Math.round(callCost * 1e6)]);
    } finally {
      await admin.end();
    }
  });
});
