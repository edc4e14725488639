import { DEFAULT_RESERVATION_TTL_MS, MAX_PAYMENT_ID_LENGTH, type BudgetAccount, type BudgetStore } from '@switchyard/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unique } from './helpers.js';

const window1 = '2029-11-01T00:00:00.000Z';
const window2 = '2029-12-01T00:00:00.000Z';

function account(limitUsd: number, windowStart = window1, owner = `key:${unique('key')}`): BudgetAccount {
  return { owner, windowStart, limitUsd };
}

/** Whole micro-dollars, as the stores count them: totals are compared exactly. */
function micros(usd: number): number {
  return Math.round(usd * 1_000_000);
}

async function reservationId(promise: Promise<Awaited<ReturnType<BudgetStore['reserve']>>>): Promise<string> {
  const result = await promise;
  if (!result.ok) throw new Error(`expected the reservation to succeed, ${result.exhausted} is exhausted`);
  return result.reservationId;
}

/**
 * The suite every BudgetStore implementation passes. `open` is called before each
 * test (the suite calls `migrate()`); every test uses its own owners.
 *
 * Contract beyond the interface's comments: `exhausted` is the `owner` of the first
 * account that could not take the amount; amounts are exact to a micro-dollar
 * (0.1 + 0.2 fits a limit of 0.3); settling an unknown or already settled
 * reservation does nothing. Leases: a reservation lives until its lease expires
 * unless its holder renews it; `releaseExpired(now)` gives the amounts of expired
 * ones back without spending anything (the suite passes a future `now` instead of
 * waiting); settling a released reservation later still spends what it is settled to
 * (never holding anything again), however much later, once (a store keeps up to
 * `MAX_RELEASED_RESERVATIONS` released ones; the suite stays far below that).
 */
