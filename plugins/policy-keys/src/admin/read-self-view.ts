import { sumOfCosts, type VirtualKey } from '@switchyard/core';
import type { AdminContext } from './admin-context.js';
import type { SelfQueryParams } from './admin-schemas.js';
import { formatKeyRecord, type KeyRecord } from './format-key-record.js';
import { formatUsageRow, type UsageRecordRow } from './format-usage.js';
import type { RequestRecordRow } from './format-usage-record.js';
import { checkBucketCount, readTimeWindow } from './read-time-window.js';
import { readRequestsPage } from './requests-route.js';
import { budgetSpend } from './budget-spend.js';
import { foldedGroupCount, readGroupLimit } from './usage-limit.js';

/** What a key holder may see of their own key: never another key's data. */
export interface SelfView {
  key: KeyRecord;
  from: string;
  to: string;
  bucket: 'hour' | 'day';
  /** The most models `usage` lists (`limit`, 100 unless asked). */
  limit: number;
  /** How many models the `(other)` rows of `usage` hold: 0 when every model is listed. */
  folded_groups: number;
  /** Usage of this key over the window, by model, split by bucket; models past `limit` folded into `(other)`. */
  usage: UsageRecordRow[];
  /** Totals of this key over the window. */
  totals: Omit<UsageRecordRow, 'group' | 'bucket' | 'folded_groups'>;
  /** The 20 newest requests of this key in the window. */
  requests: RequestRecordRow[];
}

const defaultWindowMilliseconds = 30 * 86_400_000;

/** The self view of one key, every ledger read pinned to that key's id. */
export async function readSelfView(context: AdminContext, key: VirtualKey, query: SelfQueryParams): Promise<SelfView> {
  const at = context.now();
  const window = readTimeWindow(query, at, defaultWindowMilliseconds);
  const bucket = query.bucket ?? 'day';
  checkBucketCount(window, bucket);
  // Model names are the client's to choose: each one made up was a row of this view.
  const limit = readGroupLimit(query.limit);
  const [usage, spent, page] = await Promise.all([
    context.ledger.query({ groupBy: 'model', ...window, keyId: key.id, bucket, limit }),
    budgetSpend(context, key, at),
    readRequestsPage(context.ledger, { limit: '20', ...window }, at, { keyId: key.id }),
  ]);
  const rows = usage.map(formatUsageRow);
  const totals = { requests: 0, input_tokens: 0, output_tokens: 0, cached_input_tokens: 0, reasoning_tokens: 0, cost_usd: 0, errors: 0, estimated_requests: 0, estimated_cost_usd: 0 };
  for (const row of rows) {
    for (const name of Object.keys(totals) as Array<keyof typeof totals>) totals[name] += row[name];
  }
  totals.cost_usd = sumOfCosts(totals.cost_usd);
  totals.estimated_cost_usd = sumOfCosts(totals.estimated_cost_usd);
  return { key: { ...formatKeyRecord(key, at), budget_spent_usd: spent }, ...window, bucket, limit, folded_groups: foldedGroupCount(usage), usage: rows, totals, requests: page.data };
}
