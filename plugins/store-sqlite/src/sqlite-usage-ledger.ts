import { decodeLedgerCursor, encodeLedgerCursor, OTHER_USAGE_GROUP, sumOfCosts } from '@switchyard/core/store-helpers';
import type {
  Endpoint,
  UsageBucket,
  UsageGroup,
  UsageLedger,
  UsageQuery,
  UsageRecord,
  UsageRecordPage,
  UsageRecordQuery,
  UsageRow,
} from '@switchyard/core';
import type Database from 'better-sqlite3';
import type { SqliteHandle } from './database.js';
import { wellFormedText } from './well-formed-text.js';

/** The SQL expression each group is read from; `(none)` where the record has no value. */
const groupExpressions: Record<UsageGroup, string> = {
  key: `COALESCE(key_id, '(none)')`,
  team: `COALESCE(team, '(none)')`,
  project: `COALESCE(project, '(none)')`,
  // `provider/model`, the name a client uses: the same model id under two providers is two rows.
  model: `COALESCE(provider || '/' || model, model, '(none)')`,
  provider: `COALESCE(provider, '(none)')`,
  day: `date(at_ms / 1000, 'unixepoch')`,
  error_code: `COALESCE(error_code, '(none)')`,
};

/** The start of each time bucket, ISO UTC without milliseconds. */
const bucketExpressions: Record<UsageBucket, string> = {
  hour: `strftime('%Y-%m-%dT%H:00:00Z', at_ms / 1000, 'unixepoch')`,
  day: `strftime('%Y-%m-%dT00:00:00Z', at_ms / 1000, 'unixepoch')`,
};

/** The sums of a usage row, over the rows of `source`. */
const sumColumns = `COUNT(*) AS requests,
      -- TOTAL(), not SUM(): a SUM() of integers past 2^63 throws "integer overflow" (a thousand records of the
      -- largest count an upstream may report), failing every report of the range; JavaScript reads neither exactly.
      TOTAL(input_tokens) AS inputTokens,
      TOTAL(output_tokens) AS outputTokens,
      TOTAL(cached_input_tokens) AS cachedInputTokens,
      TOTAL(reasoning_tokens) AS reasoningTokens,
      SUM(cost_usd) AS costUsd,
      SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
      SUM(usage_estimated) AS estimatedRequests,
      -- TOTAL() as SUM(cost_usd) reads it: a float, 0.0 where none is estimated (sumOfCosts drops the noise below).
      TOTAL(CASE WHEN usage_estimated = 1 THEN cost_usd END) AS estimatedCostUsd`;

function querySql(groupBy: UsageGroup, byKey: boolean, bucket: UsageBucket | undefined, limited: boolean): string {
  const where = `at_ms >= @from AND at_ms < @to ${byKey ? 'AND key_id = @key_id' : ''}`;
  if (!limited) {
    const bucketColumn = bucket ? `, ${bucketExpressions[bucket]} AS bucket` : '';
    return `SELECT ${groupExpressions[groupBy]} AS "group"${bucketColumn}, ${sumColumns}
    FROM usage
    WHERE ${where}
    GROUP BY 1${bucket ? ', 2' : ''}
    ORDER BY 1${bucket ? ', 2' : ''}`;
  }
  // Summed by group (and bucket) first, so the ranking and the fold read those sums, not every
  // record again. Groups are ranked over the whole window (a kept group's series is whole in
  // every bucket); those past @limit share one row a bucket, `kept` NULL, listed last.
  return `WITH cells AS (
      SELECT ${groupExpressions[groupBy]} AS g${bucket ? `, ${bucketExpressions[bucket]} AS bucket` : ''}, ${sumColumns}
      FROM usage
      WHERE ${where}
      GROUP BY 1${bucket ? ', 2' : ''}
    ),
    ranked AS (
      SELECT g, ROW_NUMBER() OVER (ORDER BY SUM(costUsd) DESC, SUM(requests) DESC, g) AS place, COUNT(*) OVER () AS groups
      FROM cells GROUP BY g
    ),
    sorted AS (
      SELECT CASE WHEN ranked.place <= @limit THEN cells.g END AS kept, ranked.groups, cells.*
      FROM cells JOIN ranked ON ranked.g = cells.g
    )
    SELECT COALESCE(kept, '${OTHER_USAGE_GROUP}') AS "group"${bucket ? ', bucket' : ''},
      SUM(requests) AS requests,
      TOTAL(inputTokens) AS inputTokens,
      TOTAL(outputTokens) AS outputTokens,
      TOTAL(cachedInputTokens) AS cachedInputTokens,
      TOTAL(reasoningTokens) AS reasoningTokens,
      SUM(costUsd) AS costUsd,
      SUM(errors) AS errors,
      SUM(estimatedRequests) AS estimatedRequests,
      TOTAL(estimatedCostUsd) AS estimatedCostUsd,
      CASE WHEN kept IS NULL THEN MAX(groups) - @limit END AS foldedGroups
    FROM sorted
    GROUP BY kept${bucket ? ', bucket' : ''}
    ORDER BY kept IS NULL, kept${bucket ? ', bucket' : ''}`;
}

