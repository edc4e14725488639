import type { Endpoint } from '../chain/request-context.js';

/** One record per request: what it asked for, what served it, what it cost. */
export interface UsageRecord {
  /** The request id. */
  id: string;
  /** ISO time the request arrived. */
  at: string;
  endpoint: Endpoint;
  keyId: string | undefined;
  team: string | undefined;
  project: string | undefined;
  requestedModel: string | undefined;
  provider: string | undefined;
  /** The deployment's model id (what the provider was asked for). */
  model: string | undefined;
  stream: boolean;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  /** The counts (and the cost) hold the gateway's estimate where the provider gave none (RequestRecord.usageEstimated); absent means false. */
  usageEstimated?: boolean;
  latencyMs: number;
  status: number;
  errorCode: string | undefined;
  cacheHit: boolean;
  attempts: number;
}

/** What usage is grouped by; `error_code` is the catalogue code of failed requests (`(none)` for successes). */
export type UsageGroup = 'key' | 'team' | 'project' | 'model' | 'provider' | 'day' | 'error_code';

/** A time bucket usage may also be split by: UTC hours or UTC days. */
export type UsageBucket = 'hour' | 'day';

export interface UsageQuery {
  groupBy: UsageGroup;
  /** ISO times, from inclusive, to exclusive. */
  from: string;
  to: string;
  keyId?: string;
  /** Also split each group by this time bucket (rows then carry `bucket`), for charts over time. */
  bucket?: UsageBucket;
  /**
   * Most groups to list (1 or more): the groups that cost most over the whole window, then
   * made most requests, then come first by name (code-unit order) are kept; the rest are folded into one row
   * whose group is `OTHER_USAGE_GROUP` and which carries `foldedGroups` (one such row per
   * bucket with `bucket`). Absent: every group.
   */
  limit?: number;
}

/** The group of the row that folds every group past a query's `limit`. */
export const OTHER_USAGE_GROUP = '(other)';

export interface UsageRow {
  /** The group's value (`team-a`, `openai`, `2026-11-27`); `(none)` where unset. */
  group: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
  costUsd: number;
  errors: number;
  /** How many of `requests` hold the gateway's estimate rather than the provider's count (UsageRecord.usageEstimated). */
  estimatedRequests: number;
  /** The part of `costUsd` those records make up, summed as `costUsd` is. */
  estimatedCostUsd: number;
  /** With `bucket` asked for: the bucket's start, ISO UTC without milliseconds (`2026-11-27T13:00:00Z`). */
  bucket?: string;
  /** Only on the row folding the groups past `limit`: how many groups it holds over the whole window. */
  foldedGroups?: number;
}

/** Which requests `listRecords` returns, newest first. */
export interface UsageRecordQuery {
  /** ISO times, from inclusive, to exclusive. */
  from: string;
  to: string;
  keyId?: string;
  /** Matches the `provider/model` that served a request or the model name the client asked for. */
  model?: string;
  /** `ok` (status below 400), `error` (400 and above) or one HTTP status. */
  status?: 'ok' | 'error' | number;
  /** Most records in one page (the caller bounds it; implementations expect 1 to 1000). */
  limit: number;
  /** From the previous page's `nextCursor` (see `decodeLedgerCursor`). */
  cursor?: string;
}

/** One page of records, newest first; `nextCursor` is there when more may follow. */
export interface UsageRecordPage {
  records: UsageRecord[];
  nextCursor?: string;
}

/** Where usage records go; written in batches by the gateway, never per request. */
export interface UsageLedger {
  migrate(): Promise<void>;
  /** Appends records atomically: all of them or none. */
  append(records: UsageRecord[]): Promise<void>;
  query(query: UsageQuery): Promise<UsageRow[]>;
  /** Single records, newest first, filtered and paged (for the dashboard's recent requests). */
  listRecords(query: UsageRecordQuery): Promise<UsageRecordPage>;
  /** How many records there are (for tests and health). */
  count(): Promise<number>;
  close(): Promise<void>;
}
