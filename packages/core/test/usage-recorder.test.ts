import { describe, expect, it } from 'vitest';
import { createLogger, UsageRecorder, type RequestRecord, type UsageLedger, type UsageRecord } from '../src/index.js';

function record(id: string): RequestRecord {
  return {
    id,
    receivedAt: new Date('2026-11-27T12:00:00Z'),
    endpoint: 'chat',
    keyId: 'key_a',
    team: undefined,
    project: undefined,
    requestedModel: 'mock/echo',
    provider: 'mock',
    model: 'echo',
    stream: false,
    status: 200,
    errorCode: undefined,
    usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 2 },
    costUsd: 0.25,
    cacheHit: false,
    latencyMs: 12.5,
    firstByteMs: 10,
    attempts: [],
  };
}

/** A ledger whose first `failures` appends throw, as a database hiccup would. */
function flakyLedger(failures: number) {
  const written: UsageRecord[] = [];
  let calls = 0;
  const ledger: UsageLedger = {
    migrate: async () => {},
    append: async (records) => {
      calls++;
      if (calls <= failures) throw new Error('database is locked');
      written.push(...records);
    },
    query: async () => [],
    count: async () => written.length,
    close: async () => {},
  };
  return { ledger, written, calls: () => calls };
}

const logger = createLogger({ level: 'silent' });

describe('UsageRecorder', () => {
  it('writes records in one batch after the flush interval, with the request fields mapped', async () => {
    const { ledger, written, calls } = flakyLedger(0);
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 20, maxBatch: 100, logger });
    recorder.record(record('req_1'));
    recorder.record(record('req_2'));
    expect(written).toHaveLength(0); // off the request path
    await expect.poll(() => written.length).toBe(2);
    expect(calls()).toBe(1);
    expect(written[0]).toMatchObject({ id: 'req_1', at: '2026-11-27T12:00:00.000Z', inputTokens: 10, cachedInputTokens: 2, reasoningTokens: 0, costUsd: 0.25, attempts: 0 });
  });

  it('writes at once when a batch is full', async () => {
    const { ledger, written } = flakyLedger(0);
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 3, logger });
    for (const id of ['a', 'b', 'c']) recorder.record(record(id));
    await expect.poll(() => written.length).toBe(3);
  });

  it('keeps a batch that failed to write and writes it with the next, losing nothing', async () => {
    const { ledger, written, calls } = flakyLedger(1);
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 20, maxBatch: 100, logger });
    recorder.record(record('first'));
    await expect.poll(() => calls()).toBeGreaterThanOrEqual(1);
    recorder.record(record('second'));
    await expect.poll(() => written.map((entry) => entry.id)).toEqual(['first', 'second']);
  });

  it('close() writes what is pending without waiting for the interval', async () => {
    const { ledger, written } = flakyLedger(0);
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 100, logger });
    recorder.record(record('pending'));
    await recorder.close();
    expect(written.map((entry) => entry.id)).toEqual(['pending']);
  });

  it('close() reports a ledger that still refuses, rather than dropping records silently', async () => {
    const { ledger } = flakyLedger(5);
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 100, logger });
    recorder.record(record('stuck'));
    await expect(recorder.close()).rejects.toThrow('database is locked');
  });
});
