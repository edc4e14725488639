import { createLogger, GatewayError, toGatewayError, type Attempt, type AttemptOptions, type Deployment, type Dispatch, type ProviderResult } from '@switchyard/core';
import {
  attemptWaitsFor,
  createRoutePlan,
  DeploymentStats,
  groupFromEntry,
  orderDeployments,
  singleDeploymentGroup,
  type ModelGroup,
  type ModelGroupEntry,
  type PlanContext,
} from '../../src/index.js';

/** What one scripted attempt at a deployment does. */
export type Step =
  | 'ok'
  | GatewayError
  /** Refused in front of the provider (an open circuit breaker): nothing recorded. */
  | { breaker: true }
  /** Refused in front of the provider by the gateway itself (its budget store down): nothing recorded. */
  | { beforeProvider: GatewayError }
  /** Takes this long (on the fake clock) and then answers, or fails with `fails`. */
  | { latencyMs: number; fails?: GatewayError }
  /** Answers after this many real milliseconds. */
  | { realDelayMs: number }
  /**
   * The gateway's own bookkeeping in front of the provider (key-scope's budget hold), handed to the
   * plan as key-scope does: fails with the error (nothing recorded), or answers 'ok' once it resolves.
   */
  | { gatewayWaits: Promise<GatewayError | void> }
  /** Answers (or fails with the error) once the promise resolves. */
  | { answerWhen: Promise<GatewayError | void> };

/** A fake monotonic clock whose sleeps return at once and advance it. */
export class FakeClock {
  now = 0;
  readonly sleeps: number[] = [];
  readonly clock = () => this.now;
  readonly sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.now += ms;
  };
}

/** A seeded pseudo-random source (mulberry32), so a failing run can be repeated. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function errorOf(code: ConstructorParameters<typeof GatewayError>[0], options: ConstructorParameters<typeof GatewayError>[2] = {}) {
  return new GatewayError(code, `scripted ${code}`, options);
}

const providers = new Set(['a', 'b', 'c', 'd']);

function split(target: string): Deployment {
  const slash = target.indexOf('/');
  const provider = target.slice(0, slash);
  if (!providers.has(provider)) throw new Error(`unknown provider in test: ${target}`);
  return { provider, model: target.slice(slash + 1) };
}

export function group(name: string, entry: ModelGroupEntry): ModelGroup {
  return groupFromEntry(name, entry, split);
}

/**
 * Runs route plans against scripted deployments, recording attempts the way core's
 * providerDispatch does. `script` maps `provider/model` to the steps of its calls, in
 * order; when a deployment's steps run out it answers 'ok'.
 */
export class PlanHarness {
  readonly clock = new FakeClock();
  readonly stats = new DeploymentStats();
  readonly groups = new Map<string, ModelGroup>();
  readonly calls: string[] = [];
  /** The signal each call was given, in call order. */
  readonly signals: Array<AbortSignal | undefined> = [];
  private readonly script = new Map<string, Step[]>();

  constructor(
    groups: ModelGroup[],
    readonly random: () => number = seededRandom(1),
  ) {
    for (const item of groups) this.groups.set(item.name, item);
  }

  on(target: string, ...steps: Step[]): this {
    this.script.set(target, [...(this.script.get(target) ?? []), ...steps]);
    return this;
  }

  resolve = (name: string): ModelGroup => this.groups.get(name) ?? singleDeploymentGroup(name, split(name), false);

  /** Routes one request to `name`; resolves with what served it, or rejects with the final error. */
  async route(name: string, signal: AbortSignal = new AbortController().signal) {
    const context = planContext(signal);
    const dispatch: Dispatch = (deployment, options) => {
      this.signals.push(options?.signal);
      return this.dispatch(deployment, context, options);
    };
    const order = (item: ModelGroup) => orderDeployments(item, { stats: this.stats, random: this.random, costOf: () => 0 });
    const plan = createRoutePlan(this.resolve(name), {
      context,
      resolve: this.resolve,
      order,
      stats: this.stats,
      clock: this.clock.clock,
      sleep: this.clock.sleep,
      random: this.random,
    });
    const started = this.clock.now;
    try {
      const result = await plan(dispatch);
      return { result, context, servedBy: key(context.servedBy!), elapsed: this.clock.now - started };
    } catch (error) {
      throw Object.assign(toGatewayError(error), { context });
    }
  }

  /** Like core's providerDispatch: every call it makes is recorded, and a success sets servedBy. */
  private async dispatch(deployment: Deployment, context: PlanContext, options: AttemptOptions | undefined): Promise<ProviderResult> {
    const target = key(deployment);
    this.calls.push(target);
    const step = this.script.get(target)?.shift() ?? 'ok';
    if (typeof step === 'object' && 'breaker' in step) throw errorOf('upstream_overloaded');
    if (typeof step === 'object' && 'beforeProvider' in step) throw step.beforeProvider;
    if (typeof step === 'object' && 'gatewayWaits' in step) {
      (options as { [attemptWaitsFor]?: (pending: Promise<unknown>) => void } | undefined)?.[attemptWaitsFor]?.(step.gatewayWaits);
      const error = await step.gatewayWaits;
      if (error) throw error;
    }
    const started = this.clock.now;
    const record = (attempt: Omit<Attempt, 'deployment' | 'durationMs'>) =>
      context.attempts.push({ deployment, durationMs: this.clock.now - started, ...attempt });
    if (step instanceof GatewayError) {
      record({ errorCode: step.code });
      throw step;
    }
    if (typeof step === 'object' && 'latencyMs' in step) {
      this.clock.now += step.latencyMs;
      if (step.fails) {
        record({ errorCode: step.fails.code });
        throw step.fails;
      }
    }
    if (typeof step === 'object' && 'realDelayMs' in step) await new Promise((resolve) => setTimeout(resolve, step.realDelayMs));
    if (typeof step === 'object' && 'answerWhen' in step) {
      const error = await step.answerWhen;
      if (error) {
        record({ errorCode: error.code, ...(error.billedUsage && { billedUsage: error.billedUsage }) });
        throw error;
      }
    }
    record({});
    context.servedBy = deployment;
    return {
      kind: 'chat-response',
      response: { id: 'x', model: deployment.model, created: 0, content: [], finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } },
    };
  }
}

export function key(deployment: Deployment): string {
  return `${deployment.provider}/${deployment.model}`;
}

/** The error a plan rejected with, and the context it left behind. */
export async function failure(promise: Promise<unknown>): Promise<GatewayError & { context: PlanContext }> {
  try {
    await promise;
  } catch (error) {
    return error as GatewayError & { context: PlanContext };
  }
  throw new Error('expected the plan to fail');
}

/** A plan's view of a request whose client leaves when `signal` aborts, as the gateway's request context behaves. */
export function planContext(signal: AbortSignal): PlanContext {
  return {
    signal,
    get clientGone() {
      return signal.aborted;
    },
    onClientGone(listener) {
      if (signal.aborted) listener(signal.reason as Error);
      else signal.addEventListener('abort', () => listener(signal.reason as Error), { once: true });
    },
    attempts: [],
    servedBy: undefined,
    logger: createLogger({ level: 'silent' }),
  };
}