/** The filters of `listRecords` that are set: each adds one fixed clause, so values are only ever bound. */
interface RecordFilters {
  key: boolean;
  model: boolean;
  status: 'ok' | 'error' | 'exact' | undefined;
  cursor: boolean;
}

function listSql(filters: RecordFilters): string {
  const clauses = ['at_ms >= @from', 'at_ms < @to'];
  if (filters.key) clauses.push('key_id = @key_id');
  if (filters.model) clauses.push(`(provider || '/' || model = @model OR requested_model = @model)`);
  if (filters.status === 'ok') clauses.push('status < 400');
  if (filters.status === 'error') clauses.push('status >= 400');
  if (filters.status === 'exact') clauses.push('status = @status');
  if (filters.cursor) clauses.push('(at_ms < @cursor_at OR (at_ms = @cursor_at AND id < @cursor_id))');
  return `SELECT * FROM usage WHERE ${clauses.join(' AND ')} ORDER BY at_ms DESC, id DESC LIMIT @limit`;
}

interface UsageColumns {
  id: string;
  at: string;
  at_ms: number;
  endpoint: string;
  key_id: string | null;
  team: string | null;
  project: string | null;
  requested_model: string | null;
  provider: string | null;
  model: string | null;
  stream: number;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  latency_ms: number;
  status: number;
  error_code: string | null;
  cache_hit: number;
  attempts: number;
  usage_estimated: number;
}

function toRecord(row: UsageColumns): UsageRecord {
  return {
    id: row.id,
    at: new Date(row.at_ms).toISOString(),
    endpoint: row.endpoint as Endpoint,
    keyId: row.key_id ?? undefined,
    team: row.team ?? undefined,
    project: row.project ?? undefined,
    requestedModel: row.requested_model ?? undefined,
    provider: row.provider ?? undefined,
    model: row.model ?? undefined,
    stream: row.stream === 1,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cachedInputTokens: row.cached_input_tokens,
    reasoningTokens: row.reasoning_tokens,
    costUsd: row.cost_usd,
    latencyMs: row.latency_ms,
    status: row.status,
    errorCode: row.error_code ?? undefined,
    cacheHit: row.cache_hit === 1,
    attempts: row.attempts,
    usageEstimated: row.usage_estimated === 1,
  };
}

function prepareStatements(db: Database.Database) {
  const queries = new Map<string, Database.Statement>();
  return {
    insertOne: db.prepare(insertSql(1)),
    insertChunk: db.prepare(insertSql(rowsPerStatement)),
    count: db.prepare('SELECT COUNT(*) AS n FROM usage'),
    /** 84 statements at most (seven groups, with or without a key, three bucketings, with or without a limit), each prepared on first use. */
    query(groupBy: UsageGroup, byKey: boolean, bucket: UsageBucket | undefined, limited: boolean): Database.Statement {
      const name = `${groupBy}:${byKey}:${bucket}:${limited}`;
      let statement = queries.get(name);
      if (!statement) {
        if (!Object.hasOwn(groupExpressions, groupBy)) throw new TypeError(`unknown usage group: ${String(groupBy)}`);
        if (bucket !== undefined && !Object.hasOwn(bucketExpressions, bucket)) throw new TypeError(`unknown usage bucket: ${String(bucket)}`);
        statement = db.prepare(querySql(groupBy, byKey, bucket, limited));
        queries.set(name, statement);
      }
      return statement;
    },
    /** 48 statements at most (one per combination of filters), each prepared on first use. */
    list(filters: RecordFilters): Database.Statement {
      const name = `list:${filters.key}:${filters.model}:${filters.status}:${filters.cursor}`;
      let statement = queries.get(name);
      if (!statement) {
        statement = db.prepare(listSql(filters));
        queries.set(name, statement);
      }
      return statement;
    },
  };
}

function toMillis(iso: string, what: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new TypeError(`${what} is not a time: ${iso}`);
  return ms;
}

const usageColumns = [
  'id', 'at', 'at_ms', 'endpoint', 'key_id', 'team', 'project', 'requested_model', 'provider', 'model', 'stream',
  'input_tokens', 'output_tokens', 'cached_input_tokens', 'reasoning_tokens', 'cost_usd', 'latency_ms', 'status',
  'error_code', 'cache_hit', 'attempts', 'usage_estimated',
];

/** Rows per multi-row INSERT: far fewer statement executions for a batch, well under SQLite's parameter limit. */
const rowsPerStatement = 50;

function insertSql(rows: number): string {
  const tuple = `(${usageColumns.map(() => '?').join(', ')})`;
  return `INSERT INTO usage (${usageColumns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}
    ON CONFLICT (at_ms, id) DO NOTHING`;
}

