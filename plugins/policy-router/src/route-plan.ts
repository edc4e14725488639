import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  AttemptCancel,
  estimatePromptTokens,
  GatewayError,
  isEstimatedUsage,
  matchesModelPattern,
  takeReady,
  toGatewayError,
  type Attempt,
  type Deployment,
  type Dispatch,
  type ProviderResult,
  type ReadyItems,
  type RequestContext,
  type RoutePlan,
  type Usage,
} from '@switchyard/core';
import type { DeploymentStats } from './deployment-stats.js';
import type { GroupDeployment, ModelGroup } from './model-group.js';
import { isDeploymentAccountFailure, isGatewayOwnFailure, isUnofferedOperation, movesOn } from './moves-on.js';
import { backoffDelayMs } from './retry-delay.js';

/**
 * Where an interceptor hands the route plan the gateway's own bookkeeping it awaits in front of
 * the provider (the key-scope step's budget hold): the attempt's timer starts once that settles,
 * so a slow budget store is not the deployment's slowness. Symbol.for: policy-keys names it
 * without depending on this plugin. Only the plan's own attempts carry it.
 */
export const attemptWaitsFor = Symbol.for('switchyard.attempt.waitsFor');

/** The options of one attempt of the plan: its cancellation, and what it waits for before its timer. */
class PlanAttemptCancel extends AttemptCancel {
  waitsFor: Promise<unknown> | undefined = undefined;

  [attemptWaitsFor](pending: Promise<unknown>): void {
    this.waitsFor = pending;
  }
}

/** The parts of the request context a plan reads and writes. */
export type PlanContext = Pick<RequestContext, 'signal' | 'clientGone' | 'onClientGone' | 'attempts' | 'servedBy' | 'logger' | 'chatRequest'>;

/** What a plan needs besides the group; clock, sleep and random are injectable for tests. */
export interface RoutePlanOptions {
  context: PlanContext;
  /** Resolves fallback names (checked at start, so it only fails for bugs). */
  resolve: (name: string) => ModelGroup;
  /** A group's deployments in the order its strategy tries them. */
  order: (group: ModelGroup) => GroupDeployment[];
  stats: DeploymentStats;
  /**
   * Whether calls are counted in flight until their answer is over (default true).
   * Only least-busy routing reads the count: without it, a stream is handed on as
   * it is, not wrapped to see its end (a promise more per part).
   */
  trackInFlight?: boolean;
  /** The order of the first round, when the route step already computed it. */
  firstOrder?: readonly GroupDeployment[];
  /** Monotonic milliseconds. */
  clock?: () => number;
  /** Waits, or rejects when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Aborted, its reason a `shutting_down` error, when the gateway cuts the calls still running
   * at its drain deadline (the transport's cut signal): a wait between rounds ends with it.
   */
  shutdown?: AbortSignal;
  random?: () => number;
  /**
   * The names the caller's key may use (its scope's `models`); undefined, any. A fallback
   * is another model, so one outside them is skipped: a key scoped to `smart` is not sent
   * to `smart`'s fallback `expensive` unless it may use `expensive` too.
   */
  allowedModels?: readonly string[] | undefined;
  /**
   * The refusal of a deployment whose provider does not offer the request's operation (embeddings
   * asked of a chat-only provider), else undefined. Such a deployment is passed over without a call:
   * no attempt, no interceptor (its circuit breaker, a budget hold), no latency sample.
   */
  unoffered?: (deployment: Deployment) => GatewayError | undefined;
}

/**
 * The route plan of one request: tries the group's deployments in strategy order,
 * moving on after each retryable failure; when all failed, tries the group again
 * (`retries.attempts` rounds, exponential backoff with full jitter, at least until
 * each deployment's own Retry-After is over, never past the deadline; a deployment
 * whose Retry-After ends past the deadline is left out); then the fallbacks
 * in order. A context-length or content-filter error goes straight to its own
 * fallback; a failure of a deployment's account (its key refused, its quota spent) moves on
 * like a retryable one, without a retry round of its own; any other non-retryable error,
 * or the gateway's own failure (its budget store down), ends the call at once.
 */
