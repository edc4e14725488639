import { GatewayError, matchesModelPattern, throttled, type Logger, type RequestContext } from '@switchyard/core';
import type { Response } from 'express';
import type { PromptTokenCounter } from './count-prompt-tokens.js';
import { formatResetDuration } from './format-reset-duration.js';
import { gcraLimit, gcraRemaining, gcraResetMs, type GcraDecision, type GcraLimit } from './gcra.js';
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
  store: RateLimitStore;
  counter: PromptTokenCounter;
  /** Output tokens reserved when a request sets no `max_tokens`. */
  defaultMaxTokens: number;
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

  constructor(private readonly options: RateLimiterOptions) {
    this.warnStoreDown = throttled(60_000, (error: unknown) =>
      options.logger.warn(
        { err: error instanceof Error ? { message: error.message } : error, onError: options.onStoreError },
        options.onStoreError === 'fail-open'
          ? 'rate-limit store unreachable: letting requests through unlimited (on_error: fail-open)'
          : 'rate-limit store unreachable: refusing requests (on_error: fail-closed)',
      ),
    );
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
  limitsFor(context: RequestContext, tokenCost: () => number): ApplicableLimit[] {
    const sources: Array<[LimitSource, string, RateLimit]> = [];
    const principal = context.principal;
    const scope = principal?.scope;
    if (principal && scope && (scope.rpm !== undefined || scope.tpm !== undefined)) sources.push(['key', principal.keyId, scope]);
    const team = principal?.team === undefined ? undefined : this.options.limits.teams[principal.team];
    if (team && principal?.team !== undefined) sources.push(['team', principal.team, team]);
    const model = (context.chatRequest ?? context.embeddingsRequest)?.model;
    if (model !== undefined) {
      for (const [pattern, limit] of Object.entries(this.options.limits.models)) {
        if (matchesModelPattern(model, [pattern])) sources.push(['model', pattern, limit]);
      }
    }
    if (this.options.limits.global) sources.push(['global', 'global', this.options.limits.global]);

    const limits: ApplicableLimit[] = [];
    let tokens: number | undefined;
    for (const [source, name, limit] of sources) {
      if (limit.rpm !== undefined) limits.push(applicable(source, name, 'requests', limit.rpm, 1));
      if (limit.tpm !== undefined) limits.push(applicable(source, name, 'tokens', limit.tpm, (tokens ??= tokenCost())));
    }
    return limits;
  }

  /**
   * Charges the request to its limits, sets the `x-ratelimit-*` headers and, for
   * token limits, settles the estimate to the real usage when the response is over.
   * Throws a 429 `rate_limit_exceeded` when a limit is reached.
   */
  async admit(context: RequestContext, res: Response): Promise<void> {
    const { counter, defaultMaxTokens } = this.options;
    const needsTokens = () => {
      const chat = context.chatRequest;
      if (chat) return counter.chat(chat) + (chat.maxOutputTokens ?? defaultMaxTokens);
      return context.embeddingsRequest ? counter.embeddings(context.embeddingsRequest) : 0;
    };
    if (this.tokenLimitsMayApply(context)) await counter.ready;
    const limits = this.limitsFor(context, needsTokens);
    if (limits.length === 0) return;

    const tooLarge = limits.find((limit) => limit.dimension === 'tokens' && limit.gcra.cost > limit.limit);
    if (tooLarge) {
      this.options.onRefused?.(tooLarge.source, tooLarge.dimension);
      throw new GatewayError(
        'rate_limit_exceeded',
        `This request needs about ${tooLarge.gcra.cost} tokens (prompt and max_tokens), more than ${describe(tooLarge)} allows per minute (${tooLarge.limit}). Lower max_tokens or shorten the prompt.`,
        { retryable: false },
      );
    }

    let decision: GcraDecision;
    try {
      decision = await this.options.store.consume(
        limits.map((limit) => limit.gcra),
        this.options.clock?.(),
      );
    } catch (error) {
      this.storeFailingSince ??= Date.now();
      this.warnStoreDown(error);
      if (this.options.onStoreError === 'fail-open') return;
      this.options.onRefused?.('store', 'unknown');
      throw new GatewayError('rate_limit_exceeded', 'Rate limits cannot be checked right now (the rate-limit store is unreachable); try again shortly.', {
        retryable: false,
        retryAfterSeconds: 1,
        cause: error,
      });
    }

    this.storeFailingSince = undefined;
    setRateLimitHeaders(res, limits, decision);
    if (!decision.allowed) {
      let worst = 0;
      for (const [index, state] of decision.states.entries()) {
        if (state.retryAfterMs > decision.states[worst]!.retryAfterMs) worst = index;
      }
      const limit = limits[worst]!;
      const retryAfterMs = decision.states[worst]!.retryAfterMs;
      this.options.onRefused?.(limit.source, limit.dimension);
      throw new GatewayError(
        'rate_limit_exceeded',
        `Rate limit reached for ${describe(limit)}: ${limit.limit} ${limit.dimension} per minute. Try again in ${formatResetDuration(retryAfterMs)}.`,
        { retryable: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) },
      );
    }

    const tokenLimits = limits.filter((limit) => limit.dimension === 'tokens');
    if (tokenLimits.length > 0) res.once('close', () => void this.settleTokens(context, tokenLimits));
  }

  /** Gives back (or charges) the difference between the tokens reserved and those used. */
  private async settleTokens(context: RequestContext, tokenLimits: ApplicableLimit[]): Promise<void> {
    const reserved = tokenLimits[0]!.gcra.cost;
    // No usage means no answer: the call failed before the model did any work.
    const used = context.usage ? context.usage.inputTokens + context.usage.outputTokens : 0;
    const difference = used - reserved;
    if (difference === 0) return;
    try {
      await this.options.store.adjust(
        tokenLimits.map((limit) => ({ ...limit.gcra, cost: difference })),
        this.options.clock?.(),
      );
    } catch (error) {
      this.warnStoreDown(error);
    }
  }

  private tokenLimitsMayApply(context: RequestContext): boolean {
    const { limits } = this.options;
    if (context.principal?.scope?.tpm !== undefined || limits.global?.tpm !== undefined) return true;
    const team = context.principal?.team;
    if (team !== undefined && limits.teams[team]?.tpm !== undefined) return true;
    return Object.values(limits.models).some((limit) => limit.tpm !== undefined);
  }
}

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
 * OpenAI's rate-limit headers, per dimension from the tightest limit: the one with
 * the fewest units left after this request (the smaller limit on a tie).
 */
export function setRateLimitHeaders(res: Response, limits: readonly ApplicableLimit[], decision: GcraDecision): void {
  // Runs on every request: plain loops and locals, header names made once.
  for (const dimension of dimensions) {
    let tightest: ApplicableLimit | undefined;
    let tightestRemaining = 0;
    let tightestTat = 0;
    for (let index = 0; index < limits.length; index++) {
      const limit = limits[index]!;
      if (limit.dimension !== dimension) continue;
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
    res.setHeader(names.limit, String(tightest.limit));
    res.setHeader(names.remaining, String(tightestRemaining));
    res.setHeader(names.reset, formatResetDuration(gcraResetMs(tightestTat, decision.now)));
  }
}

const dimensions = ['requests', 'tokens'] as const;

const rateLimitHeaderNames = {
  requests: { limit: 'x-ratelimit-limit-requests', remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' },
  tokens: { limit: 'x-ratelimit-limit-tokens', remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' },
} as const;
