import { createLogger, isPluginOptionsError, type BudgetStore } from '@switchyard/core';
import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { webhookTargets, type AlertsOptions } from '../src/alerts/alerts-options.js';
import { budgetAlertEventId } from '../src/alerts/budget-alert-event.js';
import { BudgetAlerter, type AlertAccount } from '../src/alerts/budget-alerter.js';
import { retryAfterMs } from '../src/alerts/retry-after-ms.js';
import { budgetWindowEnd, budgetWindowStart } from '../src/budget-window.js';
import { keyScope } from '../src/key-scope-step.js';

/** Spend by owner, settable; counts reads. The alerter only ever reads spend. */
class SpendBook {
  readonly spentBy = new Map<string, number>();
  reads = 0;
  failing = false;
  readonly store = {
    spent: async (owner: string) => {
      this.reads++;
      await Promise.resolve();
      if (this.failing) throw new Error('store down');
      return this.spentBy.get(owner) ?? 0;
    },
  } as unknown as BudgetStore;
}

function alerterWithLog(maxRemembered?: number) {
  const registry = new Registry();
  const alerts = new Counter({ name: 'switchyard_budget_alerts_total', help: 'test', labelNames: ['owner_kind', 'event'], registers: [registry] });
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
  const alerter = new BudgetAlerter({ logger, alerts, dispatcher: undefined, ...(maxRemembered !== undefined && { maxRemembered }) });
  const count = async (event: string) =>
    (await alerts.get()).values.filter((value) => value.labels.event === event).reduce((sum, value) => sum + value.value, 0);
  const events = () => lines.map((line) => JSON.parse(line) as { event: string; eventId: string; trigger: string; ownerId: string; spentUsd: number });
  return { alerter, count, events };
}

const window = '2026-12-01T00:00:00.000Z';
function account(owner: string, threshold: number | undefined, windowStart = window): AlertAccount {
  const [kind, id] = owner.split(':') as [AlertAccount['kind'], string];
  return { account: { owner, windowStart, limitUsd: 10 }, kind, id, period: 'monthly', threshold };
}

