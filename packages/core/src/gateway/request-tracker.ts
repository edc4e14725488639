import type { Response } from 'express';
import type { RequestContext } from '../chain/request-context.js';
import { redactModelName } from '../errors/redact-model-name.js';
import type { Logger } from '../logging/create-logger.js';
import type { Pricing } from './pricing.js';
import { recordCost, requestUsage } from './request-cost.js';
import type { RequestRecord } from './request-record.js';

/**
 * Counts requests in flight, so shutdown can wait for them, and turns each finished
 * request into one RequestRecord for the listeners (logs now, the ledger later).
 */
export class RequestTracker {
  draining = false;
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly listeners: Array<(record: RequestRecord) => void> = [];

  constructor(
    private readonly logger: Logger,
    private readonly pricing: Pricing,
  ) {}

  get activeRequests(): number {
    return this.inFlight;
  }

  onFinished(listener: (record: RequestRecord) => void): void {
    this.listeners.push(listener);
  }

  /** Counts the request in flight and records it once it is over (see RequestContext.onFinished). */
  track(context: RequestContext, res: Response): void {
    this.inFlight++;
    context.onFinished(() => {
      this.inFlight--;
      this.emit(buildRecord(context, res, this.pricing));
      if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Resolves when no request is in flight, or after `timeoutMs`; says which. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private emit(record: RequestRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch (error) {
        this.logger.error({ err: error }, 'a request listener failed');
      }
    }
  }
}

function buildRecord(context: RequestContext, res: Response, pricing: Pricing): RequestRecord {
  const aborted = !res.writableFinished;
  const request = context.chatRequest ?? context.embeddingsRequest;
  // On failure nothing served the request; the last deployment tried is still worth knowing.
  const deployment = context.servedBy ?? context.attempts.at(-1)?.deployment;
  // A free cache hit bills nothing, unless calls before it in the same request were billed.
  const billed = context.billable || context.earlierCalls !== undefined;
  return {
    id: context.id,
    clientRequestId: context.clientRequestId,
    receivedAt: context.receivedAt,
    endpoint: context.endpoint,
    keyId: context.principal?.keyId,
    team: context.principal?.team,
    project: context.principal?.project,
    // Client-chosen names (a `provider/…` routes any model id): a key pasted into one stays out of logs and the ledger.
    requestedModel: request && redactModelName(request.model),
    provider: deployment?.provider,
    model: deployment && redactModelName(deployment.model),
    stream: context.chatRequest?.stream ?? false,
    status: aborted ? 499 : res.statusCode,
    errorCode: aborted ? 'client_closed_request' : context.error?.code,
    // Billed failed attempts' tokens too, as costUsd counts their cost: the record is the request's whole bill.
    usage: requestUsage(context),
    costUsd: recordCost(context, pricing),
    usageEstimated: billed && usageEstimated(context),
    // Several calls (the embedded API): a hit only when none of them reached a provider.
    cacheHit: context.cacheHit && context.attempts.length === 0,
    latencyMs: round(performance.now() - context.startedAt),
    firstByteMs: context.firstByteMs === undefined ? undefined : round(context.firstByteMs),
    attempts: context.attempts,
  };
}

/** Whether the billed usage holds an estimate: the answer's own, or a failed attempt's prompt. */
function usageEstimated(context: RequestContext): boolean {
  if (context.usageEstimated === true) return true;
  for (const attempt of context.attempts) if (attempt.billedUsageEstimated === true) return true;
  return false;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
