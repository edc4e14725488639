import type { Pool } from 'pg';
import {
  decodeLedgerCursor,
  encodeLedgerCursor,
  OTHER_USAGE_GROUP,
  sumOfCosts,
  type Endpoint,
  type UsageBucket,
  type UsageGroup,
  type UsageLedger,
  type UsageQuery,
  type UsageRecord,
  type UsageRecordPage,
  type UsageRecordQuery,
  type UsageRow,
} from '@switchyard/core';
import { onceMoreOnNewConnection } from './once-more-on-new-connection.js';
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
  error_code: 'error_code',
};

/** The start of each time bucket, ISO UTC without milliseconds, as SQLite writes it too. */
const bucketExpressions: Record<UsageBucket, string> = {
  hour: `to_char(date_trunc('hour', at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T"HH24":00:00Z"')`,
  day: `to_char(date_trunc('day', at AT TIME ZONE 'UTC'), 'YYYY-MM-DD"T00:00:00Z"')`,
};

interface UsageColumns {
  id: string;
  at: Date;
  endpoint: string;
  key_id: string | null;
  team: string | null;
  project: string | null;
  requested_model: string | null;
  provider: string | null;
  model: string | null;
  stream: boolean;
  input_tokens: string;
  output_tokens: string;
  cached_input_tokens: string;
  reasoning_tokens: string;
  cost_usd: string;
  latency_ms: number;
  status: number;
  error_code: string | null;
  cache_hit: boolean;
  attempts: number;
  usage_estimated: boolean;
}

function toRecord(row: UsageColumns): UsageRecord {
  return {
    id: row.id,
    at: row.at.toISOString(),
    endpoint: row.endpoint as Endpoint,
    keyId: row.key_id ?? undefined,
    team: row.team ?? undefined,
    project: row.project ?? undefined,
    requestedModel: row.requested_model ?? undefined,
    provider: row.provider ?? undefined,
    model: row.model ?? undefined,
    stream: row.stream,
    inputTokens: toNumber(row.input_tokens),
    outputTokens: toNumber(row.output_tokens),
    cachedInputTokens: toNumber(row.cached_input_tokens),
    reasoningTokens: toNumber(row.reasoning_tokens),
    costUsd: toNumber(row.cost_usd),
    latencyMs: row.latency_ms,
    status: row.status,
    errorCode: row.error_code ?? undefined,
    cacheHit: row.cache_hit,
    attempts: row.attempts,
    usageEstimated: row.usage_estimated,
  };
}

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
  ['usage_estimated', 'boolean', (r) => r.usageEstimated === true],
];

const insertColumns = columns.map(([name]) => name).join(', ');
const unnestArguments = columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');

interface UsageRowRaw {
  group: string;
  bucket?: string;
  requests: string;
  input_tokens: string;
  output_tokens: string;
  cached_input_tokens: string;
  reasoning_tokens: string;
  cost_usd: string;
  errors: string;
  estimated_requests: string;
  estimated_cost_usd: string | null;
  /** With a limit: on the folded row only. */
  folded_groups?: string | null;
}

/** The sums of a usage row, over the rows of the FROM. */
const sumColumns = `count(*) AS requests,
              sum(input_tokens) AS input_tokens,
              sum(output_tokens) AS output_tokens,
              sum(cached_input_tokens) AS cached_input_tokens,
              sum(reasoning_tokens) AS reasoning_tokens,
              sum(cost_usd) AS cost_usd,
              count(*) FILTER (WHERE status >= 400) AS errors,
              count(*) FILTER (WHERE usage_estimated) AS estimated_requests,
              sum(cost_usd) FILTER (WHERE usage_estimated) AS estimated_cost_usd`;

function allGroupsSql(table: string, group: string, bucket: string | undefined, where: string): string {
  return `SELECT COALESCE(${group}, '(none)') AS "group",${bucket ? ` ${bucket} AS bucket,` : ''}
              ${sumColumns}
       FROM ${table}
       WHERE ${where}
       GROUP BY 1${bucket ? ', 2' : ''}
       ORDER BY 1${bucket ? ', 2' : ''}`;
}

/**
 * Summed by group (and bucket) first, so the ranking and the fold read those sums, not every
 * record again. Groups are ranked over the whole window (so a kept group's series is whole in
 * every bucket), by cost, requests, then name in code-point order (COLLATE "C", as SQLite and
 * JavaScript order names); those past `limit` share one row a bucket, `kept` NULL, listed last.
 */
