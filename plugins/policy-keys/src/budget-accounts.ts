import type { BudgetAccount, BudgetLimit, Principal } from '@switchyard/core';
import type { AlertAccount } from './alerts/budget-alerter.js';
import { grantKey } from './budget-grants.js';
import { budgetWindowStart } from './budget-window.js';

/** A team's or project's budget as configured. */
export interface BudgetOption {
  limit_usd: number;
  period: BudgetLimit['period'];
  /** Soft alert threshold, a fraction of the limit: an alert when spend crosses it. */
  alert_threshold?: number;
}

/** The budgets a request is charged to, each in its current window. */
export interface RequestAccounts {
  /** With their alert thresholds. */
  alertAccounts: AlertAccount[];
  /** The same accounts, as the store and the grants take them. */
  accounts: BudgetAccount[];
  /** The grant key of `accounts` (`grantKey`). */
  grantKey: string;
}

const none: RequestAccounts = Object.freeze({ alertAccounts: Object.freeze([]) as unknown as AlertAccount[], accounts: Object.freeze([]) as unknown as BudgetAccount[], grantKey: '' });

/**
 * The budgets of each request, kept per team and project for their windows: a request
 * charged only to configured team and project budgets (no budget of its key's own)
 * shares the lists of every other request of its team and project until a window
 * changes, instead of building five objects, two arrays and two strings of its own.
 * The lists are read only. Bounded by the configured teams times projects: a name
 * without a configured budget is not a key here.
 */
export class BudgetAccountsCache {
  private readonly shared = new Map<string, Map<string, RequestAccounts>>();

  constructor(private readonly budgets: { teams: Record<string, BudgetOption>; projects: Record<string, BudgetOption> }) {}

  /** The budgets this request is charged to, each in the window `at` falls in. */
  accountsOf(principal: Principal | undefined, at: Date): RequestAccounts {
    if (!principal) return none;
    // Own keys only: team and project names come from the admin API (a team named `constructor` has no budget).
    const teamName = principal.team && Object.hasOwn(this.budgets.teams, principal.team) ? principal.team : undefined;
    const projectName = principal.project && Object.hasOwn(this.budgets.projects, principal.project) ? principal.project : undefined;
    if (principal.scope?.budget) return build(principal, teamName, projectName, this.budgets, at);
    if (teamName === undefined && projectName === undefined) return none;
    let byProject = this.shared.get(teamName ?? '');
    if (!byProject) this.shared.set(teamName ?? '', (byProject = new Map()));
    const kept = byProject.get(projectName ?? '');
    if (kept && inWindows(kept.alertAccounts, at)) return kept;
    const made = build(principal, teamName, projectName, this.budgets, at);
    byProject.set(projectName ?? '', made);
    return made;
  }
}

/** Whether each account's window is still the one `at` falls in. */
function inWindows(accounts: readonly AlertAccount[], at: Date): boolean {
  for (const account of accounts) if (budgetWindowStart(account.period, at) !== account.account.windowStart) return false;
  return true;
}

function build(
  principal: Principal,
  teamName: string | undefined,
  projectName: string | undefined,
  budgets: { teams: Record<string, BudgetOption>; projects: Record<string, BudgetOption> },
  at: Date,
): RequestAccounts {
  const alertAccounts: AlertAccount[] = [];
  const add = (kind: AlertAccount['kind'], id: string, limitUsd: number, period: BudgetLimit['period'], threshold: number | undefined) => {
    const account = { owner: `${kind}:${id}`, windowStart: budgetWindowStart(period, at), limitUsd };
    alertAccounts.push({ account, kind, id, period, threshold });
  };
  const own = principal.scope?.budget;
  if (own) add('key', principal.keyId, own.limitUsd, own.period, own.alertThreshold);
  if (teamName !== undefined) {
    const team = budgets.teams[teamName]!;
    add('team', teamName, team.limit_usd, team.period, team.alert_threshold);
  }
  if (projectName !== undefined) {
    const project = budgets.projects[projectName]!;
    add('project', projectName, project.limit_usd, project.period, project.alert_threshold);
  }
  if (alertAccounts.length === 0) return none;
  const accounts = alertAccounts.map((alertAccount) => alertAccount.account);
  return { alertAccounts, accounts, grantKey: grantKey(accounts) };
}
