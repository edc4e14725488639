import {
  GatewayError,
  imageTokenEstimates,
  sentOutputLimit,
  throttled,
  totalTokens,
  type ChatRequest,
  type GatewayConfig,
  type Logger,
  type Provider,
  type RequestContext,
  type ResponseHeaders,
  type Usage,
} from '@switchyard/core';
import type { PromptTokenCounter } from './count-prompt-tokens.js';
import { formatResetDuration } from './format-reset-duration.js';
import { gcraLimit, gcraRemaining, gcraResetMs, type GcraDecision, type GcraLimit } from './gcra.js';
import { configuredNameTargets, type ConfiguredNameTargets } from './configured-name-targets.js';
import { matchesModelLimit, modelLimitsByName } from './model-limits-by-name.js';
import type { OnStoreError, RateLimit, RateLimitOptions } from './rate-limit-options.js';
import type { RateLimitStore } from './rate-limit-store.js';

/** Whose limit it is. */
export type LimitSource = 'key' | 'team' | 'model' | 'global';

/** What a limit counts. */
export type LimitDimension = 'requests' | 'tokens';

/** One limit that applies to a request, with its GCRA parameters and this request's cost. */
export interface ApplicableLimit {
  source: LimitSource;
  /** The key id, team, model pattern, or `global`. */
  name: string;
  dimension: LimitDimension;
  /** Units per minute. */
  limit: number;
  gcra: GcraLimit;
}

export interface RateLimiterOptions {
  limits: RateLimitOptions['limits'];
  /** The config's `models:` (aliases and groups): a model limit also applies to the names that stand for its model. */
  models?: GatewayConfig['models'];
  store: RateLimitStore;
  counter: PromptTokenCounter;
  /** Output tokens reserved when a request sets no `max_tokens`, unless its provider's adapter sends more. */
  defaultMaxTokens: number;
  /** The running providers, whose adapters may send a `max_tokens` of their own (HttpChatAdapter.defaultOutputLimit). */
  providers?: ReadonlyMap<string, Provider>;
  onStoreError: OnStoreError;
  logger: Logger;
  /** A clock to decide by, for tests; by default the store's own (Redis: the server's). */
  clock?: () => number;
  /** Told of every refusal: whose limit (`store` when it is unreachable) and on what; for metrics. */
  onRefused?: (source: LimitSource | 'store', dimension: LimitDimension | 'unknown') => void;
}

const PERIOD_MS = 60_000;

/**
 * Decides whether a request may go on, from every limit that applies to it: the
 * key's (its scope's `rpm`/`tpm`), its team's, the requested model's and the
 * gateway's. All are checked and charged at once, so a request refused by one
 * limit costs nothing on the others.
 */
export class RateLimiter {
  private readonly warnStoreDown: (error: unknown) => void;
  /** When the store last started failing; undefined once a call succeeds again. */
  private storeFailingSince: number | undefined;
  /** The configured limits, built once: the config does not change while the gateway runs. */
  private readonly teamLimits: Map<string, SourceLimits>;
  private readonly modelLimits: Array<[pattern: string, limits: SourceLimits]>;
  /** The model limits of each name under `models:` (alias or group), by what it routes to: modelLimitsByName. */
  private readonly modelLimitsOfConfiguredNames: Map<string, SourceLimits[]>;
  /** What the token estimate of each name under `models:` counts by the models it is first sent to. */
  private readonly targetsOfConfiguredNames: Map<string, ConfiguredNameTargets>;
  private readonly globalLimits: SourceLimits | undefined;
  /** Whether a token limit applies to every request (the gateway's or a model pattern's). */
  private readonly configuredTokenLimits: boolean;
  /** Set once the counter's tokenizer is loaded; until then a request waits for it. */
  private counterReady = false;
  /** The providers whose adapters send an output limit of their own to a request without one. */
  private readonly limitSendingProviders: Provider[];

