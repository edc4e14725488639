import { createLogger } from '@switchyard/core';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { UncertainReservations } from '../src/uncertain-reservations.js';
import { dropSchemas, findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

/** A database that times out every call until `answer()` (and again after `stop()`), recording each release it took. */
function database() {
  let answering = false;
  const released: string[] = [];
  return {
    released,
    answer: () => (answering = true),
    stop: () => (answering = false),
    release: async (reservationId: string) => {
      if (!answering) throw new Error('Query read timeout');
      released.push(reservationId);
    },
  };
}

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('reservations whose reserve had an unknown outcome', () => {
  it('keep at most maxPending while the database does not answer: the oldest are given up, counted and logged once', async () => {
    const db = database();
    const { logger, lines } = capturingLogger();
    const uncertain = new UncertainReservations(db.release, logger, 100);
    for (let index = 0; index < 250; index++) uncertain.add(`res_${index}`);
    expect(uncertain.size).toBe(100);
    expect(uncertain.dropped).toBe(150);
    const errors = lines.filter((line) => line['level'] === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ maxPending: 100, dropped: 1, reservationId: 'res_0' });

    // Once the database answers, the 100 newest are released, in order, and nothing else.
    db.answer();
    await vi.waitFor(() => expect(uncertain.size).toBe(0), { timeout: 5_000 });
    expect(db.released).toEqual(Array.from({ length: 100 }, (_, index) => `res_${150 + index}`));
    await uncertain.close();
  });

  it('logs a new overflow again once the set had room in between', async () => {
    const db = database();
    const { logger, lines } = capturingLogger();
    const uncertain = new UncertainReservations(db.release, logger, 3);
    for (const id of ['a', 'b', 'c', 'd']) uncertain.add(id);
    db.answer();
    await vi.waitFor(() => expect(uncertain.size).toBe(0), { timeout: 5_000 });
    // The database stops answering again: the set fills and overflows a second time.
    db.stop();
    for (const id of ['e', 'f', 'g', 'h', 'i']) uncertain.add(id);
    expect(uncertain.dropped).toBe(3);
    expect(uncertain.size).toBe(3);
    expect(lines.filter((line) => line['level'] === 50).map((line) => line['reservationId'])).toEqual(['a', 'e']);
    await uncertain.close();
  });
});

const target = await findPostgres();

describe.skipIf(!target.available)('the postgres storage on /health', () => {
  const url = target.available ? target.url : '';
  const schema = freshSchemaName();

  afterAll(async () => {
    await dropSchemas(url, [schema]);
  });

  it('shows reservations an outage left to release while there are any, and nothing otherwise', async () => {
    const storage = await openStorage(url, schema);
    try {
      const budgets = storage.budgets as unknown as { uncertain: UncertainReservations };
      expect(storage.health!()).not.toHaveProperty('uncertain_reservations');
      budgets.uncertain.add('res_never_committed');
      expect(storage.health!()).toMatchObject({ healthy: true, uncertain_reservations: { pending: 1, dropped: 0 } });
      // Its release finds nothing to release (it never committed) and the section goes away.
      await vi.waitFor(() => expect(storage.health!()).not.toHaveProperty('uncertain_reservations'), { timeout: 5_000 });
    } finally {
      await storage.budgets.close();
    }
  });
});