describe('BudgetAlerter', () => {
  it('announces the threshold, then the limit, each once, with exact counts', async () => {
    const book = new SpendBook();
    const { alerter, count, events } = alerterWithLog();
    const key = account('key:key_a', 0.8);
    for (const spent of [5, 8, 9, 10, 12, 15]) {
      book.spentBy.set('key:key_a', spent);
      await alerter.afterSettlement([key], book.store, true);
    }
    expect(events().map((line) => [line.event, line.spentUsd, line.trigger])).toEqual([
      ['budget.threshold_crossed', 8, 'settlement'],
      ['budget.limit_reached', 10, 'settlement'],
    ]);
    expect(await count('budget.threshold_crossed')).toBe(1);
    expect(await count('budget.limit_reached')).toBe(1);
    // Both announced: later settlements read nothing.
    const reads = book.reads;
    await alerter.afterSettlement([key], book.store, true);
    expect(book.reads).toBe(reads);
  });

  it('announces once when several settlements notice the same crossing at the same time', async () => {
    const book = new SpendBook();
    book.spentBy.set('team:research', 9);
    const { alerter, count } = alerterWithLog();
    const team = account('team:research', 0.5);
    await Promise.all(Array.from({ length: 8 }, () => alerter.afterSettlement([team], book.store, true)));
    expect(await count('budget.threshold_crossed')).toBe(1);
  });

  it('skips the store read for a budget without threshold when the request settled below its reservation', async () => {
    const book = new SpendBook();
    book.spentBy.set('project:search', 10);
    const { alerter, count } = alerterWithLog();
    const project = account('project:search', undefined);
    await alerter.afterSettlement([project], book.store, false);
    expect(book.reads).toBe(0);
    expect(await count('budget.limit_reached')).toBe(0);
    await alerter.afterSettlement([project], book.store, true);
    expect(await count('budget.limit_reached')).toBe(1);
  });

  it('counts a refusal as limit reached, once', async () => {
    const book = new SpendBook();
    book.spentBy.set('key:key_b', 9.5);
    const { alerter, events } = alerterWithLog();
    const key = account('key:key_b', undefined);
    await alerter.afterRefusal(key, book.store, 1);
    await alerter.afterRefusal(key, book.store, 1);
    book.spentBy.set('key:key_b', 10);
    await alerter.afterSettlement([key], book.store, true);
    expect(events().map((line) => [line.event, line.trigger, line.spentUsd])).toEqual([['budget.limit_reached', 'refusal', 9.5]]);
  });

  it('announces no limit for a refusal the holds of requests in flight made, and the crossing once spend reaches it', async () => {
    const book = new SpendBook();
    book.spentBy.set('key:key_h', 0.5);
    const { alerter, events } = alerterWithLog();
    const key = account('key:key_h', undefined);
    // $0.50 spent of $10, the rest held by requests in flight: a $2 request is refused, the budget is not spent.
    await alerter.afterRefusal(key, book.store, 2);
    expect(events()).toEqual([]);
    book.spentBy.set('key:key_h', 10);
    await alerter.afterSettlement([key], book.store, true);
    expect(events().map((line) => [line.event, line.trigger, line.spentUsd])).toEqual([['budget.limit_reached', 'settlement', 10]]);
  });

  it('gives every instance the same event id for a crossing, and a new one for a new window', async () => {
    const book = new SpendBook();
    book.spentBy.set('key:key_c', 10);
    const first = alerterWithLog();
    const second = alerterWithLog();
    await first.alerter.afterSettlement([account('key:key_c', 0.5)], book.store, true);
    await second.alerter.afterSettlement([account('key:key_c', 0.5)], book.store, true);
    await second.alerter.afterSettlement([account('key:key_c', 0.5, '2027-01-01T00:00:00.000Z')], book.store, true);
    const ids = (lines: ReturnType<typeof first.events>) => lines.map((line) => line.eventId);
    expect(ids(first.events())).toEqual(ids(second.events()).slice(0, 2));
    expect(ids(first.events())[0]).toBe(budgetAlertEventId('budget.threshold_crossed', 'key:key_c', window));
    expect(new Set(ids(second.events())).size).toBe(4);
  });

  it('remembers a bounded number of windows: a forgotten one is announced again, with the same id', async () => {
    const book = new SpendBook();
    const { alerter, events } = alerterWithLog(2);
    for (const owner of ['key:k1', 'key:k2', 'key:k3', 'key:k1']) {
      book.spentBy.set(owner, 10);
      await alerter.afterRefusal(account(owner, undefined), book.store, 1);
    }
    const k1 = events().filter((line) => line.ownerId === 'k1');
    expect(k1).toHaveLength(2);
    expect(k1[0]!.eventId).toBe(k1[1]!.eventId);
  });

  it('announces nothing while the store fails, and the crossing once it answers', async () => {
    const book = new SpendBook();
    book.spentBy.set('key:key_d', 10);
    book.failing = true;
    const { alerter, count } = alerterWithLog();
    await expect(alerter.afterSettlement([account('key:key_d', 0.5)], book.store, true)).rejects.toThrow('store down');
    expect(await count('budget.threshold_crossed')).toBe(0);
    book.failing = false;
    await alerter.afterSettlement([account('key:key_d', 0.5)], book.store, true);
    expect(await count('budget.threshold_crossed')).toBe(1);
    expect(await count('budget.limit_reached')).toBe(1);
  });
});

