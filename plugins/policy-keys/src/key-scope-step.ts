import {
  definePlugin,
  GatewayError,
  isGatewayError,
  getContext,
  maxPromptHold,
  sentOutputLimit,
  maxPromptTokensAt,
  matchesModelPattern,
  estimateEmbeddingsTokens,
  billedAttemptsCost,
  offersOperation,
  usageSince,
  type BudgetAccount,
  type BudgetStore,
  type Deployment,
  type Endpoint,
  type GatewayRuntime,
  type JsonSchema,
  type Principal,
  type RequestContext,
  type StorageSet,
  type Usage,
} from '@switchyard/core';
import { alertsOptionsSchema, checkWebhooks, type AlertsOptions } from './alerts/alerts-options.js';
import { createBudgetAlerts, type BudgetAlerts } from './alerts/create-budget-alerts.js';
import { BudgetAccountsCache, type BudgetOption, type RequestAccounts } from './budget-accounts.js';
import { BudgetGrants, holdMicros, type BudgetHold } from './budget-grants.js';
import { BudgetLeaseKeeper } from './budget-lease-keeper.js';
import { wholeMicroDollars, wholeMicroDollarsProblem } from './whole-micro-dollars.js';

export interface KeyScopeOptions {
  /** Budgets shared by every key of a team or a project. */
  budgets: { teams: Record<string, BudgetOption>; projects: Record<string, BudgetOption> };
  /**
   * How long a budget reservation outlives its gateway: renewed every third of it
   * while the gateway runs, released by a sweep once a crashed gateway stops renewing.
   */
  reservation_lease_ms: number;
  /**
   * Budget grants (plugins/policy-keys/README.md): a few requests' worth of budget reserved at once
   * and drawn from in memory, so a request skips the store's round trip before its call.
   */
  budget_grants: { requests: number; idle_ms: number; pay_within_ms: number };
  /** Webhooks told when a key, team or project crosses its alert threshold or spends its budget (docs/alerts.md). */
  alerts: AlertsOptions;
  /**
   * What a budgeted request may do with a deployment that has no price (its calls cost $0,
   * so no budget limits them): `allow` it (the default), or `refuse` to send it anything
   * (403 `model_unpriced`, after the request's priced deployments were tried).
   */
  unpriced_models: 'allow' | 'refuse';
}

const budgetSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['limit_usd', 'period'],
  properties: {
    limit_usd: { type: 'number', minimum: 0, maximum: 1_000_000_000 }, // as the admin API's budgets
    period: { enum: ['daily', 'weekly', 'monthly', 'total'] },
    alert_threshold: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
  },
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
    reservation_lease_ms: { type: 'integer', minimum: 1000, maximum: 3_600_000, default: 60_000 },
    budget_grants: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        requests: { type: 'integer', minimum: 0, maximum: 1024, default: 32 },
        idle_ms: { type: 'integer', minimum: 10, maximum: 600_000, default: 500 },
        // 50 ms: each payment is a message to the SQLite thread and a commit there; at 5 ms a
        // busy process sent one per one to ten requests (bench/README.md). A crash loses at most
        // this window of payments, against the usage ledger's 1 s flush interval.
        pay_within_ms: { type: 'integer', minimum: 0, maximum: 1000, default: 50 },
      },
    },
    alerts: alertsOptionsSchema,
    unpriced_models: { enum: ['allow', 'refuse'], default: 'allow' },
  },
};

/**
 * The key-scope step: may this key do this? Models and endpoints outside the scope
 * get a 403 that names the model but not the allowlist; a request over the key's
 * `max_tokens` cap a 400; and the budget is held exactly under concurrency —
 * the call's maximum cost is reserved on the key's (and its team's and project's)
 * budget before the provider is called, and settled to the real cost when the
 * request is over (response closed and chain returned, so a cut stream's estimate
 * counts). A spent budget is a 429 `insufficient_quota`. Reservations carry a lease
 * this process renews; a crashed process's are released once theirs expire.
 */
