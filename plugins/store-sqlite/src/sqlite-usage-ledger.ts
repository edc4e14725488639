import type { UsageGroup, UsageLedger, UsageQuery, UsageRecord, UsageRow } from '@switchyard/core';
import type Database from 'better-sqlite3';
import type { SqliteHandle } from './database.js';

/** The SQL expression each group is read from; `(none)` where the record has no value. */
const groupExpressions: Record<UsageGroup, string> = {
  key: `COALESCE(key_id, '(none)')`,
  team: `COALESCE(team, '(none)')`,
  project: `COALESCE(project, '(none)')`,
  // `provider/model`, the name a client uses: the same model id under two providers is two rows.
  model: `COALESCE(provider || '/' || model, model, '(none)')`,
  provider: `COALESCE(provider, '(none)')`,
  day: `date(at_ms / 1000, 'unixepoch')`,
};

function querySql(groupBy: UsageGroup, byKey: boolean): string {
  return `SELECT ${groupExpressions[groupBy]} AS "group",
      COUNT(*) AS requests,
      SUM(input_tokens) AS inputTokens,
      SUM(output_tokens) AS outputTokens,
      SUM(cached_input_tokens) AS cachedInputTokens,
      SUM(reasoning_tokens) AS reasoningTokens,
      SUM(cost_usd) AS costUsd,
      SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors
    FROM usage
    WHERE at_ms >= @from AND at_ms < @to ${byKey ? 'AND key_id = @key_id' : ''}
    GROUP BY 1
    ORDER BY 1`;
}

function prepareStatements(db: Database.Database) {
  const queries = new Map<string, Database.Statement>();
  return {
    insertOne: db.prepare(insertSql(1)),
    insertChunk: db.prepare(insertSql(rowsPerStatement)),
    count: db.prepare('SELECT COUNT(*) AS n FROM usage'),
    /** Twelve statements at most (six groups, with or without a key), each prepared on first use. */
    query(groupBy: UsageGroup, byKey: boolean): Database.Statement {
      const name = `${groupBy}:${byKey}`;
      let statement = queries.get(name);
      if (!statement) {
        if (!(groupBy in groupExpressions)) throw new TypeError(`unknown usage group: ${String(groupBy)}`);
        statement = db.prepare(querySql(groupBy, byKey));
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
  'error_code', 'cache_hit', 'attempts',
];

/** Rows per multi-row INSERT: far fewer statement executions for a batch, well under SQLite's parameter limit. */
const rowsPerStatement = 50;

function insertSql(rows: number): string {
  const tuple = `(${usageColumns.map(() => '?').join(', ')})`;
  return `INSERT INTO usage (${usageColumns.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}
    ON CONFLICT (id) DO NOTHING`;
}

/** A record's values in column order (positional binding is cheaper than named). */
function rowValues(record: UsageRecord): unknown[] {
  return [
    record.id,
    record.at,
    toMillis(record.at, 'at'),
    record.endpoint,
    record.keyId ?? null,
    record.team ?? null,
    record.project ?? null,
    record.requestedModel ?? null,
    record.provider ?? null,
    record.model ?? null,
    record.stream ? 1 : 0,
    record.inputTokens,
    record.outputTokens,
    record.cachedInputTokens,
    record.reasoningTokens,
    record.costUsd,
    Math.round(record.latencyMs),
    record.status,
    record.errorCode ?? null,
    record.cacheHit ? 1 : 0,
    record.attempts,
  ];
}

/**
 * The usage ledger in SQLite: one row per request, a batch per transaction. Times
 * are kept as epoch milliseconds too, so ranges compare as numbers whatever ISO
 * form the caller used. A record whose id is already there is skipped, so a
 * retried batch does not count twice.
 */
export class SqliteUsageLedger implements UsageLedger {
  private readonly statements: () => ReturnType<typeof prepareStatements>;
  private readonly appendBatch: (records: UsageRecord[]) => void;

  constructor(private readonly handle: SqliteHandle) {
    this.statements = handle.prepare(prepareStatements);
    this.appendBatch = (records) => {
      const { insertOne, insertChunk } = this.statements();
      handle.db
        .transaction(() => {
          let index = 0;
          for (; index + rowsPerStatement <= records.length; index += rowsPerStatement) {
            insertChunk.run(records.slice(index, index + rowsPerStatement).flatMap(rowValues));
          }
          for (; index < records.length; index++) insertOne.run(rowValues(records[index]!));
        })
        .immediate();
    };
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
    if (byKey) params['key_id'] = query.keyId;
    const rows = this.statements().query(query.groupBy, byKey).all(params) as UsageRow[];
    return rows.map((r) => ({ ...r, group: String(r.group) }));
  }

  async count(): Promise<number> {
    return (this.statements().count.get() as { n: number }).n;
  }

  async close(): Promise<void> {
    this.handle.close();
  }
}
