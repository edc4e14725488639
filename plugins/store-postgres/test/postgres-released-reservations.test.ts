import { createLogger } from '@switchyard/core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBudgetStore, runMigrations } from '../src/index.js';
import { tablesIn } from '../src/sql.js';
import { dropSchemas, findPostgres, freshSchemaName } from './postgres-target.js';

const target = await findPostgres();
const url = target.available ? target.url : '';

/**
 * Released reservations are kept until settled, however late (a settle a day after the
 * sweep was lost before), and at most `maxReleased` of them: past it the sweep forgets
 * the oldest released and says how many. The clock moves by the `now` each sweep is given.
 */
describe.skipIf(!target.available)('postgres: released budget reservations kept for a late settle, up to a count', () => {
  const schema = freshSchemaName();
  const tables = tablesIn(schema);
  const window = '2029-11-01T00:00:00.000Z';
  const lease = { holder: 'gw-released', ttlMs: 1_000 };
  const warnings: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'warn', destination: { write: (line: string) => void warnings.push(JSON.parse(line)) } });
  let pool: pg.Pool;
  let budgets: PostgresBudgetStore;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: url, max: 2 });
    await runMigrations(pool, tables, schema);
    budgets = new PostgresBudgetStore(pool, tables, logger, async () => undefined, () => pool.end(), 2);
  });

  afterAll(async () => {
    await budgets?.close();
    await dropSchemas(url, [schema]);
  });

  async function reserve(owner: string): Promise<string> {
    const result = await budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 1, lease);
    if (!result.ok) throw new Error(`refused: ${result.exhausted}`);
    return result.reservationId;
  }

  it('keeps a released reservation for weeks; past the count, the oldest released are forgotten and the sweep logs how many', async () => {
    const start = Date.now() + 2_000;
    const first = await reserve('key:released-1');
    await budgets.releaseExpired(new Date(start));
    const second = await reserve('key:released-2');
    await budgets.releaseExpired(new Date(start + 1_000));
    // Two kept (the count): a month of sweeps forgets neither.
    await budgets.releaseExpired(new Date(start + 30 * 86_400_000));
    expect(warnings.filter((w) => w.msg?.toString().startsWith('forgot'))).toEqual([]);
    const third = await reserve('key:released-3');
    await budgets.releaseExpired(new Date(start + 31 * 86_400_000));
    expect(warnings.find((w) => w.msg?.toString().startsWith('forgot'))).toMatchObject({ forgotten: 1, kept: 2 });

    // The first released is gone; the two after it still spend when settled.
    await budgets.settle(first, 0.25);
    await budgets.settle(second, 0.5);
    await budgets.settle(third, 0.75);
    expect(await budgets.spent('key:released-1', window)).toBe(0);
    expect(await budgets.spent('key:released-2', window)).toBe(0.5);
    expect(await budgets.spent('key:released-3', window)).toBe(0.75);
    for (const n of [1, 2, 3]) expect(await budgets.reserved(`key:released-${n}`, window)).toBe(0);
  });

  it("a release's placeholder (a reserve whose COMMIT reply was lost) is gone a day after the sweep released it: it has nothing to settle, and is not kept until the count", async () => {
    const id = 'res_placeholder-of-a-lost-reply';
    budgets.uncertain.add(id);
    await expect.poll(() => rowsWithId(id)).toBe(1);
    await expect.poll(() => budgets.uncertain.size).toBe(0);
    const start = Date.now() + 20 * 60_000;
    await budgets.releaseExpired(new Date(start));
    expect(await rowsWithId(id)).toBe(1);
    await budgets.releaseExpired(new Date(start + 25 * 3_600_000));
    expect(await rowsWithId(id)).toBe(0);
  });

  async function rowsWithId(id: string): Promise<number> {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${tables.budgetReservations} WHERE id = $1`, [id]);
    return rows[0].n as number;
  }
});
