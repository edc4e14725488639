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
  /** With `bucket=hour|day`: the bucket's start (`2026-11-27T13:00:00Z`). */
  bucket?: string;
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
    ...(row.bucket !== undefined && { bucket: row.bucket }),
  };
}

const numberColumns = ['requests', 'input_tokens', 'output_tokens', 'cached_input_tokens', 'reasoning_tokens', 'cost_usd', 'errors'] as const;

/**
 * RFC 4180 CSV with a header row; the first column is named after the grouping
 * (`team`, `day` …). Lines end in CRLF, as the RFC and spreadsheet programs expect.
 */
export function formatUsageCsv(groupBy: UsageGroup, rows: UsageRecordRow[]): string {
  const bucketed = rows.some((row) => row.bucket !== undefined);
  const lines = [[groupBy, ...(bucketed ? ['bucket'] : []), ...numberColumns].join(',')];
  for (const row of rows) {
    lines.push([csvText(row.group), ...(bucketed ? [row.bucket ?? ''] : []), ...numberColumns.map((column) => String(row[column]))].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Quotes a text cell when it holds a comma, quote or line break. Names are chosen by
 * whoever creates keys, so a leading `=`, `+`, `-`, `@` is defused with a `'` before a
 * spreadsheet can read the cell as a formula (OWASP's advice on CSV injection).
 */
export function csvText(value: string): string {
  const defused = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}