export const keyScope = definePlugin<KeyScopeOptions>({
  name: 'key-scope',
  optionsSchema: keyScopeOptionsSchema,
  checkOptions: (options) => finerBudgetProblems(options.budgets),
  validate(options, config) {
    // `switchyard validate` reports a webhook URL that does not parse, as start would.
    const index = config.chain.findIndex((step) => step === 'key-scope' || (typeof step === 'object' && step !== null && 'key-scope' in step));
    return checkWebhooks(options.alerts).problems.map((problem) => ({ ...problem, path: `/chain/${index}/key-scope${problem.path}` }));
  },
  create(options, runtime) {
    const keeper = runtime.storage ? new BudgetLeaseKeeper(runtime.storage.budgets, options.reservation_lease_ms, runtime.logger) : undefined;
    const grants =
      runtime.storage && keeper
        ? new BudgetGrants(
            runtime.storage.budgets,
            keeper.lease,
            {
              requests: options.budget_grants.requests,
              idleMs: options.budget_grants.idle_ms,
              payWithinMs: options.budget_grants.pay_within_ms,
              storeAnswers: storeAnswers(runtime.storage),
              leaseHolds: (madeAt) => keeper.holds(madeAt),
            },
            runtime.logger,
          )
        : undefined;
    if (keeper) {
      keeper.start();
      // Grants first: what they hold unused goes back while the store is still open.
      runtime.onClose(async () => {
        await grants?.close();
        await keeper.stop();
      });
    }
    const budgetAlerts = createBudgetAlerts(options.alerts, runtime);
    const accountsCache = new BudgetAccountsCache(options.budgets);
    return (_req, res, next) => {
      const context = getContext(res);
      const principal = context.principal;
      const scope = principal?.scope;
      if (scope) {
        if (scope.endpoints && !scope.endpoints.includes(context.endpoint) && !listsModelsItMayCall(context.endpoint, scope.endpoints)) {
          throw new GatewayError('endpoint_not_allowed', `This API key may not use the ${context.endpoint} endpoint.`);
        }
        if (context.chatRequest || context.embeddingsRequest) checkRequestScope(context, scope);
        else if (context.countedModel !== undefined) checkModelScope(context.countedModel, scope);
        else if (context.endpoint === 'custom') {
          // Mounted on an app's own route: the model comes later, from the handler's call.
          context.requestInterceptors.push((call, callContext) => () => {
            checkRequestScope(callContext, scope);
            return call();
          });
        }
      }
      const storage = runtime.storage;
      if (storage && grants && context.endpoint !== 'models') {
        const accounts = accountsCache.accountsOf(context.principal, context.receivedAt);
        if (accounts.accounts.length > 0) {
          holdBudget(context, { runtime, budgets: storage.budgets, grants, accounts, alerts: budgetAlerts, refuseUnpriced: options.unpriced_models === 'refuse' });
        }
      }
      next();
    };
  },
});

/**
 * Team and project budgets finer than a micro-dollar, which the stores would enforce rounded
 * (see wholeMicroDollars): refused at start and by `switchyard validate`, naming each.
 */
function finerBudgetProblems(budgets: KeyScopeOptions['budgets']): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  for (const kind of ['teams', 'projects'] as const) {
    for (const [owner, budget] of Object.entries(budgets[kind])) {
      if (wholeMicroDollars(budget.limit_usd) !== undefined) continue;
      const name = owner.replace(/~/g, '~0').replace(/\//g, '~1');
      problems.push({ path: `/budgets/${kind}/${name}/limit_usd`, message: wholeMicroDollarsProblem });
    }
  }
  return problems;
}

/** The endpoints that call a model (custom routes through their handler's calls). */
const modelCallingEndpoints: ReadonlySet<Endpoint> = new Set<Endpoint>(['chat', 'messages', 'responses', 'embeddings', 'custom']);

/**
 * The models list (and retrieve) for a key that may call a model on some endpoint, though
 * `models` is not among its endpoints: the SDKs and coding tools list models to learn what
 * the key may call, and the list holds only the key's own models (adapter's sendModels).
 * Checked only once the endpoint is refused, so an allowed call pays nothing.
 */
function listsModelsItMayCall(endpoint: Endpoint, endpoints: readonly Endpoint[]): boolean {
  return endpoint === 'models' && endpoints.some((allowed) => modelCallingEndpoints.has(allowed));
}

/** Whether the storage's last call succeeded; a storage without a health report is taken to answer. */
function storeAnswers(storage: StorageSet): () => boolean {
  if (storage.answers) return () => storage.answers!();
  return () => storage.health?.().healthy !== false;
}