describe('alert building blocks', () => {
  it('reads Retry-After as seconds or a date, bounded by the cap', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(retryAfterMs('2', 60_000, now)).toBe(2000);
    expect(retryAfterMs(' 0 ', 60_000, now)).toBe(0);
    expect(retryAfterMs('86400', 60_000, now)).toBe(60_000);
    expect(retryAfterMs('Thu, 03 Dec 2026 12:00:05 GMT', 60_000, now)).toBe(5000);
    expect(retryAfterMs('Thu, 03 Dec 2026 11:00:00 GMT', 60_000, now)).toBe(0);
    for (const junk of [undefined, '', '-5', '1e309', 'soon', '9'.repeat(100), 'NaN']) expect(retryAfterMs(junk, 60_000, now)).toBeUndefined();
    expect(retryAfterMs(['3', '4'], 60_000, now)).toBe(3000);
  });

  it('ends each budget window where the next starts', () => {
    for (const at of ['2026-12-31T23:59:59.999Z', '2026-02-28T10:00:00Z', '2028-02-29T00:00:00Z', '2026-12-06T12:00:00Z', '2026-12-07T00:00:00Z']) {
      for (const period of ['daily', 'weekly', 'monthly'] as const) {
        const start = budgetWindowStart(period, new Date(at));
        const end = budgetWindowEnd(period, start)!;
        expect(Date.parse(end)).toBeGreaterThan(Date.parse(at));
        expect(budgetWindowStart(period, new Date(end))).toBe(end);
        expect(budgetWindowStart(period, new Date(Date.parse(end) - 1))).toBe(start);
      }
    }
    expect(budgetWindowEnd('total', budgetWindowStart('total', new Date()))).toBeUndefined();
  });

  it('refuses webhook URLs that are not http(s), repeated names and short secrets, naming the option', () => {
    const base: AlertsOptions = { webhooks: [], queue_size: 10, concurrency: 1, backoff_ms: 10, max_backoff_ms: 100, flush_timeout_ms: 100 };
    const hook = (url: string, name?: string) => ({ url, secret: 'whsec-0123456789abcdef', timeout_ms: 1000, max_attempts: 2, ...(name && { name }) });
    const problems = (options: AlertsOptions) => {
      try {
        webhookTargets(options);
        return [];
      } catch (error) {
        expect(isPluginOptionsError(error)).toBe(true);
        return (error as { problems: { path: string }[] }).problems.map((problem) => problem.path);
      }
    };
    expect(problems({ ...base, webhooks: [hook('https://a.example/x', 'a'), hook('http://b.example', 'a')] })).toEqual(['/alerts/webhooks/1/name']);
    expect(problems({ ...base, webhooks: [hook('http://[::1')] })).toEqual(['/alerts/webhooks/0/url']);
    expect(webhookTargets({ ...base, webhooks: [hook('https://a.example/x?token=t')] })[0]!.name).toBe('webhook-0');

    const schemaProblems = (webhook: Record<string, unknown>) => {
      try {
        keyScope({ alerts: { webhooks: [webhook] } });
        return '';
      } catch (error) {
        expect(isPluginOptionsError(error)).toBe(true);
        return (error as Error).message;
      }
    };
    expect(schemaProblems({ url: 'ftp://files.example/x', secret: 'whsec-0123456789abcdef' })).toContain('/alerts/webhooks/0/url');
    expect(schemaProblems({ url: 'file:///etc/passwd', secret: 'whsec-0123456789abcdef' })).toContain('/alerts/webhooks/0/url');
    expect(schemaProblems({ url: 'https://a.example', secret: 'short' })).toContain('/alerts/webhooks/0/secret');
    expect(schemaProblems({ url: 'https://a.example', secret: 'whsec-0123456789abcdef', name: 'Bad Name' })).toContain('/alerts/webhooks/0/name');
    expect(schemaProblems({ url: 'https://a.example', secret: 'whsec-0123456789abcdef', events: ['budget.everything'] })).toContain('/alerts/webhooks/0/events/0');
    expect(schemaProblems({ url: 'https://a.example', secret: 'whsec-0123456789abcdef', timeout_ms: 1e309 })).toContain('/alerts/webhooks/0/timeout_ms');
    expect(schemaProblems({ url: 'https://a.example', secret: 'whsec-0123456789abcdef' })).toBe('');
  });
});
