import type { UsageRecord } from '@switchyard/core';

/** One request from the ledger as the admin API shows it (snake_case, nulls for unset). */
export interface RequestRecordRow {
  id: string;
  at: string;
  endpoint: string;
  key_id: string | null;
  team: string | null;
  project: string | null;
  requested_model: string | null;
  provider: string | null;
  model: string | null;
  stream: boolean;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  latency_ms: number;
  status: number;
  error_code: string | null;
  cache_hit: boolean;
  attempts: number;
  /** The counts and the cost hold the gateway's estimate where the provider gave none (docs/pricing.md). */
  usage_estimated: boolean;
}

export function formatUsageRecord(record: UsageRecord): RequestRecordRow {
  return {
    id: record.id,
    at: record.at,
    endpoint: record.endpoint,
    key_id: record.keyId ?? null,
    team: record.team ?? null,
    project: record.project ?? null,
    requested_model: record.requestedModel ?? null,
    provider: record.provider ?? null,
    model: record.model ?? null,
    stream: record.stream,
    input_tokens: record.inputTokens,
    output_tokens: record.outputTokens,
    cached_input_tokens: record.cachedInputTokens,
    reasoning_tokens: record.reasoningTokens,
    cost_usd: record.costUsd,
    latency_ms: record.latencyMs,
    status: record.status,
    error_code: record.errorCode ?? null,
    cache_hit: record.cacheHit,
    attempts: record.attempts,
    usage_estimated: record.usageEstimated === true,
  };
}