/** The model and output-token parts of a key's scope, checked against the request. */
function checkRequestScope(context: RequestContext, scope: NonNullable<Principal['scope']>): void {
  const request = context.chatRequest ?? context.embeddingsRequest;
  if (request) checkModelScope(request.model, scope);
  const chat = context.chatRequest;
  if (chat && scope.maxTokens !== undefined) {
    if (chat.maxOutputTokens === undefined) {
      chat.maxOutputTokens = scope.maxTokens;
      chat.maxOutputTokensOfKey = true;
    }
    else if (chat.maxOutputTokens > scope.maxTokens) {
      throw new GatewayError('invalid_request', `This API key allows at most ${scope.maxTokens} output tokens per request.`, {
        param: 'max_tokens',
      });
    }
  }
}

/** The 403 of a model outside the key's `models`: it names the model, never the allowlist. */
function checkModelScope(model: string, scope: NonNullable<Principal['scope']>): void {
  if (scope.models && !matchesModelPattern(model, scope.models)) {
    throw new GatewayError('model_not_allowed', `This API key may not use the model '${model}'.`, { param: 'model' });
  }
}

/**
 * One model call of a request and its hold. A gateway request makes one; an app's
 * handler using the embedded API (`createSteps`) may make several, each of which holds
 * its own maximum and pays what it used at the deployment that answered it.
 */
interface HeldCall {
  /** The chat or embeddings request the call is for: retries and fallbacks share it, a new call brings a new one. */
  request: object | undefined;
  /** The request's usage when the call began (the embedded API adds its calls' usage up). */
  usageBefore: Usage | undefined;
  /** Where the call's attempts begin in `context.attempts`: its failed ones the provider billed are its cost too. */
  firstAttempt: number;
  hold?: Promise<BudgetHold | undefined>;
  /** What `hold` and `moreHolds` hold in all, in USD. */
  heldUsd: number;
  /** Holds its later attempts added (see `holdLaterAttempt`), paid together with `hold`. */
  moreHolds?: Promise<BudgetHold>[];
  /** Its attempts under way: a later attempt may begin while an abandoned one has not ended. */
  inFlight: number;
  /** The deployment that answered. */
  servedBy?: Deployment;
}

/**
 * Where a budgeted request keeps its calls, settled together once it is over however
 * often key-scope ran on it: a property under a symbol, as core keeps its own
 * per-request state (the list dies with the request; core measured a WeakMap beside
 * requests keeping them alive past young-generation collections).
 */
const heldCallsKey = Symbol('switchyard.keyScope.heldCalls');

type ContextWithCalls = RequestContext & { [heldCallsKey]?: HeldCall[] };

/** What a budgeted request is held and settled with: the same for each of its calls. */
interface RequestBudget {
  runtime: GatewayRuntime;
  budgets: BudgetStore;
  grants: BudgetGrants;
  /** The accounts it is charged to (key, team, project), with their alert thresholds. Read only: shared by requests. */
  accounts: RequestAccounts;
  alerts: BudgetAlerts;
  /** `unpriced_models: refuse`: no attempt goes to a deployment without a price. */
  refuseUnpriced: boolean;
}

/**
 * Reserves each call's maximum cost before its first attempt, at the most expensive
 * deployment the route plan may reach (a pricier fallback cannot overspend), and
 * settles each to its real cost once the request is over, whatever happened.
 */
function holdBudget(context: RequestContext, budget: RequestBudget): void {
  const calls = heldCallsOf(context, (held) => context.onFinished(() => budget.alerts.track(settleCalls(context, budget, held), context.id)));
  // Every routed call begins one, a cache hit too, so the usage of a call made without an attempt is nobody else's.
  context.requestInterceptors.push((next) => () => {
    const call = newCall(context);
    calls.push(call);
    return next().then((result) => {
      if (call.hold || !context.cacheHit || !context.billable || !context.servedBy) return result;
      // A cache hit billed like the call it replays (the cache's `bill_hits`) made no attempt, so nothing
      // held it: its known cost is held now, refused as a call would be, and paid with the request's calls.
      call.servedBy = context.servedBy;
      const cost = callCost(budget.runtime, call, usedSince(call.usageBefore, context.usage));
      if (!(cost > 0)) return result;
      call.hold = holdCost(context, budget, cost);
      call.heldUsd = cost;
      return call.hold.then(
        () => result,
        (error: unknown) => {
          // Refused (a spent budget, a store outage): the hit is not served, so not billed either.
          context.billable = false;
          throw error;
        },
      );
    });
  });
  context.interceptors.push((next) => async (deployment, options) => {
    let call = calls.at(-1);
    // A caller that composes attempts without the routed call: a new request is a new call.
    if (!call || call.request !== callRequest(context)) calls.push((call = newCall(context)));
    if (budget.refuseUnpriced && !budget.runtime.pricing.priced(deployment.provider, deployment.model)) throw unpricedRefusal(deployment);
    const hold = call.hold ? holdLaterAttempt(context, budget, call, deployment) : holdFirstAttempt(context, budget, call, deployment);
    // The route plan starts this attempt's timer once the hold is made: waiting on the budget store is not the deployment's time.
    if (hold) (options as AttemptWaitsFor | undefined)?.[attemptWaitsFor]?.(hold);
    await call.hold;
    if (hold !== call.hold) await hold;
    call.inFlight++;
    try {
      const result = await next(deployment, options);
      call.servedBy = context.servedBy ?? deployment;
      return result;
    } finally {
      call.inFlight--;
    }
  });
}

