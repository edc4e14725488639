import type { BudgetPeriod } from '@switchyard/core';

/** The start of the budget window `at` falls in: calendar-aligned, UTC; weeks start on Monday. */
export function budgetWindowStart(period: BudgetPeriod, at: Date): string {
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
    case 'total':
      return new Date(0).toISOString();
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
