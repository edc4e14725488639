import type { Principal } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { BudgetAccountsCache } from '../src/budget-accounts.js';
import { grantKey } from '../src/budget-grants.js';

const budgets = {
  teams: { red: { limit_usd: 100, period: 'daily' as const, alert_threshold: 0.8 } },
  projects: { web: { limit_usd: 50, period: 'monthly' as const } },
};
const alice: Principal = { kind: 'static', keyId: 'static:alice', name: 'alice', team: 'red', project: 'web' };
const at = (iso: string) => new Date(iso);

describe('BudgetAccountsCache', () => {
  it('charges the team and project budgets in the windows a request falls in, with their grant key', () => {
    const cache = new BudgetAccountsCache(budgets);
    const { alertAccounts, accounts, grantKey: key } = cache.accountsOf(alice, at('2026-12-05T10:00:00Z'));
    expect(alertAccounts).toEqual([
      { account: { owner: 'team:red', windowStart: '2026-12-05T00:00:00.000Z', limitUsd: 100 }, kind: 'team', id: 'red', period: 'daily', threshold: 0.8 },
      { account: { owner: 'project:web', windowStart: '2026-12-01T00:00:00.000Z', limitUsd: 50 }, kind: 'project', id: 'web', period: 'monthly', threshold: undefined },
    ]);
    expect(accounts).toEqual(alertAccounts.map((alertAccount) => alertAccount.account));
    expect(key).toBe(grantKey(accounts));
  });

  it('shares the lists of a team and project within their windows, and makes new ones when a window changes', () => {
    const cache = new BudgetAccountsCache(budgets);
    const first = cache.accountsOf(alice, at('2026-12-05T10:00:00Z'));
    const bob: Principal = { kind: 'static', keyId: 'static:bob', name: 'bob', team: 'red', project: 'web' };
    expect(cache.accountsOf(bob, at('2026-12-05T23:59:59Z'))).toBe(first);
    const nextDay = cache.accountsOf(alice, at('2026-12-06T00:00:01Z'));
    expect(nextDay).not.toBe(first);
    expect(nextDay.accounts[0]!.windowStart).toBe('2026-12-06T00:00:00.000Z');
    // A request still in the day before gets that day's window, not the newer list.
    expect(cache.accountsOf(alice, at('2026-12-05T23:59:59Z')).accounts[0]!.windowStart).toBe('2026-12-05T00:00:00.000Z');
  });

  it('builds a key with a budget of its own its own lists, the key first; no budget charges nothing', () => {
    const cache = new BudgetAccountsCache(budgets);
    const budgeted: Principal = { ...alice, scope: { budget: { limitUsd: 5, period: 'total', alertThreshold: 0.5 } } };
    const own = cache.accountsOf(budgeted, at('2026-12-05T10:00:00Z'));
    expect(own.accounts.map((account) => account.owner)).toEqual(['key:static:alice', 'team:red', 'project:web']);
    expect(own.alertAccounts[0]!.threshold).toBe(0.5);
    expect(cache.accountsOf(budgeted, at('2026-12-05T10:00:00Z'))).not.toBe(own);
    const loner: Principal = { kind: 'static', keyId: 'static:l', name: 'l', team: 'constructor', project: '' };
    expect(cache.accountsOf(loner, at('2026-12-05T10:00:00Z')).accounts).toEqual([]);
    expect(cache.accountsOf(undefined, at('2026-12-05T10:00:00Z')).accounts).toEqual([]);
  });
});
