import type { Pool } from 'pg';
import type { UsageGroup, UsageLedger, UsageQuery, UsageRecord, UsageRow } from '@switchyard/core';
import { toNumber, type Tables } from './sql.js';

/** The SQL each grouping groups by; NULL becomes `(none)`. */
const groupExpressions: Record<UsageGroup, string> = {
  key: 'key_id',
  team: 'team',
  project: 'project',
  // `provider/model`, the name a client uses: the same model id under two providers is two rows.
  model: `COALESCE(provider || '/' || model, model)`,
  provider: 'provider',
  day: `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
};

/** Column name, Postgres array type, and how a record fills it. */
const columns: Array<[string, string, (record: UsageRecord) => unknown]> = [
  ['id', 'text', (r) => r.id],
  ['at', 'timestamptz', (r) => r.at],
  ['endpoint', 'text', (r) => r.endpoint],
  ['key_id', 'text', (r) => r.keyId ?? null],
  ['team', 'text', (r) => r.team ?? null],
  ['project', 'text', (r) => r.project ?? null],
  ['requested_model', 'text', (r) => r.requestedModel ?? null],
  ['provider', 'text', (r) => r.provider ?? null],
  ['model', 'text', (r) => r.model ?? null],
  ['stream', 'boolean', (r) => r.stream],
  ['input_tokens', 'bigint', (r) => Math.round(r.inputTokens)],
  ['output_tokens', 'bigint', (r) => Math.round(r.outputTokens)],
  ['cached_input_tokens', 'bigint', (r) => Math.round(r.cachedInputTokens)],
  ['reasoning_tokens', 'bigint', (r) => Math.round(r.reasoningTokens)],
  // numeric keeps fractions of a micro-dollar exactly, so sums over millions of tiny requests stay right.
  ['cost_usd', 'numeric', (r) => String(r.costUsd)],
  ['latency_ms', 'integer', (r) => Math.round(r.latencyMs)],
  ['status', 'integer', (r) => r.status],
  ['error_code', 'text', (r) => r.errorCode ?? null],
  ['cache_hit', 'boolean', (r) => r.cacheHit],
  ['attempts', 'integer', (r) => r.attempts],
];

const insertColumns = columns.map(([name]) => name).join(', ');
const unnestArguments = columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');

interface UsageRowRaw {
  group: string;
  requests: string;
  input_tokens: string;
  output_tokens: string;
  cached_input_tokens: string;
  reasoning_tokens: string;
  cost_usd: string;
  errors: string;
}

/** One row per request in `usage`, indexed by time and by key and time. */
export class PostgresUsageLedger implements UsageLedger {
  constructor(
    private readonly pool: Pool,
    private readonly t: Tables,
    private readonly migrateOnce: () => Promise<void>,
    private readonly closePool: () => Promise<void>,
  ) {}

  migrate(): Promise<void> {
    return this.migrateOnce();
  }

  /**
   * One INSERT … SELECT FROM unnest(column arrays): a single statement (so one
   * implicit transaction: all rows or none) whatever the batch size, with 20
   * parameters instead of 20 per row (Postgres allows 65,535 per statement).
   */
  async append(records: UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    const values = columns.map(([, , read]) => records.map(read));
    await this.pool.query(`INSERT INTO ${this.t.usage} (${insertColumns}) SELECT * FROM unnest(${unnestArguments}) ON CONFLICT (id) DO NOTHING`, values);
  }

  async query(query: UsageQuery): Promise<UsageRow[]> {
    const group = groupExpressions[query.groupBy];
    if (!group) throw new Error(`unknown usage grouping: ${String(query.groupBy)}`);
    const values: unknown[] = [query.from, query.to];
    let where = 'at >= $1 AND at < $2';
    if (query.keyId !== undefined) {
      values.push(query.keyId);
      where += ' AND key_id = $3';
    }
    const { rows } = await this.pool.query<UsageRowRaw>(
      `SELECT COALESCE(${group}, '(none)') AS "group",
              count(*) AS requests,
              sum(input_tokens) AS input_tokens,
              sum(output_tokens) AS output_tokens,
              sum(cached_input_tokens) AS cached_input_tokens,
              sum(reasoning_tokens) AS reasoning_tokens,
              sum(cost_usd) AS cost_usd,
              count(*) FILTER (WHERE status >= 400) AS errors
       FROM ${this.t.usage}
       WHERE ${where}
       GROUP BY 1
       ORDER BY 1`,
      values,
    );
    return rows.map((row) => ({
      group: row.group,
      requests: toNumber(row.requests),
      inputTokens: toNumber(row.input_tokens),
      outputTokens: toNumber(row.output_tokens),
      cachedInputTokens: toNumber(row.cached_input_tokens),
      reasoningTokens: toNumber(row.reasoning_tokens),
      costUsd: toNumber(row.cost_usd),
      errors: toNumber(row.errors),
    }));
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>(`SELECT count(*) AS count FROM ${this.t.usage}`);
    return toNumber(rows[0]?.count);
  }

  close(): Promise<void> {
    return this.closePool();
  }
}