export function createRoutePlan(group: ModelGroup, options: RoutePlanOptions): RoutePlan {
  return (attempt) => new PlanRun(attempt, options).run(group);
}

class PlanRun {
  private readonly clock: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly context: PlanContext;
  /** The groups run so far: made only when a fallback is considered (most requests never get there). */
  private tried: Set<string> | undefined;
  private winner: Deployment | undefined;
  private firstOrder: readonly GroupDeployment[] | undefined;
  /** The first attempt's cancellation, aborted if the client leaves; later ones go in `laterCancels`. */
  private firstCancel: AttemptCancel | undefined;
  private laterCancels: AttemptCancel[] | undefined;
  /** Why the client left, once it has: a later attempt's cancellation is aborted with it at once. */
  private clientLeftWith: Error | undefined;

  constructor(
    private readonly attempt: Dispatch,
    private readonly options: RoutePlanOptions,
  ) {
    this.clock = options.clock ?? monotonicNow;
    this.sleep = options.sleep ?? sleepUnlessAborted;
    this.random = options.random ?? Math.random;
    this.context = options.context;
    this.firstOrder = options.firstOrder;
  }

  run(group: ModelGroup): Promise<ProviderResult> {
    return this.runModel(group, deadlineOf(group, this.clock()));
  }

  /**
   * One group with its retries, then whichever fallback its failure calls for. Not an
   * async function: a handler on the group's promise costs less than a frame awaiting
   * it, and most requests never need it.
   */
  private runModel(group: ModelGroup, deadline: Deadline): Promise<ProviderResult> {
    // The first group is added when the set is made (in runFallbacks).
    this.tried?.add(group.name);
    return this.runGroup(group, earlierDeadline(deadline, group, this.clock())).catch((caught: unknown) =>
      this.afterGroupFailed(group, toGatewayError(caught), deadline),
    );
  }

  private afterGroupFailed(group: ModelGroup, error: GatewayError, deadline: Deadline): Promise<ProviderResult> {
    if (error.code === 'client_closed_request') throw error;
    const special =
      error.code === 'context_length_exceeded' ? group.contextFallback : error.code === 'content_filter' ? group.contentFilterFallback : undefined;
    if (special !== undefined) return this.runFallbacks([special], error, deadline, group);
    // No deployment of the group offers the operation: a fallback may.
    if (!movesOn(error) && !isUnofferedOperation(error)) throw error;
    return this.runFallbacks(group.fallbacks, error, deadline, group);
  }

  private async runFallbacks(
    names: readonly string[],
    cause: GatewayError,
    deadline: Deadline,
    failedGroup: ModelGroup,
  ): Promise<ProviderResult> {
    // Made by the first fallback considered, whose failed group is the request's own.
    const tried = (this.tried ??= new Set([failedGroup.name]));
    let last = cause;
    for (const name of names) {
      // A fallback already tried in this request (a cycle, or a shared fallback) is not tried again.
      if (tried.has(name)) continue;
      const allowed = this.options.allowedModels;
      if (allowed && !matchesModelPattern(name, allowed)) {
        this.context.logger.debug({ from: cause.code, fallback: name }, "skipping a fallback outside the key's models");
        continue;
      }
      if (this.clock() >= deadline.at) break;
      this.context.logger.debug({ from: cause.code, fallback: name }, 'trying a fallback');
      try {
        return await this.runModel(this.options.resolve(name), deadline);
      } catch (caught) {
        const error = toGatewayError(caught);
        // A fallback that does not offer the operation says nothing of the request: the failure before it answers.
        if (isUnofferedOperation(error)) continue;
        last = error;
        if (!movesOn(last)) throw last;
      }
    }
    throw last;
  }

