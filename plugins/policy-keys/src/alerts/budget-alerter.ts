import type { BudgetAccount, BudgetPeriod, BudgetStore, Logger } from '@switchyard/core';
import { LRUCache } from 'lru-cache';
import type { Counter } from 'prom-client';
import { budgetWindowEnd } from '../budget-window.js';
import { budgetAlertEventId, newDeliveryId, type BudgetAlertEvent, type BudgetAlertType, type BudgetOwnerKind } from './budget-alert-event.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';

/** A budget a request is charged to, with what alerting needs to know about it. */
export interface AlertAccount {
  account: BudgetAccount;
  kind: BudgetOwnerKind;
  /** Key id, team or project name. */
  id: string;
  period: BudgetPeriod;
  /** Soft alert threshold, a fraction of the limit in (0, 1]; none when undefined. */
  threshold: number | undefined;
}

export interface BudgetAlerterOptions {
  logger: Logger;
  /** `switchyard_budget_alerts_total{owner_kind,event}`. */
  alerts: Counter<'owner_kind' | 'event'>;
  /** Where events go besides the log; none configured when undefined. */
  dispatcher: WebhookDispatcher | undefined;
  /** Windows remembered as alerted; default 10,000. */
  maxRemembered?: number;
  clock?: () => Date;
}

/**
 * Notices when a budget's spend crosses its alert threshold or reaches its limit
 * (after a request settled, or when one was refused for a spent budget) and
 * announces it once per owner, window and event type in this process: a log line,
 * a metric, and an event for the webhooks. Several instances may each announce the
 * same crossing once; the event id is the same on all of them, so receivers dedup.
 */
export class BudgetAlerter {
  /**
   * Announced (type, owner, window) triples. Bounded: a new window per key per period
   * must not grow it for ever (a forgotten one may be announced a second time, which
   * the deterministic event id makes harmless to a receiver that dedups). Built by the
   * first announcement: lru-cache preallocates its arrays (~220 KB at 10,000), and most
   * gateways never announce anything.
   */
  private announced: LRUCache<string, true> | undefined;
  private readonly clock: () => Date;

  constructor(private readonly options: BudgetAlerterOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * After a request's cost was settled: reads the spend of each account that could
   * still cross something. `mayHaveReachedLimit` says the settlement used up what held
   * it (the request's own reservation, or its grant): only such a settlement can bring
   * spend to the limit (holds keep spent + held ≤ limit, so one that leaves its hold
   * partly unspent cannot), which spares a store read per request for budgets without
   * a threshold.
   */
  async afterSettlement(accounts: readonly AlertAccount[], budgets: BudgetStore, mayHaveReachedLimit: boolean): Promise<void> {
    for (const account of accounts) {
      const threshold = account.threshold !== undefined && !this.wasAnnounced(account, 'budget.threshold_crossed');
      const limit = mayHaveReachedLimit && !this.wasAnnounced(account, 'budget.limit_reached');
      if (!threshold && !limit) continue;
      const spent = await budgets.spent(account.account.owner, account.account.windowStart);
      const limitUsd = account.account.limitUsd;
      if (threshold && spent >= account.threshold! * limitUsd) this.announce(account, 'budget.threshold_crossed', spent, 'settlement');
      if (limit && spent >= limitUsd) this.announce(account, 'budget.limit_reached', spent, 'settlement');
    }
  }

  /**
   * A request whose maximum cost is `maxCostUsd` was refused by this account's budget. Only
   * a refusal the spend alone makes is the limit reached: one made by the holds of requests
   * in flight (ten at $0.50 each on a $5 budget, nothing spent yet) was announced with
   * `spent_usd: 0`, and, once per window, kept the real crossing from being announced.
   */
  async afterRefusal(account: AlertAccount, budgets: BudgetStore, maxCostUsd: number): Promise<void> {
    if (this.wasAnnounced(account, 'budget.limit_reached')) return;
    const spent = await budgets.spent(account.account.owner, account.account.windowStart);
    if (!(spent + maxCostUsd > account.account.limitUsd)) return;
    this.announce(account, 'budget.limit_reached', spent, 'refusal');
  }

  private wasAnnounced(account: AlertAccount, type: BudgetAlertType): boolean {
    return this.announced?.has(dedupKey(account, type)) ?? false;
  }

  private announce(account: AlertAccount, type: BudgetAlertType, spent: number, trigger: BudgetAlertEvent['trigger']): void {
    // Checked again here, with no await since: two requests settling at once read the same crossing.
    const key = dedupKey(account, type);
    this.announced ??= new LRUCache({ max: this.options.maxRemembered ?? 10_000 });
    if (this.announced.has(key)) return;
    this.announced.set(key, true);
    const { owner, windowStart, limitUsd } = account.account;
    const event: BudgetAlertEvent = {
      id: budgetAlertEventId(type, owner, windowStart),
      type,
      occurred_at: this.clock().toISOString(),
      owner: { kind: account.kind, id: account.id },
      window: { period: account.period, start: windowStart, end: budgetWindowEnd(account.period, windowStart) ?? null },
      limit_usd: limitUsd,
      spent_usd: spent,
      threshold: account.threshold ?? null,
      trigger,
      delivery_id: newDeliveryId(),
    };
    this.options.alerts.inc({ owner_kind: account.kind, event: type });
    this.options.logger.info(
      {
        eventId: event.id,
        event: type,
        ownerKind: account.kind,
        ownerId: account.id,
        windowStart,
        limitUsd,
        spentUsd: spent,
        threshold: event.threshold,
        trigger,
      },
      type === 'budget.limit_reached' ? `budget alert: the ${account.kind}'s budget is spent` : `budget alert: the ${account.kind}'s spend crossed its alert threshold`,
    );
    this.options.dispatcher?.enqueue(event);
  }
}

function dedupKey(account: AlertAccount, type: BudgetAlertType): string {
  return `${type}\n${account.account.owner}\n${account.account.windowStart}`;
}