  constructor(private readonly options: RateLimiterOptions) {
    const { teams, models, global } = options.limits;
    this.teamLimits = new Map(Object.entries(teams).map(([team, limit]) => [team, sourceLimits('team', team, limit)]));
    this.modelLimits = Object.entries(models).map(([pattern, limit]) => [pattern, sourceLimits('model', pattern, limit)]);
    this.modelLimitsOfConfiguredNames = modelLimitsByName(options.models ?? {}, this.modelLimits);
    this.targetsOfConfiguredNames = configuredNameTargets(options.models ?? {}, options.providers);
    this.globalLimits = global && sourceLimits('global', 'global', global);
    this.configuredTokenLimits = global?.tpm !== undefined || Object.values(models).some((limit) => limit.tpm !== undefined);
    this.limitSendingProviders = [...(options.providers?.values() ?? [])].filter((provider) => provider.chat?.defaultOutputLimit !== undefined);
    // A counter whose loading failed keeps failing each request that waits for it, as before.
    options.counter.ready.then(
      () => {
        this.counterReady = true;
      },
      () => undefined,
    );
    this.warnStoreDown = throttled(60_000, (error: unknown) => {
      const refusing = options.store.refusing?.();
      options.logger.warn(
        { err: error instanceof Error ? { message: error.message } : error, onError: options.onStoreError, ...(refusing !== undefined && { refusing }) },
        options.onStoreError === 'fail-open'
          ? `rate-limit store ${this.storeState()}: letting requests through unlimited (on_error: fail-open)`
          : `rate-limit store ${this.storeState()}: refusing requests (on_error: fail-closed)`,
      );
    });
  }

  /**
   * Since when (ms since the epoch) the store's calls have been failing, or
   * undefined. A connected store whose calls time out (Redis accepting but not
   * answering) counts as failing, though its socket looks fine.
   */
  get failingSince(): number | undefined {
    return this.storeFailingSince;
  }

  /** The limits of a request; the token limits carry its token estimate as their cost. */
  limitsFor(context: RequestContext): ApplicableLimit[] {
    const sources: SourceLimits[] = [];
    const principal = context.principal;
    const scope = principal?.scope;
    // A key's scope can change while the gateway runs: its limits are built per request.
    if (principal && scope && (scope.rpm !== undefined || scope.tpm !== undefined)) sources.push(sourceLimits('key', principal.keyId, scope));
    const team = principal?.team === undefined ? undefined : this.teamLimits.get(principal.team);
    if (team) sources.push(team);
    const model = (context.chatRequest ?? context.embeddingsRequest)?.model;
    if (model !== undefined && this.modelLimits.length > 0) {
      const configured = this.modelLimitsOfConfiguredNames.get(model);
      if (configured) {
        for (const modelLimits of configured) sources.push(modelLimits);
      } else {
        for (const [pattern, modelLimits] of this.modelLimits) {
          if (matchesModelLimit(model, pattern)) sources.push(modelLimits);
        }
      }
    }
    if (this.globalLimits) sources.push(this.globalLimits);

    const limits: ApplicableLimit[] = [];
    let tokens: number | undefined;
    for (const source of sources) {
      if (source.requests) limits.push(source.requests);
      if (source.tokens) limits.push(withCost(source.tokens, (tokens ??= this.tokensNeeded(context))));
    }
    return limits;
  }

  /**
   * Charges the request to its limits, sets the `x-ratelimit-*` headers and, for
   * token limits, settles the estimate to the real usage when the request is over.
   * Throws a 429 `rate_limit_exceeded` when a limit is reached. With a store that
   * answers at once (memory) and the tokenizer loaded, it decides synchronously and
   * returns undefined: the request waits for no promise; otherwise the promise
   * rejects with the 429.
   */
  admit(context: RequestContext): Promise<void> | undefined {
    if (!this.counterReady && this.tokenLimitsMayApply(context)) return this.options.counter.ready.then(() => this.charge(context));
    return this.charge(context);
  }

