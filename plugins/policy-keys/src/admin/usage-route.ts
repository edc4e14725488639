import { compileValidator, endWholeAnswer, type UsageGroup } from '@switchyard/core';
import express, { type Router } from 'express';
import type { AdminContext } from './admin-context.js';
import { usageQuerySchema, type UsageQueryParams } from './admin-schemas.js';
import { checkInput } from './check-input.js';
import { formatUsageCsv, formatUsageRow } from './format-usage.js';
import { checkBucketCount, readTimeWindow } from './read-time-window.js';
import { sendJson } from './send-json.js';
import { foldedGroupCount, readGroupLimit } from './usage-limit.js';

const defaultWindowMilliseconds = 30 * 86_400_000;

/**
 * `GET /usage`: requests, tokens and cost from the ledger, grouped by key, team,
 * project, model, provider, day or error code, over [from, to) — the last 30 days by
 * default — and with `bucket=hour|day` split by time as well, for charts. At most `limit`
 * groups, the costliest; the rest summed into one `(other)` row (a bucket) that says how
 * many groups it holds, as does the answer's `folded_groups`.
 */
export function usageRoute(context: AdminContext): Router {
  const { ledger, now } = context;
  const checkQuery = compileValidator<UsageQueryParams>(usageQuerySchema);
  const router = express.Router();

  router.get('/usage', async (req, res) => {
    const query = checkInput(checkQuery, { ...req.query }, 'query');
    const groupBy: UsageGroup = query.group_by ?? 'key';
    const window = readTimeWindow(query, now(), defaultWindowMilliseconds);
    if (query.bucket !== undefined) checkBucketCount(window, query.bucket);
    const limit = readGroupLimit(query.limit);
    const ledgerRows = await ledger.query({
      groupBy,
      ...window,
      ...(query.key_id !== undefined && { keyId: query.key_id }),
      ...(query.bucket !== undefined && { bucket: query.bucket }),
      limit,
    });
    const foldedGroups = foldedGroupCount(ledgerRows);
    const rows = ledgerRows.map(formatUsageRow);

    if (query.format === 'csv') {
      const text = formatUsageCsv(groupBy, query.bucket !== undefined, rows);
      const byteLength = Buffer.byteLength(text);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-length': byteLength,
        'content-disposition': `attachment; filename="switchyard-usage-by-${groupBy}.csv"`,
        'cache-control': 'no-store',
        // CSV has no room for it: how many groups the `(other)` rows hold, 0 when none.
        'x-switchyard-folded-groups': foldedGroups,
      });
      // A client that stops reading the export is cut after the stall limit, as a JSON answer's is.
      endWholeAnswer(res, text, byteLength);
      return;
    }
    sendJson(res, 200, { group_by: groupBy, ...(query.bucket !== undefined && { bucket: query.bucket }), ...window, limit, folded_groups: foldedGroups, data: rows });
  });

  return router;
}