  private async runGroup(group: ModelGroup, deadline: Deadline): Promise<ProviderResult> {
    const endsAt = deadline.at;
    let lastError: GatewayError | undefined;
    // When each deployment that sent a Retry-After may be asked again: made only when one does.
    let notBefore: Map<string, number> | undefined;
    // Deployments whose failure no backoff mends (their own account, their plugin's own code): not asked
    // again in a later round that another deployment's failure calls for. Made only when one fails so.
    let notAgain: Set<string> | undefined;
    for (let round = 0; round <= group.retries.attempts; round++) {
      if (round > 0) {
        // Every deployment failed in a way no backoff mends: no round can do better.
        if (notAgain && notAgain.size >= group.deployments.length) throw lastError!;
        let wait = backoffDelayMs(round, group.retries, this.random);
        if (notBefore) {
          const retryAfterWait = waitForRetryAfters(group, notBefore, this.clock(), endsAt, notAgain);
          // Every deployment asked for longer than the deadline leaves: answer with what the upstream said.
          if (retryAfterWait === undefined) throw lastError!;
          wait = Math.max(wait, retryAfterWait);
        }
        // Waiting past the deadline would only end in a timeout: answer with what the upstream said.
        if (this.clock() + wait >= endsAt) throw lastError!;
        await this.pause(wait);
      }
      const order = this.firstOrder ?? this.options.order(group);
      this.firstOrder = undefined;
      let reachedUpstream = false;
      for (const deployment of order) {
        this.throwIfClientGone();
        if (notAgain?.has(deployment.key)) continue;
        // Its Retry-After ends past the deadline: the others are still tried.
        if (notBefore && (notBefore.get(deployment.key) ?? 0) > endsAt) continue;
        const refusal = this.options.unoffered?.(deployment);
        if (refusal) {
          // Passed over: its refusal answers only when nothing else got further.
          lastError ??= refusal;
          continue;
        }
        const remaining = endsAt - this.clock();
        if (remaining <= 0) throw lastError ?? deadlineError(deadline, group);
        // Started and judged by plain methods: one async frame (this one) per attempt, not two.
        const attempt = this.startAttempt(deployment, group, remaining);
        const outcome = this.judgeAttempt(attempt, group, deadline, await attempt.outcome);
        if (!(outcome instanceof AttemptFailure)) return outcome;
        const error = outcome.error;
        if (isUnofferedOperation(error)) {
          // Passed over: the next deployment may offer it; a real failure answers before this refusal.
          lastError ??= error;
          continue;
        }
        if (!movesOn(error)) throw error;
        lastError = error;
        reachedUpstream ||= outcome.reachedUpstream;
        if (outcome.sentToProvider && !outcome.reachedUpstream) (notAgain ??= new Set()).add(deployment.key);
        // A deployment that asked for a pause is not asked again before it is over. A refusal in front of
        // the provider (an open circuit's time left) is for the client, not the rounds: they skip it anyway.
        if (error.retryAfterSeconds !== undefined && outcome.sentToProvider) {
          (notBefore ??= new Map()).set(deployment.key, this.clock() + Math.ceil(error.retryAfterSeconds * 1000));
        }
      }
      // Every deployment was refused before the upstream (circuit breakers open) or failed
      // in its plugin's own code: a backoff of milliseconds will not mend either, so go on
      // to the fallbacks.
      if (!reachedUpstream) break;
    }
    throw lastError ?? deadlineError(deadline, group);
  }