function keptGroupsSql(table: string, group: string, bucket: string | undefined, where: string, limit: string): string {
  return `WITH cells AS (
         SELECT COALESCE(${group}, '(none)') AS g,${bucket ? ` ${bucket} AS bucket,` : ''}
                ${sumColumns}
         FROM ${table}
         WHERE ${where}
         GROUP BY 1${bucket ? ', 2' : ''}
       ),
       ranked AS (
         SELECT g, row_number() OVER (ORDER BY sum(cost_usd) DESC, sum(requests) DESC, g COLLATE "C") AS place, count(*) OVER () AS groups
         FROM cells GROUP BY g
       ),
       sorted AS (
         SELECT CASE WHEN ranked.place <= ${limit} THEN cells.g END AS kept, ranked.groups, cells.*
         FROM cells JOIN ranked ON ranked.g = cells.g
       )
       SELECT COALESCE(kept, '${OTHER_USAGE_GROUP}') AS "group",${bucket ? ' bucket,' : ''}
              sum(requests) AS requests,
              sum(input_tokens) AS input_tokens,
              sum(output_tokens) AS output_tokens,
              sum(cached_input_tokens) AS cached_input_tokens,
              sum(reasoning_tokens) AS reasoning_tokens,
              sum(cost_usd) AS cost_usd,
              sum(errors) AS errors,
              sum(estimated_requests) AS estimated_requests,
              sum(estimated_cost_usd) AS estimated_cost_usd,
              CASE WHEN kept IS NULL THEN max(groups) - ${limit} END AS folded_groups
       FROM sorted
       GROUP BY kept${bucket ? ', bucket' : ''}
       ORDER BY kept IS NULL, kept${bucket ? ', bucket' : ''}`;
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
    // Run again on a new connection when its connection was lost: a record already in is skipped (unique by request id).
    await onceMoreOnNewConnection(this.pool, (pool) => pool.query(`INSERT INTO ${this.t.usage} (${insertColumns}) SELECT * FROM unnest(${unnestArguments}) ON CONFLICT (id) DO NOTHING`, values));
  }

  async query(query: UsageQuery): Promise<UsageRow[]> {
    if (!Object.hasOwn(groupExpressions, query.groupBy)) throw new Error(`unknown usage grouping: ${String(query.groupBy)}`);
    if (query.bucket !== undefined && !Object.hasOwn(bucketExpressions, query.bucket)) throw new Error(`unknown usage bucket: ${String(query.bucket)}`);
    const group = groupExpressions[query.groupBy];
    const bucket = query.bucket === undefined ? undefined : bucketExpressions[query.bucket];
    const values: unknown[] = [query.from, query.to];
    let where = 'at >= $1 AND at < $2';
    if (query.keyId !== undefined) {
      values.push(query.keyId);
      where += ' AND key_id = $3';
    }
    const { rows } = await this.pool.query<UsageRowRaw>(query.limit === undefined ? allGroupsSql(this.t.usage, group, bucket, where) : keptGroupsSql(this.t.usage, group, bucket, where, `$${values.push(query.limit)}`), values);
    return rows.map((row) => ({
      group: row.group,
      requests: toNumber(row.requests),
      inputTokens: toNumber(row.input_tokens),
      outputTokens: toNumber(row.output_tokens),
      cachedInputTokens: toNumber(row.cached_input_tokens),
      reasoningTokens: toNumber(row.reasoning_tokens),
      // The numeric sum is exact, but of each record's cost as written, float noise and all
      // (3 tokens at $0.10 a million is 3.0000000000000004e-7): read as SQLite's sums are read.
      costUsd: sumOfCosts(toNumber(row.cost_usd)),
      errors: toNumber(row.errors),
      estimatedRequests: toNumber(row.estimated_requests),
      // NULL (no estimated record in the group) reads as 0.
      estimatedCostUsd: sumOfCosts(toNumber(row.estimated_cost_usd)),
      ...(row.bucket !== undefined && { bucket: row.bucket }),
      ...(row.folded_groups != null && { foldedGroups: toNumber(row.folded_groups) }),
    }));
  }

  async listRecords(query: UsageRecordQuery): Promise<UsageRecordPage> {
    const cursor = query.cursor === undefined ? undefined : decodeLedgerCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new TypeError('not a ledger cursor');
    // Each filter adds a fixed clause; every value is a bound parameter.
    const values: unknown[] = [query.from, query.to];
    const clauses = ['at >= $1', 'at < $2'];
    const bind = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    if (query.keyId !== undefined) clauses.push(`key_id = ${bind(query.keyId)}`);
    if (query.model !== undefined) {
      const model = bind(query.model);
      clauses.push(`(provider || '/' || model = ${model} OR requested_model = ${model})`);
    }
    if (query.status === 'ok') clauses.push('status < 400');
    else if (query.status === 'error') clauses.push('status >= 400');
    else if (typeof query.status === 'number') clauses.push(`status = ${bind(query.status)}`);
    if (cursor) {
      // Records are kept to the millisecond (what the gateway writes), so the cursor's time is exact.
      const at = bind(new Date(cursor.atMs).toISOString());
      clauses.push(`(at < ${at}::timestamptz OR (at = ${at}::timestamptz AND id < ${bind(cursor.id)}))`);
    }
    const limit = bind(query.limit + 1);
    const { rows } = await this.pool.query<UsageColumns>(
      `SELECT id, at, endpoint, key_id, team, project, requested_model, provider, model, stream, input_tokens, output_tokens,
              cached_input_tokens, reasoning_tokens, cost_usd, latency_ms, status, error_code, cache_hit, attempts,
              usage_estimated
       FROM ${this.t.usage}
       WHERE ${clauses.join(' AND ')}
       ORDER BY at DESC, id DESC
       LIMIT ${limit}`,
      values,
    );
    const records = rows.map(toRecord);
    if (records.length <= query.limit) return { records };
    records.length = query.limit;
    const last = records[records.length - 1]!;
    return { records, nextCursor: encodeLedgerCursor({ atMs: Date.parse(last.at), id: last.id }) };
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ count: string }>(`SELECT count(*) AS count FROM ${this.t.usage}`);
    return toNumber(rows[0]?.count);
  }

  close(): Promise<void> {
    return this.closePool();
  }
}
