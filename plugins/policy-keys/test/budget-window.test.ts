import { describe, expect, it } from 'vitest';
import { budgetWindowEnd, budgetWindowStart } from '../src/budget-window.js';

describe('budgetWindowStart', () => {
  it('starts each period on its calendar boundary in UTC, weeks on Monday', () => {
    const at = new Date('2026-12-03T23:59:59.999Z'); // a Thursday
    expect(budgetWindowStart('daily', at)).toBe('2026-12-03T00:00:00.000Z');
    expect(budgetWindowStart('weekly', at)).toBe('2026-11-30T00:00:00.000Z');
    expect(budgetWindowStart('monthly', at)).toBe('2026-12-01T00:00:00.000Z');
    expect(budgetWindowStart('total', at)).toBe('1970-01-01T00:00:00.000Z');
  });

  it('moves to the next window at midnight, though the answer of the day before was remembered', () => {
    expect(budgetWindowStart('daily', new Date('2026-11-30T23:59:59.999Z'))).toBe('2026-11-30T00:00:00.000Z');
    expect(budgetWindowStart('monthly', new Date('2026-11-30T23:59:59.999Z'))).toBe('2026-11-01T00:00:00.000Z');
    expect(budgetWindowStart('weekly', new Date('2026-11-29T12:00:00Z'))).toBe('2026-11-23T00:00:00.000Z'); // a Sunday
    expect(budgetWindowStart('daily', new Date('2026-12-01T00:00:00.000Z'))).toBe('2026-12-01T00:00:00.000Z');
    expect(budgetWindowStart('monthly', new Date('2026-12-01T00:00:00.000Z'))).toBe('2026-12-01T00:00:00.000Z');
    expect(budgetWindowStart('weekly', new Date('2026-11-30T00:00:00Z'))).toBe('2026-11-30T00:00:00.000Z'); // the Monday after
    // And back: an earlier time (a clock stepped back) gets its own window, not the remembered one.
    expect(budgetWindowStart('daily', new Date('2026-11-30T08:00:00Z'))).toBe('2026-11-30T00:00:00.000Z');
  });

  it('agrees with a plain calendar computation over two years of hours', () => {
    for (let hour = 0; hour < 2 * 366 * 24; hour += 7) {
      const at = new Date(Date.UTC(2025, 0, 1, hour, 17));
      const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
      expect(budgetWindowStart('daily', at)).toBe(new Date(midnight).toISOString());
      expect(budgetWindowStart('monthly', at)).toBe(new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1)).toISOString());
      const weekday = new Date(budgetWindowStart('weekly', at));
      expect(weekday.getUTCDay()).toBe(1);
      expect(midnight - weekday.getTime()).toBeGreaterThanOrEqual(0);
      expect(midnight - weekday.getTime()).toBeLessThan(7 * 86_400_000);
    }
  });

  it('refuses an invalid date as before', () => {
    expect(() => budgetWindowStart('daily', new Date(Number.NaN))).toThrow(RangeError);
  });

  it('ends a window where the next one starts', () => {
    expect(budgetWindowEnd('weekly', '2026-11-30T00:00:00.000Z')).toBe('2026-12-07T00:00:00.000Z');
    expect(budgetWindowEnd('total', '1970-01-01T00:00:00.000Z')).toBeUndefined();
  });
});