export function testBudgetStore(name: string, open: () => Promise<BudgetStore>): void {
  describe(`BudgetStore conformance: ${name}`, () => {
    let store: BudgetStore;

    /** The store's settlePart; the suite's own stores all have it. */
    function settlePartOf(of: BudgetStore): NonNullable<BudgetStore['settlePart']> {
      if (!of.settlePart) throw new Error(`${name} has no settlePart`);
      return of.settlePart.bind(of);
    }

    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    it('migrate() can run again on a migrated store', async () => {
      await store.migrate();
      const a = account(1);
      await reservationId(store.reserve([a], 0.5));
    });

    it('reserves within the limit; spend counts only once settled', async () => {
      const a = account(1);
      expect(await store.spent(a.owner, a.windowStart)).toBe(0);
      const result = await store.reserve([a], 0.4);
      expect(result).toEqual({ ok: true, reservationId: expect.any(String) });
      expect(await store.spent(a.owner, a.windowStart)).toBe(0);
      await store.settle((result as { reservationId: string }).reservationId, 0.3);
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(0.3, 9);
    });

    it('gives every reservation its own id', async () => {
      const a = account(100);
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) ids.add(await reservationId(store.reserve([a], 1)));
      expect(ids.size).toBe(20);
    });

    it('refuses when spent + reserved + amount > limit, naming the exhausted account', async () => {
      const a = account(1);
      const first = await reservationId(store.reserve([a], 0.6));
      expect(await store.reserve([a], 0.6)).toEqual({ ok: false, exhausted: a.owner });
      await store.settle(first, 0.6);
      expect(await store.reserve([a], 0.6)).toEqual({ ok: false, exhausted: a.owner });
      await reservationId(store.reserve([a], 0.4));
      expect(await store.reserve([a], 0.000001)).toEqual({ ok: false, exhausted: a.owner });
    });

    it('refuses an amount above the limit on a fresh account', async () => {
      const a = account(0.5);
      expect(await store.reserve([a], 0.500001)).toEqual({ ok: false, exhausted: a.owner });
      await reservationId(store.reserve([a], 0.5));
    });

    it('a limit past the largest exact amount of micro-dollars (a team budget of 1e13 or 1e300 USD) holds every amount', async () => {
      for (const limitUsd of [1e13, 1e300, Number.MAX_VALUE]) {
        const a = account(limitUsd);
        const held = await reservationId(store.reserve([a], 1000));
        expect(micros(await store.reserved(a.owner, a.windowStart))).toBe(1_000_000_000);
        await store.settle(held, 2.5);
        expect(micros(await store.spent(a.owner, a.windowStart))).toBe(2_500_000);
        expect(await store.reserved(a.owner, a.windowStart)).toBe(0);
      }
    });

    it('counts to the micro-dollar without drift: 0.1 + 0.2 fits 0.3 exactly', async () => {
      const a = account(0.3);
      const r1 = await reservationId(store.reserve([a], 0.1));
      const r2 = await reservationId(store.reserve([a], 0.2));
      expect(await store.reserve([a], 0.000001)).toEqual({ ok: false, exhausted: a.owner });
      await store.settle(r1, 0.1);
      await store.settle(r2, 0.2);
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(0.3, 9);
      expect(await store.reserve([a], 0.000001)).toEqual({ ok: false, exhausted: a.owner });

      const b = account(1);
      for (let i = 0; i < 10; i++) await store.settle(await reservationId(store.reserve([b], 0.1)), 0.1);
      expect(await store.spent(b.owner, b.windowStart)).toBeCloseTo(1, 9);
      expect(await store.reserve([b], 0.000001)).toEqual({ ok: false, exhausted: b.owner });
    });

    it('reserves on several accounts all or nothing', async () => {
      const key = account(10);
      const team = account(1, window1, `team:${unique('team')}`);
      const project = account(10, window1, `project:${unique('project')}`);
      expect(await store.reserve([key, team, project], 2)).toEqual({ ok: false, exhausted: team.owner });
      // Nothing was held on the accounts that had room.
      await reservationId(store.reserve([key], 10));
      await reservationId(store.reserve([project], 10));

      const k2 = account(5);
      const t2 = account(5, window1, `team:${unique('team')}`);
      const both = await reservationId(store.reserve([k2, t2], 3));
      expect(await store.reserve([t2], 2.5)).toEqual({ ok: false, exhausted: t2.owner });
      expect(await store.reserve([k2], 2.5)).toEqual({ ok: false, exhausted: k2.owner });
      await store.settle(both, 1);
      expect(await store.spent(k2.owner, window1)).toBeCloseTo(1, 9);
      expect(await store.spent(t2.owner, window1)).toBeCloseTo(1, 9);
      await reservationId(store.reserve([k2, t2], 4));
    });

    it('settling lower than reserved releases the rest', async () => {
      const a = account(1);
      const r = await reservationId(store.reserve([a], 1));
      expect(await store.reserve([a], 0.1)).toEqual({ ok: false, exhausted: a.owner });
      await store.settle(r, 0.4);
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(0.4, 9);
      await reservationId(store.reserve([a], 0.6));
      expect(await store.reserve([a], 0.000001)).toEqual({ ok: false, exhausted: a.owner });
    });

    it('settling higher than reserved counts the real cost', async () => {
      const a = account(1);
      const r = await reservationId(store.reserve([a], 0.5));
      await store.settle(r, 0.8);
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(0.8, 9);
      expect(await store.reserve([a], 0.3)).toEqual({ ok: false, exhausted: a.owner });
      await reservationId(store.reserve([a], 0.2));
    });

    it('settling to zero releases everything; settling twice or an unknown id does nothing', async () => {
      const a = account(1);
      const r = await reservationId(store.reserve([a], 1));
      await store.settle(r, 0);
      expect(await store.spent(a.owner, a.windowStart)).toBe(0);
      const r2 = await reservationId(store.reserve([a], 0.5));
      await store.settle(r2, 0.5);
      await store.settle(r2, 0.5);
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(0.5, 9);
      await store.settle('res_doesnotexist', 1);
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(0.5, 9);
      await reservationId(store.reserve([a], 0.5));
    });

    it('keeps separate windows of one owner independent', async () => {
      const owner = `team:${unique('team')}`;
      const nov = account(1, window1, owner);
      const dec = account(1, window2, owner);
      await store.settle(await reservationId(store.reserve([nov], 1)), 1);
      expect(await store.reserve([nov], 0.01)).toEqual({ ok: false, exhausted: owner });
      const r = await reservationId(store.reserve([dec], 0.7));
      await store.settle(r, 0.25);
      expect(await store.spent(owner, window1)).toBeCloseTo(1, 9);
      expect(await store.spent(owner, window2)).toBeCloseTo(0.25, 9);
      expect(await store.spent(owner, '2030-01-01T00:00:00.000Z')).toBe(0);
    });

    it('follows a changed limit: the limit is the one passed with each reservation', async () => {
      const owner = `key:${unique('key')}`;
      await store.settle(await reservationId(store.reserve([account(10, window1, owner)], 3)), 3);
      expect(await store.reserve([account(3.5, window1, owner)], 1)).toEqual({ ok: false, exhausted: owner });
      await reservationId(store.reserve([account(4, window1, owner)], 1));
    });

    it('under concurrency, exactly as many reservations succeed as fit the limit', async () => {
      const fits = 37;
      const amount = 0.013;
      const a = account(Number((fits * amount).toFixed(6)));
      const results = await Promise.all(Array.from({ length: 200 }, () => store.reserve([a], amount)));
      const ok = results.filter((r) => r.ok);
      expect(ok).toHaveLength(fits);
      expect(new Set(ok.map((r) => (r as { reservationId: string }).reservationId)).size).toBe(fits);
      for (const r of results.filter((r) => !r.ok)) expect(r).toEqual({ ok: false, exhausted: a.owner });

      await Promise.all(ok.map((r) => store.settle((r as { reservationId: string }).reservationId, amount)));
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(fits * amount, 6);
    });

    it('under concurrency across several accounts, the tightest one decides', async () => {
      // Each key can take 10 reservations of 0.1; the team caps all of them at 25.
      const team = account(2.5, window1, `team:${unique('team')}`);
      const keys = Array.from({ length: 4 }, () => account(1));
      const calls = Array.from({ length: 200 }, (_, i) => store.reserve([keys[i % 4]!, team], 0.1));
      const results = await Promise.all(calls);
      expect(results.filter((r) => r.ok)).toHaveLength(25);
      for (const r of results.filter((r) => !r.ok)) expect([team.owner, ...keys.map((k) => k.owner)]).toContain((r as { exhausted: string }).exhausted);
    });
    it('reserved() shows what open reservations hold, and settling takes it back', async () => {
      const a = account(1);
      expect(await store.reserved(a.owner, a.windowStart)).toBe(0);
      const r1 = await reservationId(store.reserve([a], 0.25));
      const r2 = await reservationId(store.reserve([a], 0.125));
      expect(await store.reserved(a.owner, a.windowStart)).toBeCloseTo(0.375, 9);
      await store.settle(r1, 0.1);
      expect(await store.reserved(a.owner, a.windowStart)).toBeCloseTo(0.125, 9);
      await store.settle(r2, 0.1);
      expect(await store.reserved(a.owner, a.windowStart)).toBe(0);
    });

    it('releases a reservation whose lease expired: its amount stops holding and nothing is spent', async () => {
      const a = account(1);
      const team = account(1, window1, `team:${unique('team')}`);
      const holder = unique('gateway');
      await reservationId(store.reserve([a, team], 0.75, { holder, ttlMs: 1_000 }));
      expect(await store.reserve([a], 0.5)).toEqual({ ok: false, exhausted: a.owner });
      // Not yet expired: a sweep leaves it alone.
      await store.releaseExpired(new Date(Date.now() - 1_000));
      expect(await store.reserved(a.owner, a.windowStart)).toBeCloseTo(0.75, 9);

      expect(await store.releaseExpired(new Date(Date.now() + 2_000))).toBeGreaterThanOrEqual(1);
      expect(await store.reserved(a.owner, a.windowStart)).toBe(0);
      expect(await store.reserved(team.owner, team.windowStart)).toBe(0);
      expect(await store.spent(a.owner, a.windowStart)).toBe(0);
      await reservationId(store.reserve([a, team], 1));
      // Released once: a later sweep finds nothing more, and the holder can no longer renew it.
      expect(await store.releaseExpired(new Date(Date.now() + 2_000))).toBe(0);
      expect(await store.renewLeases(holder, 60_000)).toBe(0);
      expect(await store.reserved(a.owner, a.windowStart)).toBeCloseTo(1, 9);
    });

    it('a reservation settled after its lease expired still spends (its holder was cut off, not dead): the call was made', async () => {
      const a = account(1);
      const team = account(5, window1, `team:${unique('team')}`);
      const holder = unique('gateway');
      const late = await reservationId(store.reserve([a, team], 0.75, { holder, ttlMs: 1_000 }));
      await store.releaseExpired(new Date(Date.now() + 2_000));
      const other = await reservationId(store.reserve([a], 0.25));
      await store.settle(late, 0.625);
      for (const owner of [a, team]) expect(micros(await store.spent(owner.owner, window1))).toBe(625_000);
      // What was given back is not taken again: only the other reservation holds.
      expect(micros(await store.reserved(a.owner, window1))).toBe(250_000);
      expect(await store.reserved(team.owner, window1)).toBe(0);
      // Counted once; and spending past the limit this way is kept (the money was spent upstream).
      await store.settle(late, 0.625);
      await store.settlePart?.(late, 0.5, 0);
      expect(micros(await store.spent(a.owner, window1))).toBe(625_000);
      await store.settle(other, 0.5);
      expect(micros(await store.spent(a.owner, window1))).toBe(1_125_000);
      expect(await store.reserve([a], 0.000001)).toEqual({ ok: false, exhausted: a.owner });
    });

    it('a reservation released days before its late settle still spends, once; so do the late payments into a grant', async () => {
      const a = account(1);
      const team = account(5, window1, `team:${unique('team')}`);
      const b = account(1);
      const holder = unique('gateway');
      const late = await reservationId(store.reserve([a, team], 0.5, { holder, ttlMs: 1_000 }));
      const grant = await reservationId(store.reserve([b], 0.5, { holder, ttlMs: 1_000 }));
      const releasedAt = Date.now() + 2_000;
      expect(await store.releaseExpired(new Date(releasedAt))).toBeGreaterThanOrEqual(2);
      // The other instances sweep every period for days, while this holder is cut off from the store.
      for (const hours of [1, 25, 49, 24 * 7]) await store.releaseExpired(new Date(releasedAt + hours * 3_600_000));
      await store.settle(late, 0.25);
      for (const owner of [a, team]) expect(micros(await store.spent(owner.owner, window1))).toBe(250_000);
      await settlePartOf(store)(grant, 0.125, 0, 'pay_1');
      await settlePartOf(store)(grant, 0.125, 0, 'pay_1');
      await store.settle(grant, 0.0625);
      expect(micros(await store.spent(b.owner, window1))).toBe(187_500);
      // Settled once: settling again, or a sweep after, changes nothing; nothing is held again.
      await store.settle(late, 0.25);
      await store.settle(grant, 0.0625);
      await store.releaseExpired(new Date(releasedAt + 24 * 8 * 3_600_000));
      expect(micros(await store.spent(a.owner, window1))).toBe(250_000);
      expect(micros(await store.spent(b.owner, window1))).toBe(187_500);
      for (const owner of [a, team, b]) expect(await store.reserved(owner.owner, window1)).toBe(0);
    });

    it("renewLeases keeps a live holder's reservations; another holder's expire", async () => {
      const a = account(10);
      const alive = unique('gateway');
      const dead = unique('gateway');
      const kept = await reservationId(store.reserve([a], 1, { holder: alive, ttlMs: 1_000 }));
      await reservationId(store.reserve([a], 2, { holder: alive, ttlMs: 1_000 }));
      await reservationId(store.reserve([a], 4, { holder: dead, ttlMs: 1_000 }));
      expect(await store.renewLeases(alive, 60_000)).toBe(2);
      expect(await store.renewLeases(unique('gateway'), 60_000)).toBe(0);

      await store.releaseExpired(new Date(Date.now() + 30_000));
      expect(await store.reserved(a.owner, a.windowStart)).toBeCloseTo(3, 9);
      await store.settle(kept, 0.5);
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(0.5, 9);
      await store.releaseExpired(new Date(Date.now() + 120_000));
      expect(await store.reserved(a.owner, a.windowStart)).toBe(0);
      expect(await store.spent(a.owner, a.windowStart)).toBeCloseTo(0.5, 9);
    });

    it('a reservation made without a lease expires after the default lifetime and cannot be renewed', async () => {
      const a = account(1);
      await reservationId(store.reserve([a], 0.5));
      expect(await store.renewLeases('', 3_600_000)).toBe(0);
      await store.releaseExpired(new Date(Date.now() + DEFAULT_RESERVATION_TTL_MS - 60_000));
      expect(await store.reserved(a.owner, a.windowStart)).toBeCloseTo(0.5, 9);
      await store.releaseExpired(new Date(Date.now() + DEFAULT_RESERVATION_TTL_MS + 60_000));
      expect(await store.reserved(a.owner, a.windowStart)).toBe(0);
    });

    describe('settlePart (optional: a store without it gets no budget grants)', () => {
      const settlePart = () => settlePartOf(store);

      it('spends part of a reservation and keeps the rest held', async () => {
        const a = account(1);
        const team = account(2, window1, `team:${unique('team')}`);
        const grant = await reservationId(store.reserve([a, team], 0.6));
        await settlePart()(grant, 0.15, 0);
        await settlePart()(grant, 0.05, 0);
        for (const owner of [a, team]) {
          expect(await store.spent(owner.owner, window1)).toBeCloseTo(0.2, 9);
          expect(await store.reserved(owner.owner, window1)).toBeCloseTo(0.4, 9);
        }
        // spent 0.2 + held 0.4: 0.4 more fits the key's limit, a micro-dollar beyond does not.
        expect(await store.reserve([a], 0.400001)).toEqual({ ok: false, exhausted: a.owner });
        await store.settle(grant, 0.1);
        expect(await store.spent(a.owner, window1)).toBeCloseTo(0.3, 9);
        expect(await store.reserved(a.owner, window1)).toBe(0);
        await reservationId(store.reserve([a], 0.7));
      });

      it('releases part of a hold without spending; a part larger than what is left takes only what is left', async () => {
        const a = account(1);
        const grant = await reservationId(store.reserve([a], 0.5));
        await settlePart()(grant, 0, 0.2);
        expect(await store.reserved(a.owner, window1)).toBeCloseTo(0.3, 9);
        expect(await store.spent(a.owner, window1)).toBe(0);
        // A model that ran over: all of it is spent, the hold goes to zero and not below.
        await settlePart()(grant, 0.45, 0);
        expect(await store.spent(a.owner, window1)).toBeCloseTo(0.45, 9);
        expect(await store.reserved(a.owner, window1)).toBe(0);
        await settlePart()(grant, 0, 1);
        expect(await store.reserved(a.owner, window1)).toBe(0);
        await store.settle(grant, 0);
        expect(await store.spent(a.owner, window1)).toBeCloseTo(0.45, 9);
      });

      it('does nothing to an unknown or ended reservation', async () => {
        const a = account(1);
        const grant = await reservationId(store.reserve([a], 0.5));
        await store.settle(grant, 0.1);
        await settlePart()(grant, 0.2, 0.1);
        await settlePart()('res_doesnotexist', 0.2, 0);
        expect(await store.spent(a.owner, window1)).toBeCloseTo(0.1, 9);
        expect(await store.reserved(a.owner, window1)).toBe(0);
      });

      it('a grant that expires gives back only what it still held: its paid parts stay spent', async () => {
        const a = account(1);
        const holder = unique('gateway');
        const grant = await reservationId(store.reserve([a], 0.5, { holder, ttlMs: 1_000 }));
        await settlePart()(grant, 0.125, 0);
        await store.releaseExpired(new Date(Date.now() + 2_000));
        expect(await store.spent(a.owner, window1)).toBeCloseTo(0.125, 9);
        expect(await store.reserved(a.owner, window1)).toBe(0);
      });

      it('a grant that expired still takes its late payments, each payment id once; what it gives back is already back', async () => {
        const a = account(1);
        const team = account(5, window1, `team:${unique('team')}`);
        const holder = unique('gateway');
        const grant = await reservationId(store.reserve([a, team], 0.5, { holder, ttlMs: 1_000 }));
        await settlePart()(grant, 0.125, 0, 'pay_1');
        await store.releaseExpired(new Date(Date.now() + 2_000));
        await settlePart()(grant, 0.125, 0, 'pay_1');
        await settlePart()(grant, 0.25, 0, 'pay_2');
        await settlePart()(grant, 0.25, 0, 'pay_2');
        await settlePart()(grant, 0.0625, 0);
        await settlePart()(grant, 0, 0.5);
        for (const owner of [a, team]) {
          expect(micros(await store.spent(owner.owner, window1))).toBe(437_500);
          expect(await store.reserved(owner.owner, window1)).toBe(0);
        }
        await store.settle(grant, 0.0625);
        await settlePart()(grant, 0.25, 0, 'pay_3');
        await store.settle(grant, 0.0625);
        expect(micros(await store.spent(a.owner, window1))).toBe(500_000);
      });

      it('under concurrency, parts add up to the micro-dollar', async () => {
        const a = account(10);
        const grant = await reservationId(store.reserve([a], 5));
        await Promise.all(Array.from({ length: 100 }, (_, i) => settlePart()(grant, (i % 7) * 0.000013, 0)));
        let expected = 0;
        for (let i = 0; i < 100; i++) expected += (i % 7) * 13;
        expect(Math.round((await store.spent(a.owner, window1)) * 1e6)).toBe(expected);
        expect(Math.round((await store.reserved(a.owner, window1)) * 1e6)).toBe(5_000_000 - expected);
      });

      it('a payment sent again with the same id counts once; one without an id counts every time', async () => {
        const a = account(1);
        const grant = await reservationId(store.reserve([a], 0.5));
        // A payment whose outcome the caller could not know, sent again as it was.
        await settlePart()(grant, 0.1, 0, 'pay_1');
        await settlePart()(grant, 0.1, 0, 'pay_1');
        await settlePart()(grant, 0.05, 0.1, 'pay_2');
        await settlePart()(grant, 0.05, 0.1, 'pay_2');
        await settlePart()(grant, 0.1, 0, 'pay_1');
        expect(micros(await store.spent(a.owner, window1))).toBe(150_000);
        expect(micros(await store.reserved(a.owner, window1))).toBe(250_000);
        // Without an id, as before ids: each call is a payment of its own.
        await settlePart()(grant, 0.01, 0);
        await settlePart()(grant, 0.01, 0);
        expect(micros(await store.spent(a.owner, window1))).toBe(170_000);
        await store.settle(grant, 0);
        expect(micros(await store.spent(a.owner, window1))).toBe(170_000);
        expect(await store.reserved(a.owner, window1)).toBe(0);
      });

      it('payment ids belong to their reservation: the same id in another one counts, and a payment into an ended one does nothing', async () => {
        const a = account(1);
        const first = await reservationId(store.reserve([a], 0.25));
        const second = await reservationId(store.reserve([a], 0.25));
        await settlePart()(first, 0.01, 0, 'pay_1');
        await settlePart()(second, 0.02, 0, 'pay_1');
        expect(micros(await store.spent(a.owner, window1))).toBe(30_000);
        await store.settle(first, 0);
        await settlePart()(first, 0.01, 0, 'pay_1');
        await settlePart()(first, 0.01, 0, 'pay_2');
        expect(micros(await store.spent(a.owner, window1))).toBe(30_000);
        expect(micros(await store.reserved(a.owner, window1))).toBe(230_000);
      });

      it('the same payment sent many times at once counts once', async () => {
        const a = account(10);
        const grant = await reservationId(store.reserve([a], 5));
        await Promise.all(Array.from({ length: 20 }, (_, i) => settlePart()(grant, 0.000123, 0, `pay_${i % 2}`)));
        expect(micros(await store.spent(a.owner, window1))).toBe(246);
        expect(micros(await store.reserved(a.owner, window1))).toBe(5_000_000 - 246);
      });

      it('refuses a payment id that is not a short, non-empty string, and changes nothing', async () => {
        const a = account(1);
        const grant = await reservationId(store.reserve([a], 0.5));
        for (const paymentId of ['', 'p'.repeat(MAX_PAYMENT_ID_LENGTH + 1), 42, null]) {
          await expect(settlePart()(grant, 0.1, 0, paymentId as string)).rejects.toThrow();
        }
        await settlePart()(grant, 0.1, 0, 'p'.repeat(MAX_PAYMENT_ID_LENGTH));
        expect(micros(await store.spent(a.owner, window1))).toBe(100_000);
        expect(micros(await store.reserved(a.owner, window1))).toBe(400_000);
      });

      it('refuses a negative or non-finite amount and changes nothing', async () => {
        const a = account(1);
        const grant = await reservationId(store.reserve([a], 0.5));
        for (const [actual, released] of [[-0.1, 0], [0, -0.1], [Number.NaN, 0], [0, Number.POSITIVE_INFINITY], [1e309, 0]] as const) {
          await expect(settlePart()(grant, actual, released)).rejects.toThrow();
        }
        expect(await store.reserved(a.owner, window1)).toBeCloseTo(0.5, 9);
        expect(await store.spent(a.owner, window1)).toBe(0);
      });
    });

    it('refuses a lease that is not a finite, positive lifetime', async () => {
      const a = account(1);
      for (const ttlMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e309]) {
        await expect(store.reserve([a], 0.1, { holder: 'gateway', ttlMs })).rejects.toThrow();
      }
      expect(await store.reserved(a.owner, a.windowStart)).toBe(0);
    });
  });
}
