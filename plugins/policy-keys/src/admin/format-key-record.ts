import type { AuditEntry, KeyScope, VirtualKey } from '@switchyard/core';

/** A key's scope as the admin API shows it. */
export interface ScopeRecord {
  models?: string[];
  endpoints?: string[];
  max_tokens?: number;
  budget?: { limit_usd: number; period: string; alert_threshold?: number };
  rpm?: number;
  tpm?: number;
  expires_at?: string;
}

/** A key as the admin API shows it: snake_case, and never a hash or a secret. */
export interface KeyRecord {
  id: string;
  name: string;
  team: string | null;
  project: string | null;
  user: string | null;
  tags: string[];
  scope: ScopeRecord;
  disabled: boolean;
  /**
   * `active`, `disabled`, `expired` or `revoked`, judged at the time of the answer; of several,
   * the first of revoked, disabled, expired: the one its requests' 401 names (`key_disabled`…).
   */
  status: 'active' | 'disabled' | 'expired' | 'revoked';
  created_at: string;
  updated_at: string;
  revoked_at: string | null;
  expires_at: string | null;
  /**
   * The prefixes of the key's secrets that have not ended (two during a rotation's grace period).
   * A revoked key keeps those it had when revoked, though none of them works (its `status` says
   * so): a secret found in a log or a repository is still matched to its key, and seen revoked.
   */
  secret_prefixes: string[];
  /** `GET /keys` only: spent in the budget's current window; null without a budget (or budget store). */
  budget_spent_usd?: number | null;
}

export interface AuditRecord {
  key_id: string;
  action: string;
  actor: string;
  at: string;
  details: Record<string, unknown>;
}

export function formatScope(scope: KeyScope): ScopeRecord {
  const record: ScopeRecord = {};
  if (scope.models !== undefined) record.models = scope.models;
  if (scope.endpoints !== undefined) record.endpoints = scope.endpoints;
  if (scope.maxTokens !== undefined) record.max_tokens = scope.maxTokens;
  if (scope.budget !== undefined) {
    record.budget = {
      limit_usd: scope.budget.limitUsd,
      period: scope.budget.period,
      ...(scope.budget.alertThreshold !== undefined && { alert_threshold: scope.budget.alertThreshold }),
    };
  }
  if (scope.rpm !== undefined) record.rpm = scope.rpm;
  if (scope.tpm !== undefined) record.tpm = scope.tpm;
  if (scope.expiresAt !== undefined) record.expires_at = scope.expiresAt;
  return record;
}

export function formatKeyRecord(key: VirtualKey, now: Date): KeyRecord {
  const expiresAt = key.scope.expiresAt;
  const expired = expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime();
  return {
    id: key.id,
    name: key.name,
    team: key.team ?? null,
    project: key.project ?? null,
    user: key.user ?? null,
    tags: key.tags,
    scope: formatScope(key.scope),
    disabled: key.disabled,
    // The order assertKeyUsable refuses in: the status names the 401 the key's requests get.
    status: key.revokedAt !== undefined ? 'revoked' : key.disabled ? 'disabled' : expired ? 'expired' : 'active',
    created_at: key.createdAt,
    updated_at: key.updatedAt,
    revoked_at: key.revokedAt ?? null,
    expires_at: expiresAt ?? null,
    secret_prefixes: key.secrets
      .filter((secret) => secret.expiresAt === undefined || Date.parse(secret.expiresAt) > now.getTime())
      .map((secret) => secret.prefix),
  };
}

export function formatAuditEntry(entry: AuditEntry): AuditRecord {
  return { key_id: entry.keyId, action: entry.action, actor: entry.actor, at: entry.at, details: entry.details };
}
