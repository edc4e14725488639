import type { StorageSet, UsageRecord } from '@switchyard/core';
import { startTcpRelay, type TcpRelay } from '@switchyard/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isConnectionLost } from '../src/is-postgres-outage.js';
import { tablesIn, TransactionDeadlineError } from '../src/sql.js';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

/**
 * Every pooled connection reset (a server restart, a proxy cutting idle connections)
 * just before a write: pg-pool hands out an idle connection without knowing it is dead,
 * and the write fails on it although a new connection would work. Each write here is
 * made in the same turn as the reset, as a shutdown's last flush is made right after it.
 */
describe.skipIf(!target.available)('postgres writes on pooled connections that were reset while idle', () => {
  const schema = freshSchemaName();
  const tables = tablesIn(schema);
  const window = '2029-12-01T00:00:00.000Z';
  let relay: TcpRelay;
  let admin: pg.Client;
  let storage: StorageSet | undefined;

  beforeAll(async () => {
    const server = new URL(url);
    relay = await startTcpRelay({ host: server.hostname, port: Number(server.port || 5432) });
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });
  afterEach(async () => {
    await storage?.ledger.close();
    storage = undefined;
  });
  afterAll(async () => {
    await relay?.close();
    await admin?.end();
    await dropSchemas(url, [schema]);
  });

  const record = (id: string): UsageRecord => ({
    id,
    at: '2029-12-01T10:00:00.000Z',
    endpoint: 'chat',
    keyId: 'key_reset',
    team: undefined,
    project: undefined,
    requestedModel: 'mock/echo',
    provider: 'mock',
    model: 'echo',
    stream: false,
    inputTokens: 10,
    outputTokens: 5,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.25,
    latencyMs: 10,
    status: 200,
    errorCode: undefined,
    cacheHit: false,
    attempts: 1,
  });

  /** Storage through the relay with `open` idle pooled connections, each of which has answered a query. */
  async function storageWithIdleConnections(open: number): Promise<StorageSet> {
    const opened = await openStorage(relay.urlFor(url), schema, { pool_size: 4, connect_timeout_ms: 1000, query_timeout_ms: 3000 });
    storage = opened;
    await opened.ledger.migrate();
    await Promise.all(Array.from({ length: open }, () => opened.ledger.count()));
    expect(relay.openConnections()).toBeGreaterThan(0);
    return opened;
  }

  async function ledgerIds(prefix: string): Promise<string[]> {
    const { rows } = await admin.query<{ id: string }>(`SELECT id FROM ${tables.usage} WHERE id LIKE $1 ORDER BY id`, [`${prefix}%`]);
    return rows.map((row) => row.id);
  }

  it('a ledger batch written right after the reset, then close(): every record is in the ledger', async () => {
    const opened = await storageWithIdleConnections(4);
    const batch = ['reset_a1', 'reset_a2', 'reset_a3'].map(record);
    expect(relay.resetAll()).toBeGreaterThan(0);
    await opened.ledger.append(batch);
    await opened.ledger.close();
    storage = undefined;
    expect(await ledgerIds('reset_a')).toEqual(['reset_a1', 'reset_a2', 'reset_a3']);
  });

  it('a ledger batch written after a proxy dropped every connection without a word (the pool cannot know): every record is in', async () => {
    const opened = await storageWithIdleConnections(4);
    expect(relay.forgetAll()).toBeGreaterThan(0);
    // However long it waits, nothing tells the pool: it hears only when it sends.
    await new Promise((resolve) => setTimeout(resolve, 50));
    await opened.ledger.append(['reset_c1', 'reset_c2'].map(record));
    expect(await ledgerIds('reset_c')).toEqual(['reset_c1', 'reset_c2']);
  });

  it('a reservation made right after the reset holds its amount, once', async () => {
    const opened = await storageWithIdleConnections(4);
    const owner = 'key:reset-reserve';
    relay.resetAll();
    const held = await opened.budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 2, { holder: 'gw-reset', ttlMs: 60_000 });
    expect(held.ok).toBe(true);
    const { rows } = await admin.query(`SELECT reserved_micros FROM ${tables.budgetAccounts} WHERE owner = $1`, [owner]);
    expect(rows.map((row) => Number(row.reserved_micros))).toEqual([2_000_000]);
  });

  it('a batch sent again after a reset whose first write did commit counts once (unique by request id)', async () => {
    const opened = await storageWithIdleConnections(2);
    await opened.ledger.append(['reset_b1'].map(record));
    relay.resetAll();
    await opened.ledger.append(['reset_b1', 'reset_b2'].map(record));
    expect(await ledgerIds('reset_b')).toEqual(['reset_b1', 'reset_b2']);
  });

  it('a settle right after the reset is spent, once', async () => {
    const opened = await storageWithIdleConnections(4);
    const owner = 'key:reset-settle';
    const held = await opened.budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 2, { holder: 'gw-reset', ttlMs: 60_000 });
    if (!held.ok) throw new Error(`refused: ${held.exhausted}`);
    relay.resetAll();
    await opened.budgets.settle(held.reservationId, 1.5);
    const { rows } = await admin.query(`SELECT spent_micros, reserved_micros FROM ${tables.budgetAccounts} WHERE owner = $1`, [owner]);
    expect(rows.map((row) => [Number(row.spent_micros), Number(row.reserved_micros)])).toEqual([[1_500_000, 0]]);
  });

  it('a payment with its id right after the reset is counted, once', async () => {
    const opened = await storageWithIdleConnections(4);
    const owner = 'key:reset-payment';
    const held = await opened.budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 2, { holder: 'gw-reset', ttlMs: 60_000 });
    if (!held.ok) throw new Error(`refused: ${held.exhausted}`);
    relay.resetAll();
    await opened.budgets.settlePart!(held.reservationId, 0.5, 0, 'pay_1');
    // The same payment sent again (its first reply lost) changes nothing.
    await opened.budgets.settlePart!(held.reservationId, 0.5, 0, 'pay_1');
    const { rows } = await admin.query(`SELECT spent_micros, reserved_micros FROM ${tables.budgetAccounts} WHERE owner = $1`, [owner]);
    expect(rows.map((row) => [Number(row.spent_micros), Number(row.reserved_micros)])).toEqual([[500_000, 1_500_000]]);
  });

  it('a payment without an id is not sent again after the reset (a first try that committed would count twice): 503, not spent', async () => {
    const opened = await storageWithIdleConnections(4);
    const owner = 'key:reset-payment-no-id';
    const held = await opened.budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 2, { holder: 'gw-reset', ttlMs: 60_000 });
    if (!held.ok) throw new Error(`refused: ${held.exhausted}`);
    relay.resetAll();
    await expect(opened.budgets.settlePart!(held.reservationId, 0.5, 0)).rejects.toMatchObject({ code: 'store_unavailable' });
    const { rows } = await admin.query(`SELECT spent_micros, reserved_micros FROM ${tables.budgetAccounts} WHERE owner = $1`, [owner]);
    expect(rows.map((row) => [Number(row.spent_micros), Number(row.reserved_micros)])).toEqual([[0, 2_000_000]]);
  });

  it('tries again only after a connection proved gone, never after a timeout or a refusal (then the database is the trouble)', () => {
    const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
    for (const lost of [coded('ECONNRESET'), coded('EPIPE'), coded('57P01', 'terminating connection due to administrator command'), new Error('Connection terminated unexpectedly')]) {
      expect(isConnectionLost(lost)).toBe(true);
    }
    for (const other of [coded('ECONNREFUSED'), coded('ETIMEDOUT'), coded('57014', 'canceling statement due to statement timeout'), new Error('Query read timeout'), new TransactionDeadlineError(1000), new Error('timeout expired'), coded('23505', 'duplicate key')]) {
      expect(isConnectionLost(other)).toBe(false);
    }
  });
});