  private charge(context: RequestContext): Promise<void> | undefined {
    // A later call of the same request (the embedded API runs this step for each): the one before is over.
    this.settleOpenCharge(context);
    const limits = this.limitsFor(context);
    if (limits.length === 0) return undefined;

    const tooLarge = limits.find(isTooLarge);
    if (tooLarge) {
      this.options.onRefused?.(tooLarge.source, tooLarge.dimension);
      // No wait lets it pass, unlike the other 429s: the official SDKs would send it twice more (after their backoff) for the same answer.
      context.responseHeaders.set('x-should-retry', 'false');
      throw new GatewayError(
        'rate_limit_exceeded',
        `This request needs about ${tooLarge.gcra.cost} tokens (prompt and max_tokens), more than ${describe(tooLarge)} allows per minute (${ownLimitOrShared(tooLarge)}). Lower max_tokens or shorten the prompt.`,
        { retryable: false },
      );
    }

    const { store, clock } = this.options;
    const gcraLimits = limits.map(gcraOf);
    if (store.consumeNow) {
      let decision: GcraDecision;
      try {
        decision = store.consumeNow(gcraLimits, clock?.());
      } catch (error) {
        this.storeFailed(error);
        return undefined;
      }
      this.decided(context, limits, decision);
      return undefined;
    }
    return store.consume(gcraLimits, clock?.()).then(
      (decision) => this.decided(context, limits, decision),
      (error: unknown) => this.storeFailed(error),
    );
  }

  /** The store could not be asked: fail open (let the request through) or closed (refuse it). */
  private storeFailed(error: unknown): void {
    this.storeFailingSince ??= Date.now();
    this.warnStoreDown(error);
    if (this.options.onStoreError === 'fail-open') return;
    this.options.onRefused?.('store', 'unknown');
    throw new GatewayError('rate_limit_exceeded', `Rate limits cannot be checked right now (the rate-limit store is ${this.storeState()}); try again shortly.`, {
      retryable: false,
      retryAfterSeconds: 1,
      cause: error,
    });
  }

  /** What the failing store does: a Redis that answers but refuses commands (out of memory, a replica…) is not unreachable. */
  private storeState(): string {
    const refusing = this.options.store.refusing?.();
    return refusing === undefined ? 'unreachable' : `refusing commands (${refusing})`;
  }

  private decided(context: RequestContext, limits: ApplicableLimit[], decision: GcraDecision): void {
    this.storeFailingSince = undefined;
    setRateLimitHeaders(context.responseHeaders, limits, decision);
    if (!decision.allowed) {
      let worst = 0;
      for (const [index, state] of decision.states.entries()) {
        if (state.retryAfterMs > decision.states[worst]!.retryAfterMs) worst = index;
      }
      const limit = limits[worst]!;
      const retryAfterMs = decision.states[worst]!.retryAfterMs;
      this.options.onRefused?.(limit.source, limit.dimension);
      // Which limit and its size, shared or not: a size is configuration, not traffic (what is left of a shared one is not said).
      const reached = `${describe(limit)}: ${limit.limit} ${limit.dimension} per minute${isCallersOwn(limit) ? '' : `, ${sharedByEveryCaller}`}`;
      throw new GatewayError('rate_limit_exceeded', `Rate limit reached for ${reached}. Try again in ${formatResetDuration(retryAfterMs)}.`, {
        retryable: false,
        retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
      });
    }

    // When the call is over, not when its response closes: a stream the client cut short
    // has its usage estimated only at the request's end, and would otherwise be charged
    // nothing. `limits` is this request's own array: the token limits are picked from it
    // then, not copied now.
    if (limits.some(isTokenLimit)) this.openCharge(context, limits);
  }

  /**
   * Keeps the call's token charge to settle once the call is over: at the request's end, or
   * when the same request's next call is charged (an app's handler calling the embedded API
   * several times). Each charge settles what was used since it was made; every charge
   * settling the whole request's usage charged a request of two calls twice its tokens.
   */
  private openCharge(context: RequestContext, limits: readonly ApplicableLimit[]): void {
    const withCharge = context as ContextWithCharge;
    const first = withCharge[openChargeKey] === undefined;
    withCharge[openChargeKey] = {
      limits,
      tokensBefore: tokensOf(context.usage),
      hitTokensBefore: tokensOf(context.cacheHitUsage),
      attemptsBefore: context.attempts.length,
    };
    if (first) context.onFinished(() => this.settleOpenCharge(context));
  }

  private settleOpenCharge(context: RequestContext): void {
    const withCharge = context as ContextWithCharge;
    const charge = withCharge[openChargeKey];
    if (!charge) return;
    withCharge[openChargeKey] = null;
    this.settleTokens(context, charge);
  }

