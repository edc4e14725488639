import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteHandle } from '../src/database.js';
import { SqliteBudgetStore } from '../src/sqlite-budget-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-released-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Released reservations are kept until settled, however late (a settle a day after the
 * sweep was lost before), and at most `maxReleased` of them: past it the sweep forgets
 * the oldest released. The clock moves by the `now` each sweep is given.
 */
it('keeps a released reservation for weeks; past the count, the oldest released are forgotten and the sweep says how many', async () => {
  const handle = new SqliteHandle(path.join(dir, 'budgets.db'), { busyTimeoutMs: 1_000 });
  const lines: unknown[][] = [];
  const budgets = new SqliteBudgetStore(handle, 600_000, 2, (...line) => void lines.push(line));
  await budgets.migrate();
  const window = '2029-11-01T00:00:00.000Z';
  const reserve = async (owner: string) => {
    const result = await budgets.reserve([{ owner, windowStart: window, limitUsd: 10 }], 1, { holder: 'gw-released', ttlMs: 1_000 });
    if (!result.ok) throw new Error(`refused: ${result.exhausted}`);
    return result.reservationId;
  };
  try {
    const start = Date.now() + 2_000;
    const first = await reserve('key:released-1');
    await budgets.releaseExpired(new Date(start));
    const second = await reserve('key:released-2');
    await budgets.releaseExpired(new Date(start + 1_000));
    // Two kept (the count): a month of sweeps forgets neither...
    await budgets.releaseExpired(new Date(start + 30 * 86_400_000));
    expect(lines).toEqual([]);
    const third = await reserve('key:released-3');
    // ...a third released makes one too many: the first released goes.
    await budgets.releaseExpired(new Date(start + 31 * 86_400_000));
    expect(lines).toEqual([['warn', { store: 'sqlite', forgotten: 1, kept: 2 }, expect.stringContaining('forgot the oldest released budget reservations')]]);

    await budgets.settle(first, 0.25);
    await budgets.settle(second, 0.5);
    await budgets.settle(third, 0.75);
    expect(await budgets.spent('key:released-1', window)).toBe(0);
    expect(await budgets.spent('key:released-2', window)).toBe(0.5);
    expect(await budgets.spent('key:released-3', window)).toBe(0.75);
    for (const n of [1, 2, 3]) expect(await budgets.reserved(`key:released-${n}`, window)).toBe(0);
  } finally {
    await budgets.close();
  }
});