  /**
   * Starts one attempt, bounded by the attempt timeout and the deadline. A timed-out
   * attempt is cancelled through its own signal (the upstream request is aborted)
   * while the request goes on; whatever it produced meanwhile is discarded and its
   * record removed, so that every attempt is recorded once.
   */
  private startAttempt(deployment: GroupDeployment, group: ModelGroup, remainingMs: number): AttemptUnderWay {
    // A fresh object per attempt: its identity finds this attempt's record in context.attempts.
    const target: Deployment = { provider: deployment.provider, model: deployment.model };
    // In flight until its answer (a stream: its last part) is over; only least-busy routing reads it.
    if (group.configured && this.options.trackInFlight !== false) this.options.stats.begin(deployment.key);
    const started = this.clock();
    const attemptTimeoutMs = group.attemptTimeoutMs ?? Number.POSITIVE_INFINITY;
    const limitMs = Math.min(attemptTimeoutMs, remainingMs);
    // The attempt's options are its cancellation: an AbortSignal is made only if something reads `signal`.
    const cancel = new PlanAttemptCancel();
    this.cancelWithClient(cancel);
    const answer = this.attempt(target, cancel);
    const bookkeeping = cancel.waitsFor;
    if (!bookkeeping) return { deployment, target, cancel, started, limitMs, outcome: settleWithin(answer, limitMs) };
    // Its timer (and its latency) begins once the gateway's own bookkeeping is over: the time waited
    // on it is no deployment's, and a store that gives up answers with its own 503.
    const attempt: AttemptUnderWay = { deployment, target, cancel, started, limitMs, outcome: undefined! };
    const startTimer = (): Promise<Settled | TimedOut> => {
      attempt.started = this.clock();
      attempt.limitMs = Math.max(0, Math.min(attemptTimeoutMs, started + remainingMs - attempt.started));
      return settleWithin(answer, attempt.limitMs);
    };
    attempt.outcome = bookkeeping.then(startTimer, startTimer);
    return attempt;
  }

  /** The answer of a settled attempt, or why it failed; records what providerDispatch did not. */
  private judgeAttempt(attempt: AttemptUnderWay, group: ModelGroup, deadline: Deadline, settled: Settled | TimedOut): ProviderResult | AttemptFailure {
    const { deployment, target, limitMs } = attempt;
    const tracked = group.configured;
    const inFlight = tracked && this.options.trackInFlight !== false;
    const stats = this.options.stats;
    const elapsed = this.clock() - attempt.started;

    if ('late' in settled) {
      const attemptTimeout = group.attemptTimeoutMs ?? Number.POSITIVE_INFINITY;
      const message = limitMs < attemptTimeout ? deadlineMessage(deadline, group) : `${deployment.key} did not answer within ${attemptTimeout} ms (attempt_timeout_ms of '${group.name}').`;
      const error = new GatewayError('upstream_timeout', message, { provider: deployment.provider });
      const record: Attempt = { deployment: target, durationMs: elapsed, errorCode: error.code };
      this.billAnswerHeldPastLimit(target, record);
      this.context.attempts.push(record);
      attempt.cancel.abort(error);
      if (tracked) stats.recordFailure(deployment.key, elapsed); // slow is what it was: steer least-latency and least-busy away
      if (inFlight) stats.end(deployment.key);
      void settled.late.then((late) => this.discardLate(target, record, late));
      return new AttemptFailure(error, true, true);
    }

    const recorded = isRecorded(this.context.attempts, target);
    if (settled.ok) {
      this.winner = target;
      if (tracked) stats.recordAnswer(deployment.key, elapsed);
      return inFlight ? trackStreamEnd(settled.result, () => stats.end(deployment.key)) : settled.result;
    }
    if (inFlight) stats.end(deployment.key);
    // The gateway's own failure in front of the provider (its budget store down): no attempt at the
    // deployment, so none recorded and no latency sample; the plan ends with it (movesOn).
    if (!recorded && isGatewayOwnFailure(settled.error)) return new AttemptFailure(settled.error, false, false);
    // A deployment failing fast (5xx, 429, refused) is no fast one, nor an idle one: the failure counts
    // as an attempt that timed out, so least-latency and least-busy put it behind the healthy ones.
    if (tracked && movesOn(settled.error)) stats.recordFailure(deployment.key, group.attemptTimeoutMs ?? group.timeoutMs);
    // Refused before the provider was called (a circuit breaker in front of it): still an attempt.
    if (!recorded) this.context.attempts.push({ deployment: target, durationMs: elapsed, errorCode: settled.error.code });
    // A provider plugin's own failure (internal_error) or the deployment's account (a refused key, a
    // spent quota) is not one a backoff mends: like a refusal, it moves on without another round.
    const backoffMends = settled.error.code !== 'internal_error' && !isDeploymentAccountFailure(settled.error) && !isUnofferedOperation(settled.error);
    return new AttemptFailure(settled.error, recorded && backoffMends, recorded);
  }