  /** The tokens a request may use: its prompt, and the most output it allows. */
  private tokensNeeded(context: RequestContext): number {
    const { counter, defaultMaxTokens } = this.options;
    const chat = context.chatRequest;
    if (chat) return counter.chat(chat, this.targetsOfConfiguredNames.get(chat.model)?.imageTokens) + (chat.maxOutputTokens ?? this.unsetOutputTokens(chat, defaultMaxTokens));
    return context.embeddingsRequest ? counter.embeddings(context.embeddingsRequest) : 0;
  }

  /**
   * The output charged to a request without `max_tokens`: the configured guess, or what an
   * adapter it may reach sends instead when that is more (Anthropic: `default_max_tokens`
   * and the thinking budget, which went past the tpm until the call ended). The step runs
   * before `route`: a `provider/model` reaches its provider, a name under `models:` the
   * providers it is first sent to, any other name (the smart route's) is charged the most of
   * any provider's.
   */
  private unsetOutputTokens(chat: ChatRequest, defaultMaxTokens: number): number {
    if (this.limitSendingProviders.length === 0) return defaultMaxTokens;
    const slash = chat.model.indexOf('/');
    const named = slash > 0 ? this.options.providers?.get(chat.model.slice(0, slash)) : undefined;
    if (named) return Math.max(defaultMaxTokens, sentOutputLimit(named, chat) ?? 0);
    const sending = this.targetsOfConfiguredNames.get(chat.model)?.limitSendingProviders ?? this.limitSendingProviders;
    let tokens = defaultMaxTokens;
    for (let index = 0; index < sending.length; index++) tokens = Math.max(tokens, sentOutputLimit(sending[index], chat) ?? 0);
    return tokens;
  }

  /**
   * Gives back (or charges) the difference between the tokens reserved and those used,
   * on the token limits among `limits`. Not async: with a store that adjusts at once
   * (memory) no promise is made per request.
   */
  private settleTokens(context: RequestContext, { limits, tokensBefore, hitTokensBefore, attemptsBefore }: OpenCharge): void {
    // The answer's tokens and every failed attempt's the provider billed (it processed
    // them too); none at all means the calls failed before the model did any work. A
    // cache hit reports the usage of the call it replays, but no provider saw it: tpm
    // limits provider tokens, so a hit gives its whole reservation back (its request
    // still counted on rpm).
    const answered = tokensOf(context.usage) - tokensBefore - (tokensOf(context.cacheHitUsage) - hitTokensBefore);
    let used = Math.max(0, answered);
    const attempts = context.attempts;
    for (let index = attemptsBefore; index < attempts.length; index++) {
      const billed = attempts[index]!.billedUsage;
      if (billed) used += totalTokens(billed);
    }
    let corrections: GcraLimit[] | undefined;
    for (const limit of limits) {
      if (!isTokenLimit(limit)) continue;
      // Every token limit of a request carries the same estimate as its cost.
      const difference = used - limit.gcra.cost;
      if (difference === 0) return;
      (corrections ??= []).push({ ...limit.gcra, cost: difference });
    }
    if (!corrections) return;
    const { store, clock } = this.options;
    try {
      if (store.adjustNow) store.adjustNow(corrections, clock?.());
      else store.adjust(corrections, clock?.()).catch(this.warnStoreDown);
    } catch (error) {
      this.warnStoreDown(error);
    }
  }

  private tokenLimitsMayApply(context: RequestContext): boolean {
    if (this.configuredTokenLimits || context.principal?.scope?.tpm !== undefined) return true;
    const team = context.principal?.team;
    return team !== undefined && this.teamLimits.get(team)?.tokens !== undefined;
  }
}

/**
 * The limits of one source (a key, a team, a model pattern, the gateway). The request
 * limit costs 1 on every request and is shared as it is; the token limit is the
 * template each request copies with its own token estimate.
 */
interface SourceLimits {
  requests: ApplicableLimit | undefined;
  tokens: ApplicableLimit | undefined;
}

function sourceLimits(source: LimitSource, name: string, limit: RateLimit): SourceLimits {
  return {
    requests: limit.rpm === undefined ? undefined : applicable(source, name, 'requests', limit.rpm, 1),
    tokens: limit.tpm === undefined ? undefined : applicable(source, name, 'tokens', limit.tpm, 0),
  };
}

function withCost(template: ApplicableLimit, cost: number): ApplicableLimit {
  const { key, intervalMs, toleranceMs } = template.gcra;
  return { source: template.source, name: template.name, dimension: template.dimension, limit: template.limit, gcra: { key, intervalMs, toleranceMs, cost } };
}

