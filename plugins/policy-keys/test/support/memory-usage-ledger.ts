import type { UsageLedger, UsageQuery, UsageRecord, UsageRow } from '@switchyard/core';

const groupValue: Record<UsageQuery['groupBy'], (record: UsageRecord) => string | undefined> = {
  key: (record) => record.keyId,
  team: (record) => record.team,
  project: (record) => record.project,
  model: (record) => (record.model && record.provider ? `${record.provider}/${record.model}` : record.model),
  provider: (record) => record.provider,
  day: (record) => new Date(record.at).toISOString().slice(0, 10),
};

/** A UsageLedger in process memory, for tests only. Rows come sorted by group. */
export class MemoryUsageLedger implements UsageLedger {
  readonly records: UsageRecord[] = [];

  async migrate(): Promise<void> {}

  async append(records: UsageRecord[]): Promise<void> {
    // All or nothing, like a transaction: check the whole batch before keeping any of it.
    for (const record of records) {
      if (typeof record.id !== 'string' || Number.isNaN(Date.parse(record.at))) throw new Error('invalid usage record');
    }
    this.records.push(...records.map((record) => structuredClone(record)));
  }

  async query(query: UsageQuery): Promise<UsageRow[]> {
    const rows = new Map<string, UsageRow>();
    const from = Date.parse(query.from);
    const to = Date.parse(query.to);
    for (const record of this.records) {
      const at = Date.parse(record.at);
      if (at < from || at >= to) continue;
      if (query.keyId !== undefined && record.keyId !== query.keyId) continue;
      const group = groupValue[query.groupBy](record) ?? '(none)';
      const row = rows.get(group) ?? { group, requests: 0, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, reasoningTokens: 0, costUsd: 0, errors: 0 };
      row.requests += 1;
      row.inputTokens += record.inputTokens;
      row.outputTokens += record.outputTokens;
      row.cachedInputTokens += record.cachedInputTokens;
      row.reasoningTokens += record.reasoningTokens;
      row.costUsd += record.costUsd;
      if (record.status >= 400) row.errors += 1;
      rows.set(group, row);
    }
    return [...rows.values()].sort((a, b) => (a.group < b.group ? -1 : 1));
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
