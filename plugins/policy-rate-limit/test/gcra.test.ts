import { describe, expect, it } from 'vitest';
import { formatResetDuration, gcraAdjust, gcraDecide, gcraLimit, gcraRemaining, MemoryRateLimitStore } from '../src/index.js';
import { maxRequestsPerMinute } from '../src/rate-limit-options.js';
import { throttled } from '@switchyard/core';

const minute = 60_000;
const start = 1_700_000_000_000;

/** Sends one request (cost 1) to a 30 rpm limit at `at`; answers whether it was admitted. */
function rpm30(store: MemoryRateLimitStore) {
  return async (at: number) => (await store.consume([gcraLimit('k', 30, minute, 1)], at)).allowed;
}

describe('GCRA', () => {
  it('admits exactly rpm requests from cold (burst capacity = rpm), then refuses with the wait until the next slot', async () => {
    const store = new MemoryRateLimitStore();
    const send = rpm30(store);
    let admitted = 0;
    for (let i = 0; i < 60; i++) if (await send(start)) admitted++;
    expect(admitted).toBe(30);
    const refused = await store.consume([gcraLimit('k', 30, minute, 1)], start + 500);
    expect(refused.allowed).toBe(false);
    expect(refused.states[0]!.retryAfterMs).toBeCloseTo(1500, 6);
  });

  it('after the burst admits one request every 2 s at 30 rpm, however hard it is pushed', async () => {
    const store = new MemoryRateLimitStore();
    const send = rpm30(store);
    for (let i = 0; i < 30; i++) await send(start);
    const admittedAt: number[] = [];
    // A request every 100 ms for two minutes.
    for (let t = start + 100; t <= start + 2 * minute; t += 100) if (await send(t)) admittedAt.push(t - start);
    expect(admittedAt).toHaveLength(60);
    expect(admittedAt.slice(0, 3)).toEqual([2000, 4000, 6000]);
    for (let i = 1; i < admittedAt.length; i++) expect(admittedAt[i]! - admittedAt[i - 1]!).toBe(2000);
  });

  it('has no burst at a window edge: 30 just before the minute turns leaves nothing just after it', async () => {
    const store = new MemoryRateLimitStore();
    const send = rpm30(store);
    const edge = start + minute;
    let before = 0;
    for (let i = 0; i < 30; i++) if (await send(edge - 100)) before++;
    let after = 0;
    for (let t = edge + 100; t < edge + 1900; t += 100) if (await send(t)) after++;
    // A fixed one-minute window would admit another 30 here.
    expect([before, after]).toEqual([30, 0]);
    expect(await send(edge - 100 + 2000)).toBe(true);
  });

  it('checks several limits all or nothing: a refusal by one charges none', async () => {
    const store = new MemoryRateLimitStore();
    const tight = gcraLimit('tight', 2, minute, 1);
    const loose = gcraLimit('loose', 100, minute, 1);
    expect((await store.consume([tight, loose], start)).allowed).toBe(true);
    expect((await store.consume([tight, loose], start)).allowed).toBe(true);
    const refused = await store.consume([tight, loose], start);
    expect(refused.allowed).toBe(false);
    expect(refused.states[0]!.retryAfterMs).toBeGreaterThan(0);
    expect(refused.states[1]!.retryAfterMs).toBe(0);
    // The loose limit was charged for two requests only, not three.
    const after = await store.consume([loose], start);
    expect(gcraRemaining(loose, after.states[0]!.tat, start)).toBe(97);
  });

  it('counts tokens: a 10,000 tpm limit admits 1,000-token calls ten at a time, then one every 6 s', async () => {
    const store = new MemoryRateLimitStore();
    const call = gcraLimit('t', 10_000, minute, 1000);
    let admitted = 0;
    for (let i = 0; i < 20; i++) if ((await store.consume([call], start)).allowed) admitted++;
    expect(admitted).toBe(10);
    expect((await store.consume([call], start + 5999)).allowed).toBe(false);
    expect((await store.consume([call], start + 6000)).allowed).toBe(true);
  });

  it('settles after the call: unused tokens come back, extra ones become debt, and a refund never exceeds the burst', () => {
    const limit = gcraLimit('t', 10_000, minute, 1000);
    const charged = gcraDecide([limit], [undefined], start).states[0]!.tat;
    expect(gcraRemaining(limit, charged, start)).toBe(9000);
    // 1,000 reserved, 200 used: 800 back.
    const refunded = gcraAdjust({ ...limit, cost: -800 }, charged, start)!;
    expect(gcraRemaining(limit, refunded, start)).toBe(9800);
    // 1,000 reserved, 3,000 used: 2,000 more.
    const indebted = gcraAdjust({ ...limit, cost: 2000 }, charged, start)!;
    expect(gcraRemaining(limit, indebted, start)).toBe(7000);
    // Giving back more than was taken leaves the limit full, not fuller.
    expect(gcraAdjust({ ...limit, cost: -50_000 }, charged, start)).toBeUndefined();
  });

  it('never reports more room than the limit, even where a unit is shorter than the float resolution of a TAT', () => {
    for (const perMinute of [1, 7, 10_000, 1_000_000_000, 100_000_000_000, 1_000_000_000_000]) {
      const limit = gcraLimit('t', perMinute, minute, 1259);
      expect(gcraRemaining(limit, start, start)).toBe(perMinute);
      // A refund of more than was charged, a hair of clock drift: still at most the limit.
      const charged = gcraDecide([limit], [undefined], start).states[0]!.tat;
      const refunded = gcraAdjust({ ...limit, cost: -1259 }, charged, start) ?? start;
      for (const now of [start, start + 1e-4, start - 1e-4]) expect(gcraRemaining(limit, refunded, now)).toBeLessThanOrEqual(perMinute);
    }
  });

  // A TAT is epoch milliseconds in a double: from 2004 to 2039 its resolution is 2^-12 ms (a tick). An interval that
  // is no whole number of ticks was rounded at every charge: rpm 17 admitted 16 from cold, 100,000 admitted 99,983,
  // 22,353 admitted 22,354, 100,000,000 admitted 122,880,002, and from about 492,000,000 a charge moved nothing at all.
  it.each([17, 7000, 12_345, 22_353, 100_000, 1_000_000])('a burst from cold at %i per minute, on a real clock, admits exactly that many, and nothing more for the rest of the minute', (perMinute) => {
    const store = new MemoryRateLimitStore();
    const now = Date.parse('2026-12-07T16:00:00.123Z');
    const limit = gcraLimit('k', perMinute, minute, 1);
    let admitted = 0;
    while (admitted <= perMinute && store.consumeNow([limit], now).allowed) admitted++;
    expect(admitted).toBe(perMinute);
    // Across the minute one unit comes back every interval, never sooner: the minute's total stays at most the limit.
    const interval = limit.intervalMs;
    expect(interval * perMinute).toBeGreaterThanOrEqual(minute);
    expect(store.consumeNow([limit], now + interval / 2).allowed).toBe(false);
    expect(store.consumeNow([limit], now + interval).allowed).toBe(true);
  });

  it('the largest limit taken (one unit per tick, 245,760,000 per minute) is exact too: a charge of every unit but one, one more, then none', () => {
    const store = new MemoryRateLimitStore();
    const now = Date.parse('2026-12-07T16:00:00.123Z');
    const perMinute = 245_760_000;
    expect(perMinute).toBe(maxRequestsPerMinute);
    expect(store.consumeNow([gcraLimit('t', perMinute, minute, perMinute - 1)], now).allowed).toBe(true);
    expect(store.consumeNow([gcraLimit('t', perMinute, minute, 1)], now).allowed).toBe(true);
    expect(store.consumeNow([gcraLimit('t', perMinute, minute, 1)], now).allowed).toBe(false);
    expect(store.consumeNow([gcraLimit('t', perMinute, minute, 1)], now + 2 ** -12).allowed).toBe(true);
    expect(store.consumeNow([gcraLimit('t', perMinute, minute, 1)], now + 2 ** -12).allowed).toBe(false);
  });

  it('keeps fractional intervals exact: 7 rpm admits 7 from cold', () => {
    const limit = gcraLimit('k', 7, minute, 1);
    let tat: number | undefined;
    let admitted = 0;
    for (let i = 0; i < 10; i++) {
      const decision = gcraDecide([limit], [tat], start);
      if (decision.allowed) {
        admitted++;
        tat = decision.states[0]!.tat;
      }
    }
    expect(admitted).toBe(7);
  });
});

