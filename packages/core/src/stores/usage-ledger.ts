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
  latencyMs: number;
  status: number;
  errorCode: string | undefined;
  cacheHit: boolean;
  attempts: number;
}

export type UsageGroup = 'key' | 'team' | 'project' | 'model' | 'provider' | 'day';

export interface UsageQuery {
  groupBy: UsageGroup;
  /** ISO times, from inclusive, to exclusive. */
  from: string;
  to: string;
  keyId?: string;
}

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
}

/** Where usage records go; written in batches by the gateway, never per request. */
export interface UsageLedger {
  migrate(): Promise<void>;
  /** Appends records atomically: all of them or none. */
  append(records: UsageRecord[]): Promise<void>;
  query(query: UsageQuery): Promise<UsageRow[]>;
  /** How many records there are (for tests and health). */
  count(): Promise<number>;
  close(): Promise<void>;
}