/** The call's first attempt holds the most it can cost. */
function holdFirstAttempt(context: RequestContext, budget: RequestBudget, call: HeldCall, deployment: Deployment): Promise<BudgetHold> {
  const maxCost = callMaxCost(context, budget, deployment);
  call.heldUsd = maxCost;
  return (call.hold = holdCost(context, budget, maxCost));
}

/**
 * A retry or fallback of a call. What the provider bills for the attempts before it (a
 * prompt the gateway gave up on, an answer it could not use) comes on top of the call's
 * answer, so first the call's holds grow to cover those attempts, at the most any still
 * under way can cost, and this one's maximum: undefined when they already do. Refused,
 * the call ends with the budget's 429 rather than spend past it.
 */
function holdLaterAttempt(context: RequestContext, budget: RequestBudget, call: HeldCall, deployment: Deployment): Promise<BudgetHold> | undefined {
  const maxCost = callMaxCost(context, budget, deployment);
  const billed = billedAttemptsCost(budget.runtime.pricing, context.attempts, call.firstAttempt);
  const more = billed + (call.inFlight + 1) * maxCost - call.heldUsd;
  if (!(more > 0)) return undefined;
  call.heldUsd += more;
  const hold = holdCost(context, budget, more);
  (call.moreHolds ??= []).push(hold);
  return hold;
}

/**
 * The route plan's hook on an attempt's options (policy-router's `attemptWaitsFor`): named through
 * Symbol.for, as this plugin does not depend on the router; an attempt without the plan has none.
 */
const attemptWaitsFor = Symbol.for('switchyard.attempt.waitsFor');

interface AttemptWaitsFor {
  [attemptWaitsFor]?: (pending: Promise<unknown>) => void;
}

function newCall(context: RequestContext): HeldCall {
  return { request: callRequest(context), usageBefore: copyUsage(context.usage), firstAttempt: context.attempts.length, heldUsd: 0, inFlight: 0 };
}

/** The request's calls; the first time key-scope runs on it, made and handed to `first` (which arranges their settlement). */
function heldCallsOf(context: RequestContext, first: (calls: HeldCall[]) => void): HeldCall[] {
  const withCalls = context as ContextWithCalls;
  let calls = withCalls[heldCallsKey];
  if (!calls) {
    calls = withCalls[heldCallsKey] = [];
    first(calls);
  }
  return calls;
}

/** The chat or embeddings request being called now. */
function callRequest(context: RequestContext): object | undefined {
  return context.chatRequest ?? context.embeddingsRequest;
}

/** The most one attempt of the call can cost, at the dearest deployment the route plan may reach and call. */
function callMaxCost(context: RequestContext, budget: RequestBudget, deployment: Deployment): number {
  const chat = context.chatRequest;
  // Images are held at what each deployment's model bills for one (gpt-4o-mini far more than the default).
  const prompt = chat ? maxPromptHold(chat) : undefined;
  const promptTokens = prompt ? prompt.tokens : context.embeddingsRequest ? estimateEmbeddingsTokens(context.embeddingsRequest) : 0;
  const { providers, pricing } = budget.runtime;
  return unbounded(
    maxReachableCost(context, deployment, (candidate) => {
      // Passed over without a call (embeddings of a chat-only provider): its price costs this request nothing.
      const provider = providers.get(candidate.provider);
      if (provider && !offersOperation(provider, context.endpoint)) return 0;
      const tokens = prompt && prompt.images > 0 ? maxPromptTokensAt(prompt, candidate.model) : promptTokens;
      // The limit the adapter sends (Anthropic's default and thinking budget), not only the client's.
      const output = chat && sentOutputLimit(provider, chat);
      return pricing.maxCost(candidate.provider, candidate.model, tokens, output, prompt?.outputTokens);
    }),
  );
}

