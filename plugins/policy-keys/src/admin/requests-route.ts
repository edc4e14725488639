import { compileValidator, decodeLedgerCursor, type UsageLedger, type UsageRecordQuery } from '@switchyard/core';
import express, { type Router } from 'express';
import type { AdminContext } from './admin-context.js';
import { requestsQuerySchema, type RequestsQueryParams } from './admin-schemas.js';
import { checkInput, invalidField } from './check-input.js';
import { formatUsageRecord, type RequestRecordRow } from './format-usage-record.js';
import { readTimeWindow } from './read-time-window.js';
import { sendJson } from './send-json.js';

const defaultWindowMilliseconds = 86_400_000;
const defaultLimit = 50;
const maxLimit = 200;

/**
 * `GET /requests`: single requests from the ledger, newest first, filtered by key,
 * model and status over [from, to) (the last 24 hours by default), a bounded page at
 * a time with `next_cursor`.
 */
export function requestsRoute(context: AdminContext): Router {
  const checkQuery = compileValidator<RequestsQueryParams>(requestsQuerySchema);
  const router = express.Router();
  router.get('/requests', async (req, res) => {
    const query = checkInput(checkQuery, { ...req.query }, 'query');
    const page = await readRequestsPage(context.ledger, query, context.now(), {});
    sendJson(res, 200, page);
  });
  return router;
}

/**
 * One page of requests for a checked query; `fixed` overrides filters the caller may
 * not choose (the self view pins `keyId` to the caller's own key).
 */
export async function readRequestsPage(
  ledger: UsageLedger,
  query: RequestsQueryParams,
  now: Date,
  fixed: { keyId?: string },
): Promise<{ data: RequestRecordRow[]; next_cursor: string | null }> {
  const window = readTimeWindow(query, now, defaultWindowMilliseconds);
  const limit = query.limit === undefined ? defaultLimit : Number(query.limit);
  if (!(limit >= 1 && limit <= maxLimit)) throw invalidField('limit', `expected an integer from 1 to ${maxLimit}`);
  if (query.cursor !== undefined && !decodeLedgerCursor(query.cursor)) throw invalidField('cursor', 'expected a next_cursor from an earlier page');
  const keyId = fixed.keyId ?? query.key_id;
  const ledgerQuery: UsageRecordQuery = {
    ...window,
    limit,
    ...(keyId !== undefined && { keyId }),
    ...(query.model !== undefined && { model: query.model }),
    ...(query.status !== undefined && { status: query.status === 'ok' || query.status === 'error' ? query.status : Number(query.status) }),
    ...(query.cursor !== undefined && { cursor: query.cursor }),
  };
  const page = await ledger.listRecords(ledgerQuery);
  return { data: page.records.map(formatUsageRecord), next_cursor: page.nextCursor ?? null };
}
