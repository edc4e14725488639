import type { Logger } from '../logging/create-logger.js';
import { isStoreOutage } from '../stores/guard-store.js';
import { describeStoreError } from '../stores/store-health.js';
import type { UsageLedger, UsageRecord } from '../stores/usage-ledger.js';
import type { RequestRecord } from './request-record.js';

export interface UsageRecorderOptions {
  /** Records wait at most this long before they are written. */
  flushIntervalMs: number;
  /** At most this many records are written in one append; a full batch is written at once. */
  maxBatch: number;
  /**
   * Records held in memory while the ledger refuses writes (`usage.max_pending`);
   * past it the oldest are dropped and counted. Unbounded when absent.
   */
  maxPending?: number;
  /** Failed writes are logged at most once per this many ms, with their count (default 60 s). */
  failureLogIntervalMs?: number;
  logger: Logger;
  clock?: () => number;
  /** Called after every ledger append with how long it took and whether it was written (for metrics). */
  onAppend?: (durationMs: number, ok: boolean) => void;
}

/** What the recorder holds and has lost, for `/health` and metrics. */
export interface UsageRecorderStats {
  /** Records not yet in the ledger: waiting, or in the batch being written (held in memory while the ledger fails). */
  pending: number;
  /** Records dropped because more than `maxPending` were waiting; never reset. */
  dropped: number;
  /** Records the ledger refused on their own while it took the others (see `writeApart`); never reset. */
  refused: number;
  /** Records written to the ledger since start. */
  written: number;
  /** Appends that failed since start. */
  failedWrites: number;
  /** When the current run of failures began (ms since the epoch); undefined while writes succeed. */
  failingSince: number | undefined;
  /** The last write error, without secrets; undefined while writes succeed. */
  lastError: string | undefined;
}

/**
 * What `close()` rejects with when the ledger still refuses: how many records are lost
 * (every one still pending, not only the batch it tried, and those dropped before), so the
 * shutdown's log line says it; the store's error is its `cause`, its text in the message
 * without secrets.
 */
export class UsageRecordsNotWritten extends Error {
  constructor(
    readonly unwritten: number,
    readonly dropped: number,
    cause: unknown,
  ) {
    const records = unwritten === 1 ? '1 usage record was' : `${unwritten} usage records were`;
    const droppedToo = dropped > 0 ? ` (${dropped} more ${dropped === 1 ? 'was' : 'were'} dropped while it refused them)` : '';
    super(`${records} not written to the ledger${droppedToo}: ${describeStoreError(cause)}`, { cause });
    this.name = 'UsageRecordsNotWritten';
  }
}

/**
 * Turns every finished request into a usage record and writes them to the ledger
 * in batches, off the request path. A crash loses at most the records of one
 * flush interval; `close()` (on SIGTERM) writes what is pending. While the ledger
 * refuses writes, records are held in memory (at most `maxPending`, the oldest
 * dropped and counted past it) and retried every interval; failures are logged
 * at most once per `failureLogIntervalMs`, with how many there were.
 */
export class UsageRecorder {
  private pending: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;
  /** close()'s last flush is over: a record now would never be written. */
  private finished = false;
  private dropped = 0;
  private refused = 0;
  private inFlight = 0;
  private written = 0;
  private failedWrites = 0;
  private unloggedFailures = 0;
  private lastFailureLogAt = -Infinity;
  private failingSince: number | undefined;
  private lastError: string | undefined;
  private readonly clock: () => number;

  constructor(
    private readonly ledger: UsageLedger,
    private readonly options: UsageRecorderOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  record(request: RequestRecord): void {
    if (this.finished) {
      // A request that outlived the drain: its ledger is closed or about to be, and nothing would write it.
      this.dropped++;
      this.options.logger.error(
        { requestId: request.id, costUsd: request.costUsd, dropped: this.dropped },
        'a usage record came after the last flush (its request outlived the shutdown); it is not written',
      );
      return;
    }
    this.pending.push(toUsageRecord(request));
    this.trim();
    if (this.pending.length >= this.options.maxBatch) this.flushSoon(0);
    else this.flushSoon(this.options.flushIntervalMs);
  }

  /** Writes everything pending, batch by batch; resolves when it is in the ledger. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(() => this.writeAll());
    return this.writing;
  }

  async close(): Promise<void> {
    this.closed = true;
    try {
      await this.flush();
    } finally {
      this.finished = true;
    }
  }

  stats(): UsageRecorderStats {
    return {
      pending: this.pending.length + this.inFlight,
      dropped: this.dropped,
      refused: this.refused,
      written: this.written,
      failedWrites: this.failedWrites,
      failingSince: this.failingSince,
      lastError: this.lastError,
    };
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush().catch(() => {}), delayMs);
    // Never the reason the process stays up; close() writes what is left.
    this.timer.unref();
  }

  /** Drops the oldest records past `maxPending`: memory stays bounded however long the ledger is down. */
  private trim(): void {
    const max = this.options.maxPending;
    if (max === undefined || this.pending.length <= max) return;
    const excess = this.pending.length - max;
    this.pending.splice(0, excess);
    this.dropped += excess;
  }

  private async writeAll(): Promise<void> {
    // The records pending when the write began, in batches of at most maxBatch (a backlog held
    // through an outage is not one huge statement). Those that come meanwhile wait for their own
    // interval (record() has set its timer), or a full batch: written right after, under load the
    // writer ran back to back, a few records and one round trip to the store each (with SQLite, a
    // wake-up of its thread that preempts the event loop on two cores). close() writes them all.
    let due = this.pending.length;
    while (this.pending.length > 0 && (due > 0 || this.closed)) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      due -= batch.length;
      this.inFlight = batch.length;
      let error: unknown;
      let held = batch;
      try {
        await this.append(batch);
        held = [];
      } catch (failure) {
        error = failure;
        if (!isStoreOutage(failure) && batch.length > 1) held = await this.writeApart(batch);
      }
      this.inFlight = 0;
      if (held.length === 0) {
        this.writeSucceeded();
        continue;
      }
      this.pending = held.concat(this.pending);
      this.trim();
      this.writeFailed(error, held.length);
      if (this.closed) throw new UsageRecordsNotWritten(this.pending.length, this.dropped, error);
      this.flushSoon(this.options.flushIntervalMs);
      return;
    }
  }

