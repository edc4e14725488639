import { invalidField } from './check-input.js';

/**
 * Most groups a usage answer lists. Teams, projects and keys are few, but model names and
 * error codes come from clients and upstreams: every made-up name ever recorded was a row.
 * A hundred covers any real table (and the dashboard's six chart series); a thousand is
 * the most an export may ask, a few hundred kilobytes of JSON, a few million rows when
 * split by 3,660 day buckets. The rest is one `(other)` row, so totals stay whole.
 */
export const usageGroupLimit = { default: 100, max: 1000 } as const;

/** `limit` from the query: the default when absent, else an integer from 1 to the maximum (400 otherwise). */
export function readGroupLimit(text: string | undefined): number {
  if (text === undefined) return usageGroupLimit.default;
  const limit = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
  if (!(limit >= 1 && limit <= usageGroupLimit.max)) throw invalidField('limit', `expected an integer from 1 to ${usageGroupLimit.max}`);
  return limit;
}

/** How many groups the answer folded into its `(other)` row: 0 when every group is listed. */
export function foldedGroupCount(rows: Array<{ foldedGroups?: number }>): number {
  return rows.find((row) => row.foldedGroups !== undefined)?.foldedGroups ?? 0;
}
