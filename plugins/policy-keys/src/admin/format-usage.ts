import type { UsageGroup, UsageRow } from '@switchyard/core';

/** A usage row as the admin API shows it. */
export interface UsageRecordRow {
  group: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  errors: number;
  /** Of `requests`, those whose counts and cost are the gateway's estimate, not the provider's (docs/admin-api.md). */
  estimated_requests: number;
  /** The part of `cost_usd` that rests on those estimates. */
  estimated_cost_usd: number;
  /** With `bucket=hour|day`: the bucket's start (`2026-11-27T13:00:00Z`). */
  bucket?: string;
  /** Only on the `(other)` row that sums the groups past `limit`: how many groups it holds (a real group of that name has none). */
  folded_groups?: number;
}

export function formatUsageRow(row: UsageRow): UsageRecordRow {
  return {
    group: row.group,
    requests: row.requests,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cached_input_tokens: row.cachedInputTokens,
    reasoning_tokens: row.reasoningTokens,
    cost_usd: row.costUsd,
    errors: row.errors,
    estimated_requests: row.estimatedRequests,
    estimated_cost_usd: row.estimatedCostUsd,
    ...(row.bucket !== undefined && { bucket: row.bucket }),
    ...(row.foldedGroups !== undefined && { folded_groups: row.foldedGroups }),
  };
}

const numberColumns = ['requests', 'input_tokens', 'output_tokens', 'cached_input_tokens', 'reasoning_tokens', 'cost_usd', 'errors', 'estimated_requests', 'estimated_cost_usd'] as const;

/**
 * RFC 4180 CSV with a header row; the first column is named after the grouping
 * (`team`, `day` …), the second is `bucket` when buckets were asked for, whether or not
 * the window has data (the columns a script reads do not depend on it). Lines end in
 * CRLF, as the RFC and spreadsheet programs expect.
 */
export function formatUsageCsv(groupBy: UsageGroup, bucketed: boolean, rows: UsageRecordRow[]): string {
  const lines = [[groupBy, ...(bucketed ? ['bucket'] : []), ...numberColumns].join(',')];
  for (const row of rows) {
    lines.push([csvText(row.group), ...(bucketed ? [row.bucket ?? ''] : []), ...numberColumns.map((column) => String(row[column]))].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * A cell that begins, after any blanks an importer may trim, with what makes a
 * spreadsheet read a formula: `=`, `+`, `-`, `@`, tab, CR (OWASP's list), LF, or their
 * full-width forms, which some spreadsheets read the same.
 */
const formulaStart = /^[\s\u3000]*[=+\-@\t\r\n\uff1d\uff0b\uff0d\uff20]/;
/** A plain number is no formula, and a name that is one stays a number in the sheet. */
const plainNumber = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** What RFC 4180 lets stand unquoted excludes these: the separator, quotes, line breaks and every other control. */
const needsQuotes = /[",\u0000-\u001f\u007f]|^\s|\s$/;

/**
 * A text cell as CSV: names are chosen by whoever creates keys, models by clients,
 * error codes by upstreams. A cell a spreadsheet would read as a formula gets a leading
 * `'` (OWASP's advice on CSV injection); one with a comma, quote, line break or any
 * other control character, or blanks at its ends, is quoted with its quotes doubled (RFC 4180).
 */
export function csvText(value: string): string {
  const defused = formulaStart.test(value) && !plainNumber.test(value) ? `'${value}` : value;
  return needsQuotes.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}