  private async append(records: UsageRecord[]): Promise<void> {
    const started = performance.now();
    try {
      await this.ledger.append(records);
    } catch (error) {
      this.options.onAppend?.(performance.now() - started, false);
      throw error;
    }
    this.options.onAppend?.(performance.now() - started, true);
    this.written += records.length;
  }

  /**
   * A batch the ledger refused, not for an outage (it answered: a bug, a value out of a
   * column's range): written a half at a time down to single records, so one record it
   * cannot take does not hold up every record behind it until `maxPending` drops them all.
   * A record is set aside (`refused`, logged) only once it failed alone twice while others
   * were written: the ledger was up and refused that record. Resolves with the records still
   * to hold: all of those not written when an outage came on the way or nothing was written.
   */
  private async writeApart(batch: UsageRecord[]): Promise<UsageRecord[]> {
    const failedAlone: UsageRecord[] = [];
    const held: UsageRecord[] = [];
    let wrote = false;
    let outage = false;
    const write = async (records: UsageRecord[]): Promise<void> => {
      if (outage) return void held.push(...records);
      try {
        await this.append(records);
        wrote = true;
      } catch (error) {
        if (isStoreOutage(error)) {
          outage = true;
          held.push(...records);
        } else if (records.length === 1) {
          failedAlone.push(records[0]!);
        } else {
          const middle = records.length >> 1;
          await write(records.slice(0, middle));
          await write(records.slice(middle));
        }
      }
    };
    const middle = batch.length >> 1;
    await write(batch.slice(0, middle));
    await write(batch.slice(middle));
    if (!wrote || outage) return failedAlone.concat(held);
    for (const record of failedAlone) {
      try {
        await this.append([record]);
      } catch (error) {
        if (isStoreOutage(error)) held.push(record);
        else this.refuse(record, error);
      }
    }
    return held;
  }

  /** A record no retry will write: counted and logged (its ids, never its contents), not held. */
  private refuse(record: UsageRecord, error: unknown): void {
    this.refused++;
    this.options.logger.error(
      { err: describeStoreError(error), requestId: record.id, at: record.at, refused: this.refused },
      'the usage ledger refused a record while it took the others; it is set aside, not retried',
    );
  }

  private writeFailed(error: unknown, records: number): void {
    const now = this.clock();
    this.failedWrites++;
    this.unloggedFailures++;
    this.failingSince ??= now;
    this.lastError = describeStoreError(error);
    if (now - this.lastFailureLogAt < (this.options.failureLogIntervalMs ?? 60_000)) return;
    this.options.logger.error(
      { err: this.lastError, records, failedWrites: this.unloggedFailures, pending: this.pending.length, dropped: this.dropped },
      'writing usage records failed; they are held in memory and retried',
    );
    this.lastFailureLogAt = now;
    this.unloggedFailures = 0;
  }

  private writeSucceeded(): void {
    if (this.failingSince === undefined) return;
    this.options.logger.info(
      { downMs: this.clock() - this.failingSince, pending: this.pending.length, dropped: this.dropped },
      'usage ledger writable again; held records are being written',
    );
    this.failingSince = undefined;
    this.lastError = undefined;
    this.unloggedFailures = 0;
    this.lastFailureLogAt = -Infinity;
  }
}

function toUsageRecord(request: RequestRecord): UsageRecord {
  const usage = request.usage;
  const inputTokens = usage?.inputTokens ?? 0;
  const outputTokens = usage?.outputTokens ?? 0;
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
    inputTokens,
    outputTokens,
    // The cached part of the prompt, at most the prompt: the count the cost was billed by (costOfUsage clamps it). A
    // provider reporting 5,000 cached of 100 prompt tokens had the ledger say so, and a group's cached total pass its prompt.
    cachedInputTokens: Math.min(usage?.cachedInputTokens ?? 0, inputTokens),
    // Likewise the reasoning part of the output, billed as output: 5,000 reasoning of 2 generated tokens was recorded as sent.
    reasoningTokens: Math.min(usage?.reasoningTokens ?? 0, outputTokens),
    costUsd: request.costUsd,
    usageEstimated: request.usageEstimated === true,
    latencyMs: request.latencyMs,
    status: request.status,
    errorCode: request.errorCode,
    cacheHit: request.cacheHit,
    attempts: request.attempts.length,
  };
}