  /**
   * Aborts `cancel` (with the client's reason) when the client leaves: what
   * AbortSignal.any([client, cancel]) gave, without its cost on every attempt (a third
   * signal, weak references, a finalization registration), and without making the
   * client's own signal at all. One listener per request, kept until the request is
   * over: a streamed answer outlives its attempt's promise and must still be cut
   * when the client leaves.
   */
  private cancelWithClient(cancel: AttemptCancel): void {
    if (this.clientLeftWith) {
      cancel.abort(this.clientLeftWith);
      return;
    }
    if (this.firstCancel) {
      (this.laterCancels ??= []).push(cancel);
      return;
    }
    this.firstCancel = cancel;
    this.context.onClientGone((reason) => {
      this.clientLeftWith = reason;
      this.firstCancel!.abort(reason);
      if (this.laterCancels) for (const attempt of this.laterCancels) attempt.abort(reason);
    });
  }

  /**
   * The upstream answered in time but something around the call (a step's interceptor) held
   * the answer past the limit: providerDispatch has recorded it already. It is billed on the
   * timeout record now (what a failure was billed, or an answer's prompt estimate), for an
   * answer that comes back only after the request is over; one that comes back before is
   * billed what it says (discardLate).
   */
  private billAnswerHeldPastLimit(target: Deployment, timeoutRecord: Attempt): void {
    const attempts = this.context.attempts;
    for (let index = attempts.length - 1; index >= 0; index--) {
      const answered = attempts[index]!;
      if (answered.deployment !== target) continue;
      attempts.splice(index, 1);
      const chat = this.context.chatRequest;
      const billed = answered.billedUsage ?? (answered.errorCode === undefined && chat ? { inputTokens: estimatePromptTokens(chat), outputTokens: 0 } : undefined);
      if (billed) timeoutRecord.billedUsage = billed;
      if (billed && (answered.billedUsage === undefined || answered.billedUsageEstimated)) timeoutRecord.billedUsageEstimated = true;
      return;
    }
  }

  /**
   * An abandoned attempt finished after all: drop its result and its second record.
   * What it was billed (a whole answer, a stream's prompt estimate, or a failure's billed
   * usage) stays on its timeout record, to be charged if the request is not over yet.
   */
  private discardLate(target: Deployment, timeoutRecord: Attempt, late: Settled): void {
    const attempts = this.context.attempts;
    let lateRecord: Attempt | undefined;
    for (let index = attempts.length - 1; index >= 0; index--) {
      const attempt = attempts[index]!;
      if (attempt.deployment === target && attempt !== timeoutRecord) {
        lateRecord = attempts.splice(index, 1)[0];
        break;
      }
    }
    if (late.ok) {
      // A whole answer's usage; a stream is dropped unread, so of it only the prompt is known: billed its
      // estimate, as an attempt hung up on after it was sent (it was billed nothing).
      const usage = wholeAnswerUsage(late.result);
      const billed = usage ?? (this.context.chatRequest && { inputTokens: estimatePromptTokens(this.context.chatRequest), outputTokens: 0 });
      if (billed) timeoutRecord.billedUsage = billed;
      // Estimated only if what it answered was (billAnswerHeldPastLimit may have marked its prompt's estimate).
      timeoutRecord.billedUsageEstimated = billed !== undefined && (!usage || lateUsageEstimated(late.result));
    } else {
      // A failure's billed usage, or the prompt's estimate providerDispatch billed an attempt cut after it was sent.
      const billed = late.error.billedUsage ?? lateRecord?.billedUsage;
      if (billed) timeoutRecord.billedUsage = billed;
      if (!late.error.billedUsage && lateRecord?.billedUsageEstimated) timeoutRecord.billedUsageEstimated = true;
    }
    // providerDispatch marked it as the server of the request; it is not.
    if (late.ok) {
      this.context.servedBy = this.winner;
      if (late.result.kind === 'chat-stream') void late.result.parts[Symbol.asyncIterator]().return?.();
      if (late.result.kind === 'chat-passthrough-stream') void late.result.events[Symbol.asyncIterator]().return?.();
    }
  }