/** A record's values in column order (positional binding is cheaper than named); text as it will read back (see wellFormedText). */
function rowValues(record: UsageRecord): unknown[] {
  return [
    wellFormedText(record.id),
    record.at,
    toMillis(record.at, 'at'),
    wellFormedText(record.endpoint),
    wellFormedText(record.keyId ?? null),
    wellFormedText(record.team ?? null),
    wellFormedText(record.project ?? null),
    wellFormedText(record.requestedModel ?? null),
    wellFormedText(record.provider ?? null),
    wellFormedText(record.model ?? null),
    record.stream ? 1 : 0,
    record.inputTokens,
    record.outputTokens,
    record.cachedInputTokens,
    record.reasoningTokens,
    record.costUsd,
    Math.round(record.latencyMs),
    record.status,
    wellFormedText(record.errorCode ?? null),
    record.cacheHit ? 1 : 0,
    record.attempts,
    record.usageEstimated === true ? 1 : 0,
  ];
}

/** A row without the `bucket` and `foldedGroups` SQL gave as NULL (or not at all). */
function dropUnset(row: UsageRow): UsageRow {
  const { bucket, foldedGroups, ...rest } = row;
  return { ...rest, ...(bucket != null && { bucket }), ...(foldedGroups != null && { foldedGroups }) };
}

/**
 * The usage ledger in SQLite: one row per request, a batch per transaction. Times
 * are kept as epoch milliseconds too, so ranges compare as numbers whatever ISO
 * form the caller used. A record whose id and time are already there is skipped,
 * so a retried batch does not count twice (a record's time is fixed when it is
 * made; rows are unique by the pair, see migration 7).
 */
export class SqliteUsageLedger implements UsageLedger {
  private readonly statements: () => ReturnType<typeof prepareStatements>;
  private readonly appendBatch: (records: UsageRecord[]) => void;

  constructor(private readonly handle: SqliteHandle) {
    this.statements = handle.prepare(prepareStatements);
    // Made once: better-sqlite3 builds four wrapper functions for every transaction() call.
    const insertAll = handle.db.transaction(({ insertOne, insertChunk }: ReturnType<typeof prepareStatements>, records: UsageRecord[]) => {
      let index = 0;
      for (; index + rowsPerStatement <= records.length; index += rowsPerStatement) {
        insertChunk.run(records.slice(index, index + rowsPerStatement).flatMap(rowValues));
      }
      for (; index < records.length; index++) insertOne.run(rowValues(records[index]!));
    });
    // The statements are prepared (and the schema migrated) before the transaction opens.
    this.appendBatch = (records) => insertAll.immediate(this.statements(), records);
  }

  async migrate(): Promise<void> {
    this.handle.migrate();
  }

  async append(records: UsageRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.appendBatch(records);
  }

  async query(query: UsageQuery): Promise<UsageRow[]> {
    const byKey = query.keyId !== undefined;
    const params: Record<string, unknown> = { from: toMillis(query.from, 'from'), to: toMillis(query.to, 'to') };
    if (byKey) params['key_id'] = wellFormedText(query.keyId);
    const limited = query.limit !== undefined;
    if (limited) params['limit'] = query.limit;
    const rows = this.statements().query(query.groupBy, byKey, query.bucket, limited).all(params) as UsageRow[];
    return rows.map((r) => dropUnset({ ...r, group: String(r.group), costUsd: sumOfCosts(r.costUsd), estimatedCostUsd: sumOfCosts(r.estimatedCostUsd) }));
  }

  async listRecords(query: UsageRecordQuery): Promise<UsageRecordPage> {
    const cursor = query.cursor === undefined ? undefined : decodeLedgerCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new TypeError('not a ledger cursor');
    const status = query.status === undefined ? undefined : typeof query.status === 'number' ? 'exact' : query.status;
    const filters: RecordFilters = { key: query.keyId !== undefined, model: query.model !== undefined, status, cursor: cursor !== undefined };
    const params: Record<string, unknown> = { from: toMillis(query.from, 'from'), to: toMillis(query.to, 'to'), limit: query.limit + 1 };
    if (query.keyId !== undefined) params['key_id'] = wellFormedText(query.keyId);
    if (query.model !== undefined) params['model'] = wellFormedText(query.model);
    if (typeof query.status === 'number') params['status'] = query.status;
    if (cursor) {
      params['cursor_at'] = cursor.atMs;
      params['cursor_id'] = cursor.id;
    }
    // One more than asked for tells whether another page follows without a second query.
    const rows = (this.statements().list(filters).all(params) as UsageColumns[]).map(toRecord);
    if (rows.length <= query.limit) return { records: rows };
    const records = rows.slice(0, query.limit);
    const last = records[records.length - 1]!;
    return { records, nextCursor: encodeLedgerCursor({ atMs: Date.parse(last.at), id: last.id }) };
  }

  async count(): Promise<number> {
    return (this.statements().count.get() as { n: number }).n;
  }

  async close(): Promise<void> {
    this.handle.close();
  }
}
