import { createHash, randomUUID } from 'node:crypto';
import type { BudgetPeriod } from '@switchyard/core';

/** What happened to a budget: its spend crossed the soft alert threshold, or reached the limit. */
export type BudgetAlertType = 'budget.threshold_crossed' | 'budget.limit_reached';

/** Every event type, for option schemas and docs. */
export const budgetAlertTypes: readonly BudgetAlertType[] = ['budget.threshold_crossed', 'budget.limit_reached'];

/** Whose budget: a virtual key, a team or a project. */
export type BudgetOwnerKind = 'key' | 'team' | 'project';

/**
 * The JSON body POSTed to a webhook. Field names are the wire contract (snake_case,
 * like the admin API); see docs/alerts.md.
 */
export interface BudgetAlertEvent {
  /**
   * Deterministic from (type, owner, window): every instance that notices the same
   * crossing sends the same id, so a receiver dedups across instances by it.
   */
  id: string;
  type: BudgetAlertType;
  /** When this instance noticed it (ISO 8601). */
  occurred_at: string;
  /** The key's id (never its secret), the team's or the project's name. */
  owner: { kind: BudgetOwnerKind; id: string };
  /** The budget window; `end` is null for `total` budgets, which never reset. */
  window: { period: BudgetPeriod; start: string; end: string | null };
  limit_usd: number;
  /** Settled spend in the window when the event was noticed. */
  spent_usd: number;
  /** The alert threshold as a fraction of the limit (0.8), null when none is set. */
  threshold: number | null;
  /** `settlement`: a finished request's cost crossed it; `refusal`: a request was refused because the budget is spent. */
  trigger: 'settlement' | 'refusal';
  /** A random id per delivery attempt series, for the receiver's logs (not for dedup). */
  delivery_id: string;
}

/** `evt_` and 32 hex characters of SHA-256 over type, owner and window start. */
export function budgetAlertEventId(type: BudgetAlertType, owner: string, windowStart: string): string {
  return `evt_${createHash('sha256').update(`${type}\n${owner}\n${windowStart}`).digest('hex').slice(0, 32)}`;
}

/** A fresh delivery id. */
export function newDeliveryId(): string {
  return `dlv_${randomUUID().replaceAll('-', '')}`;
}