const gcraOf = (limit: ApplicableLimit): GcraLimit => limit.gcra;
const tokensOf = (usage: Usage | undefined): number => (usage ? totalTokens(usage) : 0);

/** A call's token charge, settled once the call is over (RateLimiter.openCharge). */
interface OpenCharge {
  limits: readonly ApplicableLimit[];
  /** The request's tokens (and those its cache hits replayed) and attempts when the charge was made. */
  tokensBefore: number;
  hitTokensBefore: number;
  attemptsBefore: number;
}

/**
 * Where a request keeps its open charge: a property under a symbol, as the key-scope step
 * keeps its calls. Undefined before the first charge, null once it is settled.
 */
const openChargeKey = Symbol('switchyard.rateLimit.openCharge');
type ContextWithCharge = RequestContext & { [openChargeKey]?: OpenCharge | null };
const isTokenLimit = (limit: ApplicableLimit): boolean => limit.dimension === 'tokens';
const isTooLarge = (limit: ApplicableLimit): boolean => limit.dimension === 'tokens' && limit.gcra.cost > limit.limit;

function applicable(source: LimitSource, name: string, dimension: LimitDimension, limit: number, cost: number): ApplicableLimit {
  return { source, name, dimension, limit, gcra: gcraLimit(`${source}:${name}:${dimension}`, limit, PERIOD_MS, cost) };
}

function describe(limit: ApplicableLimit): string {
  switch (limit.source) {
    case 'key':
      return 'this API key';
    case 'team':
      return `team '${limit.name}'`;
    case 'model':
      return `model '${limit.name}'`;
    case 'global':
      return 'this gateway';
  }
}

/**
 * Whether a limit is the caller's own: its key's, or its team's (its own organisation).
 * A model's and the gateway's are shared by every tenant: their counts move with other
 * tenants' traffic, so showing them would let each tenant watch the others'.
 */
const isCallersOwn = (limit: ApplicableLimit): boolean => limit.source === 'key' || limit.source === 'team';

/**
 * What a refusal says of a limit's size: the size, and of a shared one that it is shared (isCallersOwn).
 * A size is the configuration's, the same whoever asks; only what is left of a shared limit moves with
 * other tenants' traffic, and that is never said.
 */
const sharedByEveryCaller = 'shared by every caller';
const ownLimitOrShared = (limit: ApplicableLimit): string => (isCallersOwn(limit) ? String(limit.limit) : `${limit.limit}, ${sharedByEveryCaller}`);

/**
 * OpenAI's rate-limit headers, per dimension from the tightest of the caller's own limits
 * (isCallersOwn): the one with the fewest units left after this request (the smaller limit
 * on a tie). A dimension with only shared limits gets no headers; a refusal by one still
 * says when to come back, in the 429's `Retry-After`.
 */
export function setRateLimitHeaders(headers: ResponseHeaders, limits: readonly ApplicableLimit[], decision: GcraDecision): void {
  // Runs on every request: plain loops and locals, header names made once.
  for (const dimension of dimensions) {
    let tightest: ApplicableLimit | undefined;
    let tightestRemaining = 0;
    let tightestTat = 0;
    for (let index = 0; index < limits.length; index++) {
      const limit = limits[index]!;
      if (limit.dimension !== dimension || !isCallersOwn(limit)) continue;
      const tat = decision.states[index]!.tat;
      const remaining = gcraRemaining(limit.gcra, tat, decision.now);
      if (!tightest || remaining < tightestRemaining || (remaining === tightestRemaining && limit.limit < tightest.limit)) {
        tightest = limit;
        tightestRemaining = remaining;
        tightestTat = tat;
      }
    }
    if (!tightest) continue;
    const names = rateLimitHeaderNames[dimension];
    headers.set(names.limit, String(tightest.limit));
    headers.set(names.remaining, String(tightestRemaining));
    headers.set(names.reset, formatResetDuration(gcraResetMs(tightestTat, decision.now)));
  }
}

const dimensions = ['requests', 'tokens'] as const;

const rateLimitHeaderNames = {
  requests: { limit: 'x-ratelimit-limit-requests', remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
  tokens: { limit: 'x-ratelimit-limit-tokens', remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' },
} as const;
