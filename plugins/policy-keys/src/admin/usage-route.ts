import { compileValidator, endWholeAnswer, type UsageGroup } from '@switchyard/core';
import express, { type Router } from 'express';
import type { AdminContext } from './admin-context.js';
import { usageQuerySchema, type UsageQueryParams } from './admin-schemas.js';
import { checkInput } from './check-input.js';
import { formatUsageCsv, formatUsageRow } from './format-usage.js';
import { checkBucketCount, readTimeWindow } from './read-time-window.js';
import { sendJson } from './send-json.js';

const defaultWindowMilliseconds = 30 * 86_400_000;

/**
 * `GET /usage`: requests, tokens and cost from the ledger, grouped by key, team,
 * project, model, provider, day or error code, over [from, to) — the last 30 days by
 * default — and with `bucket=hour|day` split by time as well, for charts.
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
    const rows = (
      await ledger.query({
        groupBy,
        ...window,
        ...(query.key_id !== undefined && { keyId: query.key_id }),
        ...(query.bucket !== undefined && { bucket: query.bucket }),
      })
    ).map(formatUsageRow);

    if (query.format === 'csv') {
      const text = formatUsageCsv(groupBy, query.bucket !== undefined, rows);
      const byteLength = Buffer.byteLength(text);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-length': byteLength,
        'content-disposition': `attachment; filename="switchyard-usage-by-${groupBy}.csv"`,
        'cache-control': 'no-store',
      });
      // A client that stops reading the export is cut after the stall limit, as a JSON answer's is.
      endWholeAnswer(res, text, byteLength);
      return;
    }
    sendJson(res, 200, { group_by: groupBy, ...(query.bucket !== undefined && { bucket: query.bucket }), ...window, data: rows });
  });

  return router;
}
