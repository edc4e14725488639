import {
  definePlugin,
  GatewayError,
  isGatewayError,
  getContext,
  estimatePromptTokens,
  matchesModelPattern,
  type BudgetAccount,
  type BudgetLimit,
  type BudgetStore,
  type GatewayRuntime,
  type JsonSchema,
  type Principal,
  type RequestContext,
} from '@switchyard/core';
import type { Response } from 'express';
import { budgetWindowStart } from './budget-window.js';


interface BudgetOption {
  limit_usd: number;
  period: BudgetLimit['period'];
}

export interface KeyScopeOptions {
  /** Budgets shared by every key of a team or a project. */
  budgets: { teams: Record<string, BudgetOption>; projects: Record<string, BudgetOption> };
}

const budgetSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['limit_usd', 'period'],
  properties: { limit_usd: { type: 'number', minimum: 0 }, period: { enum: ['daily', 'weekly', 'monthly', 'total'] } },
};

const keyScopeOptionsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    budgets: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        teams: { type: 'object', additionalProperties: budgetSchema, default: {} },
        projects: { type: 'object', additionalProperties: budgetSchema, default: {} },
      },
    },
  },
};

/**
 * The key-scope step: may this key do this? Models and endpoints outside the scope
 * get a 403 that names the model but not the allowlist; a request over the key's
 * `max_tokens` cap a 400; and the budget is held exactly under concurrency —
 * the call's maximum cost is reserved on the key's (and its team's and project's)
 * budget before the provider is called, and settled to the real cost when the
 * request ends. A spent budget is a 429 `insufficient_quota`.
 */
export const keyScope = definePlugin<KeyScopeOptions>({
  name: 'key-scope',
  optionsSchema: keyScopeOptionsSchema,
  create(options, runtime) {
    return (_req, res, next) => {
      const context = getContext(res);
      const principal = context.principal;
      const scope = principal?.scope;
      if (scope) {
        if (scope.endpoints && !scope.endpoints.includes(context.endpoint)) {
          throw new GatewayError('endpoint_not_allowed', `This API key may not use the ${context.endpoint} endpoint.`);
        }
        if (context.chatRequest || context.embeddingsRequest) checkRequestScope(context, scope);
        else if (context.endpoint === 'custom') {
          // Mounted on an app's own route: the model comes later, from the handler's call.
          context.requestInterceptors.push((call, callContext) => () => {
            checkRequestScope(callContext, scope);
            return call();
          });
        }
      }
      const storage = runtime.storage;
      const accounts = storage && context.endpoint !== 'models' ? budgetAccounts(context, options) : [];
      if (storage && accounts.length > 0) holdBudget(context, res, runtime, storage.budgets, accounts);
      next();
    };
  },
});

/** The model and output-token parts of a key's scope, checked against the request. */
function checkRequestScope(context: RequestContext, scope: NonNullable<Principal['scope']>): void {
  const request = context.chatRequest ?? context.embeddingsRequest;
  if (request && scope.models && !matchesModelPattern(request.model, scope.models)) {
    throw new GatewayError('model_not_allowed', `This API key may not use the model '${request.model}'.`, { param: 'model' });
  }
  const chat = context.chatRequest;
  if (chat && scope.maxTokens !== undefined) {
    if (chat.maxOutputTokens === undefined) chat.maxOutputTokens = scope.maxTokens;
    else if (chat.maxOutputTokens > scope.maxTokens) {
      throw new GatewayError('invalid_request', `This API key allows at most ${scope.maxTokens} output tokens per request.`, {
        param: 'max_tokens',
      });
    }
  }
}

/** The budgets this request is charged to, each in its current window. */
function budgetAccounts(context: RequestContext, options: KeyScopeOptions): BudgetAccount[] {
  const principal = context.principal;
  if (!principal) return [];
  const at = context.receivedAt;
  const accounts: BudgetAccount[] = [];
  const add = (owner: string, budget: { limitUsd: number; period: BudgetLimit['period'] } | undefined) => {
    if (budget) accounts.push({ owner, windowStart: budgetWindowStart(budget.period, at), limitUsd: budget.limitUsd });
  };
  add(`key:${principal.keyId}`, principal.scope?.budget);
  const team = principal.team ? options.budgets.teams[principal.team] : undefined;
  if (team) add(`team:${principal.team}`, { limitUsd: team.limit_usd, period: team.period });
  const project = principal.project ? options.budgets.projects[principal.project] : undefined;
  if (project) add(`project:${principal.project}`, { limitUsd: project.limit_usd, period: project.period });
  return accounts;
}

/** Budgets already alerted on, by owner and window, so each alert is logged once per process. */
const alerted = new Set<string>();

/** Logs a warning the first time a key's spend crosses its soft alert threshold in a window. */
async function alertWhenNearLimit(
  context: RequestContext,
  runtime: GatewayRuntime,
  budgets: BudgetStore,
  accounts: BudgetAccount[],
): Promise<void> {
  const threshold = context.principal?.scope?.budget?.alertThreshold;
  const account = accounts[0];
  if (threshold === undefined || !account || !account.owner.startsWith('key:')) return;
  const alertKey = `${account.owner}@${account.windowStart}`;
  if (alerted.has(alertKey)) return;
  const spent = await budgets.spent(account.owner, account.windowStart);
  if (spent < threshold * account.limitUsd) return;
  alerted.add(alertKey);
  runtime.logger.warn(
    { keyId: context.principal?.keyId, spentUsd: spent, limitUsd: account.limitUsd, windowStart: account.windowStart },
    'budget alert: spend crossed the key\'s alert threshold',
  );
}

/**
 * Reserves the call's maximum cost when the deployment is known (so its price is),
 * and settles to the real cost when the response is over, whatever happened.
 */
function holdBudget(
  context: RequestContext,
  res: Response,
  runtime: GatewayRuntime,
  budgets: BudgetStore,
  accounts: BudgetAccount[],
): void {
  let reservation: Promise<string | undefined> | undefined;
  context.interceptors.push((next) => async (deployment, options) => {
    if (!reservation) {
      const promptTokens = context.chatRequest ? estimatePromptTokens(context.chatRequest) : 0;
      const maxCost = runtime.pricing.maxCost(deployment.provider, deployment.model, promptTokens, context.chatRequest?.maxOutputTokens);
      reservation = budgets.reserve(accounts, maxCost).then((result) => {
        if (!result.ok) {
          throw new GatewayError('insufficient_quota', 'The budget for this API key is spent for this period.', {
            param: null,
          });
        }
        return result.reservationId;
      });
    }
    await reservation;
    return next(deployment, options);
  });
  res.once('close', () => {
    if (!reservation) return;
    void reservation
      .then(async (reservationId) => {
        if (!reservationId) return;
        const served = context.servedBy;
        const actual = served && context.usage ? runtime.pricing.cost(served.provider, served.model, context.usage) : 0;
        await budgets.settle(reservationId, actual);
        await alertWhenNearLimit(context, runtime, budgets, accounts);
      })
      .catch((error: unknown) => {
        if (isGatewayError(error) && error.code === 'insufficient_quota') return;
        runtime.logger.error({ err: error, requestId: context.id }, 'settling a budget reservation failed');
      });
  });
}
