import { compileValidator, type UsageGroup } from '@switchyard/core';
import express, { type Router } from 'express';
import type { AdminContext } from './admin-context.js';
import { usageQuerySchema, type UsageQueryParams } from './admin-schemas.js';
import { checkInput, invalidField } from './check-input.js';
import { formatUsageCsv, formatUsageRow } from './format-usage.js';
import { parseIsoTime } from './parse-iso-time.js';
import { sendJson } from './send-json.js';

const defaultWindowMilliseconds = 30 * 86_400_000;

/**
 * `GET /usage`: requests, tokens and cost from the ledger, grouped by key, team,
 * project, model, provider or day, over [from, to) — the last 30 days by default.
 */
export function usageRoute(context: AdminContext): Router {
  const { ledger, now } = context;
  const checkQuery = compileValidator<UsageQueryParams>(usageQuerySchema);
  const router = express.Router();

  router.get('/usage', async (req, res) => {
    const query = checkInput(checkQuery, { ...req.query }, 'query');
    const groupBy: UsageGroup = query.group_by ?? 'key';
    const to = query.to === undefined ? now().getTime() : parseIsoTime(query.to);
    if (to === undefined) throw invalidField('to', 'expected an ISO date or time such as 2026-12-01 or 2026-12-01T00:00:00Z');
    const from = query.from === undefined ? to - defaultWindowMilliseconds : parseIsoTime(query.from);
    if (from === undefined) throw invalidField('from', 'expected an ISO date or time such as 2026-11-01 or 2026-11-01T00:00:00Z');
    if (from >= to) throw invalidField('from', 'must be before to');

    const window = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    const rows = (
      await ledger.query({ groupBy, ...window, ...(query.key_id !== undefined && { keyId: query.key_id }) })
    ).map(formatUsageRow);

    if (query.format === 'csv') {
      const text = formatUsageCsv(groupBy, rows);
      res.writeHead(200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'content-disposition': `attachment; filename="switchyard-usage-by-${groupBy}.csv"`,
        'cache-control': 'no-store',
      });
      res.end(text);
      return;
    }
    sendJson(res, 200, { group_by: groupBy, ...window, data: rows });
  });

  return router;
}