/** Holds `maxCost` on every account; refused, throws the 429 that says why. */
function holdCost(context: RequestContext, { budgets, grants, accounts: requestAccounts, alerts }: RequestBudget, maxCost: number): Promise<BudgetHold> {
  const { accounts, alertAccounts } = requestAccounts;
  const chat = context.chatRequest;
  return grants.hold(accounts, maxCost, requestAccounts.grantKey).then(async (result) => {
    if (result.ok) return result.hold;
    const exhausted = alertAccounts.find((candidate) => candidate.account.owner === result.exhausted);
    // Refused because the budget is spent (not because this one request is bigger than the whole budget): limit reached.
    if (exhausted && isSpentBudgetRefusal(maxCost, exhausted.account.limitUsd)) alerts.track(alerts.alerter.afterRefusal(exhausted, budgets, maxCost), context.id);
    throw quotaError(accounts, result.exhausted, maxCost, chat !== undefined, exhausted && maxCost <= exhausted.account.limitUsd ? await spentOrUnknown(budgets, exhausted.account) : undefined);
  });
}

/**
 * Whether a refusal says the budget is spent rather than that this request is bigger than
 * the whole budget. A $0 budget is spent from the start: every request that costs anything
 * is bigger than it, and none of its refusals said so.
 */
function isSpentBudgetRefusal(maxCost: number, limitUsd: number): boolean {
  return maxCost <= limitUsd || limitUsd <= 0;
}

/** Pays each call of a finished request what it used, at the deployment that answered it, and what its failed attempts were billed. */
async function settleCalls(context: RequestContext, { runtime, budgets, grants, accounts, alerts }: RequestBudget, calls: readonly HeldCall[]): Promise<void> {
  let spent = false;
  let mayHaveReachedLimit = false;
  // Worked out before the first await, from the state the request's record is built from.
  const costs = calls.map((_, i) => costOfCall(context, runtime, calls, i));
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!;
    const more = call.moreHolds;
    const count = more ? more.length + 1 : 1;
    let remaining = costs[i]!;
    // Each hold pays the call's cost up to what it holds, in the order they were made, and the last one made pays the
    // rest; so step j reads hold j (none after the last) and then pays the hold before it. Nearly every call has one
    // hold, and it is paid without gathering the holds into a list first.
    let unpaid: BudgetHold | undefined;
    for (let j = 0; j <= count; j++) {
      let hold: BudgetHold | undefined;
      if (j < count) {
        try {
          hold = await (j === 0 ? call.hold : more![j - 1]);
        } catch (error) {
          if (!isRefusedHold(error)) runtime.logger.error({ err: error, requestId: context.id }, 'settling a budget reservation failed');
        }
        if (!hold) continue;
      }
      if (unpaid) {
        const pays = hold ? Math.min(remaining, unpaid.micros / 1_000_000) : remaining;
        remaining -= pays;
        try {
          if (await grants.settle(unpaid, pays)) mayHaveReachedLimit = true;
          if (pays > 0) spent = true;
        } catch (error) {
          runtime.logger.error({ err: error, requestId: context.id }, 'settling a budget reservation failed');
        }
      }
      unpaid = hold;
    }
  }
  // Spend moves only when something was spent: a free request cannot cross anything.
  if (spent) await alerts.alerter.afterSettlement(accounts.alertAccounts, budgets, mayHaveReachedLimit);
}

/** A hold the budget refused (the client's answer) or the store failed to make (logged by the store): it holds nothing. */
function isRefusedHold(error: unknown): boolean {
  return isGatewayError(error) && (error.code === 'insufficient_quota' || error.code === 'store_unavailable');
}

/** What the request's call `i` cost: what it used where it was served, and what its failed attempts were billed. */
function costOfCall(context: RequestContext, runtime: GatewayRuntime, calls: readonly HeldCall[], i: number): number {
  const call = calls[i]!;
  const next = calls[i + 1];
  const served = callCost(runtime, call, usedSince(call.usageBefore, next ? next.usageBefore : context.usage));
  return served + billedAttemptsCost(runtime.pricing, context.attempts, call.firstAttempt, next ? next.firstAttempt : context.attempts.length);
}

