import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { UncertainReservations } from '../src/uncertain-reservations.js';
import { findPostgres, freshSchemaName, openStorage } from './postgres-target.js';

/**
 * A reservation whose reserve had an unknown outcome, released while the database is one the
 * store answers 503 for though no socket failed: here its role's rights on the tables taken
 * away (42501; a failover's read-only standby, 25006, and a login refused, 28000, are judged
 * alike). Given up as a bug, it stayed held under this process's renewed lease for as long as
 * the process ran: budget no request could spend.
 */
const target = await findPostgres();
const url = target.available ? target.url : '';
const cleanups: Array<(admin: pg.Client) => Promise<unknown>> = [];

async function asAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

afterEach(async () => {
  await asAdmin(async (admin) => {
    for (const cleanup of cleanups.splice(0)) await cleanup(admin);
  });
});

describe.skipIf(!target.available)('a reservation left uncertain, released while the database was changed under the gateway', () => {
  it("its role's rights taken away (42501): kept and tried again, released once they are given back", async () => {
    const schema = freshSchemaName();
    const role = `switchyard_uncertain_${randomBytes(4).toString('hex')}`;
    const database = new URL(url).pathname.slice(1);
    cleanups.push(async (admin) => {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.query(`REVOKE ALL ON DATABASE "${database}" FROM "${role}"`);
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    });
    await asAdmin(async (admin) => {
      await admin.query(`CREATE ROLE "${role}" LOGIN`);
      await admin.query(`GRANT CREATE ON DATABASE "${database}" TO "${role}"`);
    });
    const asRole = new URL(url);
    asRole.username = role;
    const storage = await openStorage(asRole.href, schema);
    try {
      await storage.budgets.migrate();
      const reservation = await storage.budgets.reserve([{ owner: 'team:uncertain', limitUsd: 10, windowStart: '2026-01-01T00:00:00.000Z' }], 1);
      expect(reservation).toMatchObject({ ok: true });
      const reservationId = (reservation as { reservationId: string }).reservationId;
      const held = async () =>
        (await asAdmin((admin) => admin.query(`SELECT 1 FROM "${schema}".budget_reservations WHERE id = $1 AND released_at IS NULL`, [reservationId]))).rowCount;
      expect(await held()).toBe(1);

      await asAdmin((admin) => admin.query(`REVOKE ALL ON ALL TABLES IN SCHEMA "${schema}" FROM "${role}"`));
      // As a reserve whose COMMIT reply was lost leaves it. What its release met is kept to look at.
      const uncertain = (storage.budgets as unknown as { uncertain: UncertainReservations }).uncertain;
      const refusals: string[] = [];
      const judge = uncertain.isOutage;
      uncertain.isOutage = (error) => {
        refusals.push((error as { code?: string }).code ?? String(error));
        return judge(error);
      };
      uncertain.add(reservationId);
      // Until its release was refused, or it was given up (as it was before).
      await vi.waitFor(() => expect(refusals.includes('42501') || uncertain.size === 0).toBe(true), { timeout: 5_000 });
      // Its release refused: still waiting to be released, not given up.
      expect(uncertain.size).toBe(1);
      expect(refusals).toContain('42501');
      expect(await held()).toBe(1);

      await asAdmin((admin) => admin.query(`GRANT ALL ON ALL TABLES IN SCHEMA "${schema}" TO "${role}"`));
      await vi.waitFor(() => expect(uncertain.size).toBe(0), { timeout: 10_000, interval: 50 });
      expect(await held()).toBe(0);
    } finally {
      await storage.budgets.close();
    }
  });
});