  private async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    // A wait (a Retry-After of 20 s) ran past the gateway's close(): answered, and recorded, after its last flush.
    const shutdown = this.options.shutdown;
    try {
      await this.sleep(ms, shutdown ? AbortSignal.any([this.context.signal, shutdown]) : this.context.signal);
    } catch {
      this.throwIfClientGone();
      if (shutdown?.aborted) throw shutdown.reason;
    }
  }

  private throwIfClientGone(): void {
    if (this.context.clientGone) {
      throw new GatewayError('client_closed_request', 'The client closed the request before it was answered.');
    }
  }
}

/**
 * How long to wait before a retry round so that every deployment in it may be asked
 * again after its Retry-After (0 when none is pending). A deployment whose Retry-After
 * ends past the deadline, or that is not asked again (`notAgain`), is left out of the
 * round; undefined when that leaves none.
 */
function waitForRetryAfters(
  group: ModelGroup,
  notBefore: ReadonlyMap<string, number>,
  now: number,
  deadline: number,
  notAgain: ReadonlySet<string> | undefined,
): number | undefined {
  let wait: number | undefined;
  for (const deployment of group.deployments) {
    if (notAgain?.has(deployment.key)) continue;
    const at = notBefore.get(deployment.key) ?? now;
    if (at <= deadline) wait = Math.max(wait ?? 0, at - now);
  }
  return wait;
}

/** Whether providerDispatch recorded the attempt at `target`: a loop, not a closure per attempt. */
function isRecorded(attempts: readonly Attempt[], target: Deployment): boolean {
  for (let index = attempts.length - 1; index >= 0; index--) if (attempts[index]!.deployment === target) return true;
  return false;
}

/** One attempt started and not judged yet. */
interface AttemptUnderWay {
  readonly deployment: GroupDeployment;
  readonly target: Deployment;
  readonly cancel: AttemptCancel;
  /** When its timer began: after the gateway's own bookkeeping, if it waited on any. */
  started: number;
  limitMs: number;
  outcome: Promise<Settled | TimedOut>;
}

/** Why an attempt failed; made only when one does (an answer is returned as it is). */
class AttemptFailure {
  constructor(
    readonly error: GatewayError,
    /** Whether the upstream was reached (a backoff and another round may mend it). */
    readonly reachedUpstream: boolean,
    /** Whether its provider was called at all (not refused in front of it, by an open circuit). */
    readonly sentToProvider: boolean,
  ) {}
}

const monotonicNow = (): number => performance.now();
const sleepUnlessAborted = (ms: number, signal: AbortSignal): Promise<void> => sleepFor(ms, undefined, { signal });

const maxTimerMs = 2 ** 31 - 1;

type Settled = { ok: true; result: ProviderResult } | { ok: false; error: GatewayError };

/** An attempt given up on: its outcome, whenever it comes. */
interface TimedOut {
  late: Promise<Settled>;
}

/**
 * The attempt's outcome, or TimedOut when it takes longer than `limitMs`. One
 * promise and one timer per attempt (a race of two promises cost four and their
 * closures); the outcome of an attempt given up on is only waited for then.
 */
function settleWithin(attempt: Promise<ProviderResult>, limitMs: number): Promise<Settled | TimedOut> {
  return new Promise((resolve) => {
    // setTimeout cannot wait longer than about 24.8 days; such a limit is no limit.
    const timer = limitMs <= maxTimerMs ? setTimeout(() => resolve({ late: attempt.then(succeeded, failed) }), limitMs) : undefined;
    // After a timeout these resolve nothing: the first outcome stays.
    attempt.then(
      (result) => {
        clearTimeout(timer);
        resolve(succeeded(result));
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve(failed(error));
      },
    );
  });
}

/** The usage a whole answer reports (a stream's is not known when it is dropped). */
function wholeAnswerUsage(result: ProviderResult): Usage | undefined {
  if (result.kind === 'chat-response' || result.kind === 'chat-passthrough') return result.response.usage;
  if (result.kind === 'embeddings') return { inputTokens: result.response.usage.inputTokens, outputTokens: 0 };
  return undefined;
}

