import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PostgresBudgetStore, runMigrations } from '../src/index.js';
import { tablesIn } from '../src/sql.js';
import { LossyPool } from './lossy-pool.js';
import { dropSchemas, findPostgres, freshSchemaName, silentLogger } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

/**
 * A COMMIT that ran but whose reply was lost (a query timeout, a dropped connection):
 * the caller hears an outage and cannot know the call counted. A payment (settlePart)
 * sent again with its id counts once; a reservation is released by the id drawn
 * before the call, even when its COMMIT lands after the caller gave up. Every total
 * is read back from the tables, in micro-dollars.
 */
describe.skipIf(!target.available)('postgres budgets when the reply to a COMMIT is lost', () => {
  const schema = freshSchemaName();
  const tables = tablesIn(schema);
  const window = '2029-11-01T00:00:00.000Z';
  const lease = { holder: 'gw-lost-replies', ttlMs: 60_000 };
  let admin: pg.Client;
  let lossy: LossyPool;
  let budgets: PostgresBudgetStore;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
    lossy = new LossyPool(url);
    await runMigrations(lossy.pool, tables, schema);
    budgets = new PostgresBudgetStore(lossy.asPool(), tables, silentLogger, async () => undefined, () => lossy.end());
  });

  afterAll(async () => {
    await budgets?.close();
    await admin?.end();
    await dropSchemas(url, [schema]);
  });

  async function account(owner: string): Promise<{ spent: number; reserved: number }> {
    const { rows } = await admin.query(`SELECT spent_micros, reserved_micros FROM ${tables.budgetAccounts} WHERE owner = $1`, [owner]);
    return { spent: Number(rows[0]?.spent_micros), reserved: Number(rows[0]?.reserved_micros) };
  }

  /** Reservations that hold the owner's budget (a release's placeholder holds none). */
  async function reservationRows(owner: string): Promise<number> {
    const { rows } = await admin.query(`SELECT COUNT(*)::int AS n FROM ${tables.budgetReservations} WHERE $1 = ANY(owners)`, [owner]);
    return rows[0].n as number;
  }

  async function reserve(owner: string, usd: number): Promise<string> {
    const result = await budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], usd, lease);
    if (!result.ok) throw new Error(`refused: ${result.exhausted}`);
    return result.reservationId;
  }

  it('a payment whose commit reply was lost, sent again with its id, counts once', async () => {
    const owner = 'key:lost-payment-reply';
    const reservationId = await reserve(owner, 1);
    lossy.loseNextCommitReply();
    await expect(budgets.settlePart(reservationId, 0.123456, 0.1, 'pay_1')).rejects.toThrow('Query read timeout');
    expect(await account(owner)).toEqual({ spent: 123_456, reserved: 1_000_000 - 223_456 });
    // The caller sends it again, not knowing it counted.
    await budgets.settlePart(reservationId, 0.123456, 0.1, 'pay_1');
    await budgets.settlePart(reservationId, 0.000001, 0, 'pay_2');
    expect(await account(owner)).toEqual({ spent: 123_457, reserved: 1_000_000 - 223_457 });
    // The ids go with the reservation.
    await budgets.settle(reservationId, 0);
    expect(await account(owner)).toEqual({ spent: 123_457, reserved: 0 });
    const { rows } = await admin.query(`SELECT COUNT(*)::int AS n FROM ${tables.budgetPayments} WHERE reservation_id = $1`, [reservationId]);
    expect(rows[0].n).toBe(0);
  });

  it('a reservation whose commit reply was lost is released by its id: nothing stays held under a lease this process renews', async () => {
    const owner = 'key:lost-reserve-reply';
    lossy.loseNextCommitReply();
    await expect(budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 0.75, lease)).rejects.toThrow('Query read timeout');
    await vi.waitFor(() => expect(budgets.uncertain.size).toBe(0));
    expect(await account(owner)).toEqual({ spent: 0, reserved: 0 });
    expect(await reservationRows(owner)).toBe(0);
    expect(await budgets.renewLeases(lease.holder, 60_000)).toBe(0);
  });

  it('one whose COMMIT lands after its caller gave up is released too: the release waits for it', async () => {
    const owner = 'key:late-reserve-commit';
    lossy.loseNextCommitReply({ commitAfterMs: 300 });
    await expect(budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 0.5, lease)).rejects.toThrow('Query read timeout');
    await vi.waitFor(() => expect(budgets.uncertain.size).toBe(0), { timeout: 5_000 });
    await lossy.lateCommitsDone();
    expect(await account(owner)).toEqual({ spent: 0, reserved: 0 });
    expect(await reservationRows(owner)).toBe(0);
    expect(await budgets.renewLeases(lease.holder, 60_000)).toBe(0);
  });

  it('a release the database refuses is tried again, with backoff, until it is done', async () => {
    const owner = 'key:refused-release';
    lossy.loseNextCommitReply({ thenRefuse: 3 });
    await expect(budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 0.25, lease)).rejects.toThrow('Query read timeout');
    expect(await account(owner)).toEqual({ spent: 0, reserved: 250_000 });
    // 100 + 200 + 400 ms of backoff, then the fourth try is let in.
    await vi.waitFor(() => expect(budgets.uncertain.size).toBe(0), { timeout: 5_000 });
    expect(await account(owner)).toEqual({ spent: 0, reserved: 0 });
    expect(await reservationRows(owner)).toBe(0);
  });

  it('a reserve that failed before its COMMIT rolled back: there is nothing to release', async () => {
    const owner = 'key:refused-reserve';
    lossy.refuseConnections(1);
    await expect(budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 0.1, lease)).rejects.toThrow('ECONNREFUSED');
    expect(budgets.uncertain.size).toBe(0);
    expect(await budgets.reserved(owner, window)).toBe(0);
  });
});
