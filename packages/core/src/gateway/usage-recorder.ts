import type { Logger } from '../logging/create-logger.js';
import type { UsageLedger, UsageRecord } from '../stores/usage-ledger.js';
import type { RequestRecord } from './request-record.js';

export interface UsageRecorderOptions {
  /** Records wait at most this long before they are written. */
  flushIntervalMs: number;
  /** A batch this large is written at once, without waiting for the interval. */
  maxBatch: number;
  logger: Logger;
}

/**
 * Turns every finished request into a usage record and writes them to the ledger
 * in batches, off the request path. A crash loses at most the records of one
 * flush interval; `close()` (on SIGTERM) writes what is pending. A batch that fails
 * to write is kept and retried with the next one, so a database hiccup loses nothing.
 */
export class UsageRecorder {
  private pending: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ledger: UsageLedger,
    private readonly options: UsageRecorderOptions,
  ) {}

  record(request: RequestRecord): void {
    this.pending.push(toUsageRecord(request));
    if (this.pending.length >= this.options.maxBatch) this.flushSoon(0);
    else this.flushSoon(this.options.flushIntervalMs);
  }

  /** Writes everything pending; resolves when it is in the ledger. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.writeBatch());
    return this.writing;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), delayMs);
    // Never the reason the process stays up; close() writes what is left.
    this.timer.unref();
  }

  private async writeBatch(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.ledger.append(batch);
    } catch (error) {
      this.pending = batch.concat(this.pending);
      this.options.logger.error({ err: error, records: batch.length }, 'writing usage records failed; they will be retried');
      if (!this.closed) this.flushSoon(this.options.flushIntervalMs);
      else throw error;
    }
  }
}

function toUsageRecord(request: RequestRecord): UsageRecord {
  const usage = request.usage;
  return {
    id: request.id,
    at: request.receivedAt.toISOString(),
    endpoint: request.endpoint,
    keyId: request.keyId,
    team: request.team,
    project: request.project,
    requestedModel: request.requestedModel,
    provider: request.provider,
    model: request.model,
    stream: request.stream,
    inputTokens: usage?.inputTokens ?? 0,
    outputTokens: usage?.outputTokens ?? 0,
    cachedInputTokens: usage?.cachedInputTokens ?? 0,
    reasoningTokens: usage?.reasoningTokens ?? 0,
    costUsd: request.costUsd,
    latencyMs: request.latencyMs,
    status: request.status,
    errorCode: request.errorCode,
    cacheHit: request.cacheHit,
    attempts: request.attempts.length,
  };
}