/** Whether a whole answer's usage is the gateway's estimate (its upstream gave none it could read). */
function lateUsageEstimated(result: ProviderResult): boolean {
  return (result.kind === 'chat-response' || result.kind === 'chat-passthrough' || result.kind === 'embeddings') && isEstimatedUsage(result.response.usage);
}

const succeeded = (result: ProviderResult): Settled => ({ ok: true, result });
const failed = (error: unknown): Settled => ({ ok: false, error: toGatewayError(error) });

/**
 * When the request must be answered by, and whose `timeout_ms` set it: the first model's, or a
 * fallback's own when that ends sooner. The message of a timeout names the one that ran out.
 */
interface Deadline {
  /** Monotonic milliseconds. */
  readonly at: number;
  readonly timeoutMs: number;
  /** The model (group, alias or provider/model) whose timeout_ms it is. */
  readonly model: string;
}

function deadlineOf(group: ModelGroup, now: number): Deadline {
  return { at: now + group.timeoutMs, timeoutMs: group.timeoutMs, model: group.name };
}

/** The request's deadline, or `group`'s own starting now when that ends sooner. */
function earlierDeadline(deadline: Deadline, group: ModelGroup, now: number): Deadline {
  return now + group.timeoutMs < deadline.at ? deadlineOf(group, now) : deadline;
}

function deadlineMessage(deadline: Deadline, group: ModelGroup): string {
  return `The request deadline of ${deadline.timeoutMs} ms (timeout_ms of '${deadline.model}') ran out while '${group.name}' was being tried.`;
}

function deadlineError(deadline: Deadline, group: ModelGroup): GatewayError {
  return new GatewayError('upstream_timeout', deadlineMessage(deadline, group));
}

/** For least-busy, a stream stays in flight until its last part (or until the client leaves). */
function trackStreamEnd(result: ProviderResult, end: () => void): ProviderResult {
  if (result.kind === 'chat-stream') return { kind: 'chat-stream', parts: new EndTracked(result.parts, end) };
  if (result.kind === 'chat-passthrough-stream') return { kind: 'chat-passthrough-stream', events: new EndTracked(result.events, end) };
  end();
  return result;
}

/**
 * The parts (or pass-through events) of a stream, calling `end` once when they run out, fail, or the reader
 * stops early. A plain iterator rather than an async generator around `yield*`,
 * which costs a promise and an await per part on every streamed request for a
 * wrapper whose only job is the last step. Like the generator it replaced, it calls
 * `end` only once iteration has begun.
 */
class EndTracked<Item extends object> implements AsyncIterable<Item>, AsyncIterator<Item>, ReadyItems<Item> {
  private inner: AsyncIterator<Item> | undefined;
  private ended = false;
  private readonly onResult = (result: IteratorResult<Item>): IteratorResult<Item> => {
    if (result.done) this.finish();
    return result;
  };
  private readonly onError = (error: unknown): never => {
    this.finish();
    throw error;
  };

  constructor(
    private readonly parts: AsyncIterable<Item>,
    private readonly end: () => void,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Item> {
    return this;
  }

  next(): Promise<IteratorResult<Item>> {
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    this.inner ??= this.parts[Symbol.asyncIterator]();
    try {
      return this.inner.next().then(this.onResult, this.onError);
    } catch (error) {
      return Promise.resolve().then(() => this.onError(error));
    }
  }

  /** A part the source already holds is never its last: the end comes through `next()`. */
  takeReady(): Item | undefined {
    return this.inner && !this.ended ? takeReady(this.inner) : undefined;
  }

  async return(): Promise<IteratorResult<Item>> {
    const inner = this.inner;
    if (!inner) {
      // Closed before it began, like a generator never started: nothing was read, no end.
      this.ended = true;
      return { done: true, value: undefined };
    }
    if (this.ended) return { done: true, value: undefined };
    try {
      await inner.return?.();
    } finally {
      this.finish();
    }
    return { done: true, value: undefined };
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.end();
  }
}