describe('the memory store', () => {
  it('expires limits lazily and stays within max_entries', async () => {
    const store = new MemoryRateLimitStore({ maxEntries: 10 });
    for (let i = 0; i < 100; i++) await store.consume([gcraLimit(`k${i}`, 60, minute, 1)], start);
    expect(store.size).toBeLessThanOrEqual(10);
    // One request at 60 rpm is paid off after a second: the entry then reads as absent and goes.
    const limit = gcraLimit('short', 60, minute, 1);
    await store.consume([limit], start);
    const later = await store.consume([limit], start + 1000);
    expect(gcraRemaining(limit, later.states[0]!.tat, start + 1000)).toBe(59);
  });

  it('uses its clock when none is passed', async () => {
    let now = start;
    const store = new MemoryRateLimitStore({ clock: () => now });
    const limit = gcraLimit('k', 1, minute, 1);
    expect((await store.consume([limit])).allowed).toBe(true);
    expect((await store.consume([limit])).allowed).toBe(false);
    now += minute;
    expect((await store.consume([limit])).allowed).toBe(true);
  });
});

describe('helpers', () => {
  it('formats resets the way OpenAI does', () => {
    expect([0, 12, 999.2, 1000, 1500, 2000, 60_000, 90_500, 3_723_250].map(formatResetDuration)).toEqual([
      '0ms',
      '12ms',
      '1s',
      '1s',
      '1.5s',
      '2s',
      '1m0s',
      '1m30.5s',
      '1h2m3.25s',
    ]);
  });

  it('throttles warnings to one per interval', () => {
    let now = 0;
    const calls: number[] = [];
    const warn = throttled(60_000, (value: number) => calls.push(value), () => now);
    warn(1);
    now = 30_000;
    warn(2);
    now = 60_000;
    warn(3);
    expect(calls).toEqual([1, 3]);
  });
});