/** What a call cost: nothing without a deployment that answered or without usage. */
function callCost(runtime: GatewayRuntime, call: HeldCall, used: Usage | undefined): number {
  return call.servedBy && used ? runtime.pricing.cost(call.servedBy.provider, call.servedBy.model, used) : 0;
}

function copyUsage(usage: Usage | undefined): Usage | undefined {
  return usage && { ...usage };
}

/** What a call used: the request's usage after it less that before it (a count below zero counts as none when priced). */
function usedSince(before: Usage | undefined, after: Usage | undefined): Usage | undefined {
  return after && usageSince(before, after);
}

/** A maximum that is not a number (a price of Infinity times no tokens) bounds nothing: it is unbounded, and fits no budget. */
function unbounded(maxCost: number): number {
  return Number.isNaN(maxCost) ? Number.POSITIVE_INFINITY : maxCost;
}

/**
 * The highest maximum cost among the deployment about to be tried and every other one
 * the plan may reach (`costOf` prices one the plan passes over at 0). A deployment named twice is priced twice, which cannot change a
 * maximum; that spares a map, its keys and three arrays on every request.
 */
function maxReachableCost(context: RequestContext, first: Deployment, costOf: (deployment: Deployment) => number): number {
  let max = costOf(first);
  const { deployments, reachableDeployments } = context;
  for (let i = 0; i < deployments.length; i++) max = Math.max(max, costOf(deployments[i]!));
  for (let i = 0; i < reachableDeployments.length; i++) max = Math.max(max, costOf(reachableDeployments[i]!));
  return max;
}

/**
 * The refusal of one attempt at a deployment without a price: retryable for the route
 * plan, which tries the request's other deployments (like an open circuit, nothing was
 * sent); the client's answer when none of them could serve. Names the deployment, which
 * comes from the config, not the client.
 */
function unpricedRefusal(deployment: Deployment): GatewayError {
  return new GatewayError(
    'model_unpriced',
    `The model '${deployment.provider}/${deployment.model}' has no price, so this API key's budget cannot limit it; add it under prices: to use it with a budget.`,
    { param: 'model', retryable: true, provider: deployment.provider },
  );
}

/**
 * A 429 that says why: a budget with too little left, or a request whose maximum
 * cost could not fit even the whole budget (then waiting will not help; a smaller
 * `max_tokens` will, or for embeddings less input).
 */
function quotaError(accounts: BudgetAccount[], exhausted: string, maxCost: number, chat: boolean, spent?: number): GatewayError {
  const account = accounts.find((candidate) => candidate.owner === exhausted);
  const whose = exhausted.startsWith('team:') ? "team's" : exhausted.startsWith('project:') ? "project's" : "key's";
  if (account && maxCost > account.limitUsd) {
    // An infinite maximum (a price of Infinity) has no amount to show; a finite one is shown as held, rounded up
    // to the micro-dollar (rounded to the nearest, a fraction of one read "$0 exceeds the key's budget ($0)").
    const amount = Number.isFinite(maxCost) ? ` ($${dollars(holdMicros(maxCost) / 1_000_000)})` : '';
    return new GatewayError(
      'insufficient_quota',
      `This request's maximum cost${amount} exceeds the ${whose} budget ($${dollars(account.limitUsd)}); ${chat ? 'lower max_tokens' : 'send less input'}.`,
      { param: chat ? 'max_tokens' : 'input' },
    );
  }
  const budget = whose === "key's" ? 'The budget for this API key' : `The budget of this API key's ${whose.slice(0, -2)}`;
  // The spend alone leaves room: requests in flight hold the rest, and it comes back as they finish.
  if (account && spent !== undefined && spent + maxCost <= account.limitUsd) {
    return new GatewayError('insufficient_quota', `${budget} is held by requests in flight ($${dollars(spent)} of $${dollars(account.limitUsd)} spent); try again when they finish.`, { param: null });
  }
  return new GatewayError('insufficient_quota', `${budget} is spent for this period.`, { param: null });
}

/** What an account has spent in its window, for a refusal's message; undefined when the store cannot say. */
async function spentOrUnknown(budgets: BudgetStore, account: BudgetAccount): Promise<number | undefined> {
  try {
    return await budgets.spent(account.owner, account.windowStart);
  } catch {
    return undefined;
  }
}

/** Dollars to the micro-dollar, without trailing zeros. */
function dollars(usd: number): string {
  return usd.toFixed(6).replace(/\.?0+$/, '');
}
