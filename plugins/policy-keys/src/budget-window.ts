import type { BudgetPeriod } from '@switchyard/core';

const DAY_MS = 86_400_000;
const epochStart = new Date(0).toISOString();

/**
 * The window starts of the last UTC day asked about, by period: every request that
 * holds a budget asks, and the answer changes once a day at most.
 */
let memoDay = Number.NaN;
const memoStarts: Partial<Record<BudgetPeriod, string>> = {};

/** The start of the budget window `at` falls in: calendar-aligned, UTC; weeks start on Monday. */
export function budgetWindowStart(period: BudgetPeriod, at: Date): string {
  if (period === 'total') return epochStart;
  const day = Math.floor(at.getTime() / DAY_MS);
  if (day !== memoDay) {
    memoDay = day;
    memoStarts.daily = memoStarts.weekly = memoStarts.monthly = undefined;
  }
  return (memoStarts[period] ??= computeWindowStart(period, at));
}

function computeWindowStart(period: Exclude<BudgetPeriod, 'total'>, at: Date): string {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = at.getUTCDate();
  switch (period) {
    case 'daily':
      return new Date(Date.UTC(year, month, day)).toISOString();
    case 'weekly': {
      const sinceMonday = (at.getUTCDay() + 6) % 7;
      return new Date(Date.UTC(year, month, day - sinceMonday)).toISOString();
    }
    case 'monthly':
      return new Date(Date.UTC(year, month, 1)).toISOString();
  }
}

/** The end (exclusive) of the budget window starting at `windowStart`; `total` budgets never end (undefined). */
export function budgetWindowEnd(period: BudgetPeriod, windowStart: string): string | undefined {
  const start = new Date(windowStart);
  const year = start.getUTCFullYear();
  const month = start.getUTCMonth();
  const day = start.getUTCDate();
  switch (period) {
    case 'daily':
      return new Date(Date.UTC(year, month, day + 1)).toISOString();
    case 'weekly':
      return new Date(Date.UTC(year, month, day + 7)).toISOString();
    case 'monthly':
      return new Date(Date.UTC(year, month + 1, 1)).toISOString();
    case 'total':
      return undefined;
  }
}
