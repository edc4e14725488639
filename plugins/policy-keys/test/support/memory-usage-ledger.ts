import { decodeLedgerCursor, encodeLedgerCursor, OTHER_USAGE_GROUP, sumOfCosts, type UsageLedger, type UsageQuery, type UsageRecord, type UsageRecordPage, type UsageRecordQuery, type UsageRow } from '@switchyard/core';

const groupValue: Record<UsageQuery['groupBy'], (record: UsageRecord) => string | undefined> = {
  key: (record) => record.keyId,
  team: (record) => record.team,
  project: (record) => record.project,
  model: (record) => (record.model && record.provider ? `${record.provider}/${record.model}` : record.model),
  provider: (record) => record.provider,
  day: (record) => new Date(record.at).toISOString().slice(0, 10),
  error_code: (record) => record.errorCode,
};

function bucketOf(at: string, bucket: 'hour' | 'day'): string {
  const iso = new Date(at).toISOString();
  return bucket === 'hour' ? `${iso.slice(0, 13)}:00:00Z` : `${iso.slice(0, 10)}T00:00:00Z`;
}

/** The `limit` groups that cost most, then made most requests, then come first by name; and how many are left. */
function keptGroups(records: Array<{ group: string; costUsd: number }>, limit: number): { groups: Set<string>; folded: number } {
  const totals = new Map<string, { group: string; costUsd: number; requests: number }>();
  for (const { group, costUsd } of records) {
    const total = totals.get(group) ?? { group, costUsd: 0, requests: 0 };
    total.costUsd += costUsd;
    total.requests += 1;
    totals.set(group, total);
  }
  const ranked = [...totals.values()]
    .map((total) => ({ ...total, costUsd: sumOfCosts(total.costUsd) }))
    .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  return { groups: new Set(ranked.slice(0, limit).map((total) => total.group)), folded: Math.max(0, ranked.length - limit) };
}

/** A UsageLedger in process memory, for tests only. Rows come sorted by group. */
export class MemoryUsageLedger implements UsageLedger {
  readonly records: UsageRecord[] = [];

  async migrate(): Promise<void> {}

  async append(records: UsageRecord[]): Promise<void> {
    // All or nothing, like a transaction: check the whole batch before keeping any of it.
    for (const record of records) {
      if (typeof record.id !== 'string' || Number.isNaN(Date.parse(record.at))) throw new Error('invalid usage record');
    }
    // As the stores read it back: a record that does not say holds no estimate.
    this.records.push(...records.map((record) => ({ ...structuredClone(record), usageEstimated: record.usageEstimated === true })));
  }

  async query(query: UsageQuery): Promise<UsageRow[]> {
    const rows = new Map<string, UsageRow>();
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    const matching = this.records.filter((record) => {
      const at = Date.parse(record.at);
      return at >= from && at < to && (query.keyId === undefined || record.keyId === query.keyId);
    });
    const groupOf = (record: UsageRecord) => groupValue[query.groupBy](record) ?? '(none)';
    const kept = query.limit === undefined ? undefined : keptGroups(matching.map((record) => ({ group: groupOf(record), costUsd: record.costUsd })), query.limit);
    for (const record of matching) {
      const own = groupOf(record);
      const folded = kept !== undefined && !kept.groups.has(own);
      const group = folded ? OTHER_USAGE_GROUP : own;
      const bucket = query.bucket && bucketOf(record.at, query.bucket);
      const name = `${folded ? '\u0001' : ''}${group}\u0000${bucket ?? ''}`;
      const row = rows.get(name) ?? { group, requests: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0, errors: 0, estimatedRequests: 0, estimatedCostUsd: 0, ...(bucket && { bucket }), ...(folded && { foldedGroups: kept.folded }) };
      row.requests += 1;
      row.inputTokens += record.inputTokens;
      row.outputTokens += record.outputTokens;
      row.cachedInputTokens += record.cachedInputTokens;
      row.reasoningTokens += record.reasoningTokens;
      row.costUsd += record.costUsd;
      if (record.status >= 400) row.errors += 1;
      if (record.usageEstimated === true) {
        row.estimatedRequests += 1;
        row.estimatedCostUsd += record.costUsd;
      }
      rows.set(name, row);
    }
    // The folded row last, after every kept group.
    const order = (row: UsageRow) => `${row.foldedGroups === undefined ? '' : '\uffff'}${row.group}\u0000${row.bucket ?? ''}`;
    for (const row of rows.values()) {
      row.costUsd = sumOfCosts(row.costUsd);
      row.estimatedCostUsd = sumOfCosts(row.estimatedCostUsd);
    }
    return [...rows.values()].sort((a, b) => (order(a) < order(b) ? -1 : 1));
  }

  async listRecords(query: UsageRecordQuery): Promise<UsageRecordPage> {
    const cursor = query.cursor === undefined ? undefined : decodeLedgerCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new TypeError('not a ledger cursor');
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    const matching = this.records
      .filter((record) => {
        const at = Date.parse(record.at);
        if (at < from || at >= to) return false;
        if (query.keyId !== undefined && record.keyId !== query.keyId) return false;
        if (query.model !== undefined && `${record.provider}/${record.model}` !== query.model && record.requestedModel !== query.model) return false;
        if (query.status === 'ok' && record.status >= 400) return false;
        if (query.status === 'error' && record.status < 400) return false;
        if (typeof query.status === 'number' && record.status !== query.status) return false;
        if (cursor && !(at < cursor.atMs || (at === cursor.atMs && record.id < cursor.id))) return false;
        return true;
      })
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((record) => ({ ...record, at: new Date(record.at).toISOString() }));
    if (matching.length <= query.limit) return { records: matching };
    const records = matching.slice(0, query.limit);
    const last = records[records.length - 1]!;
    return { records, nextCursor: encodeLedgerCursor({ atMs: Date.parse(last.at), id: last.id }) };
  }

  async count(): Promise<number> {
    return this.records.length;
  }

  async close(): Promise<void> {}
}

/** A usage record with sensible defaults, for tests to override what they check. */
export function usageRecord(fields: Partial<UsageRecord> & { at: string }): UsageRecord {
  return {
    id: `req_${Math.random().toString(36).slice(2)}`,
    endpoint: 'chat',
    keyId: undefined,
    team: undefined,
    project: undefined,
    requestedModel: undefined,
    provider: undefined,
    model: undefined,
    stream: false,
    inputTokens: 0,
    outputTokens: 0,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    costUsd: 0,
    latencyMs: 1,
    status: 200,
    errorCode: undefined,
    cacheHit: false,
    attempts: 1,
    ...fields,
  };
}
