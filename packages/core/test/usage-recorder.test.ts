import { describe, expect, it } from 'vitest';
import { createLogger, GatewayError, UsageRecorder, type RequestRecord, type UsageLedger, type UsageRecord } from '../src/index.js';

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
    listRecords: async () => ({ records: [] }),
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

  it('writes the rest of a batch the ledger refuses for one record, and sets that record aside, logged', async () => {
    // As a ledger that answers but cannot take one value (a bug, a column's range): every
    // append holding the poison record fails, and only those.
    const written: UsageRecord[] = [];
    const appends: number[] = [];
    const ledger: UsageLedger = {
      migrate: async () => {},
      append: async (records) => {
        appends.push(records.length);
        if (records.some((entry) => entry.id === 'poison')) throw new RangeError('value out of range for column cost_usd');
        written.push(...records);
      },
      query: async () => [],
      listRecords: async () => ({ records: [] }),
      count: async () => written.length,
      close: async () => {},
    };
    const lines: string[] = [];
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 100, logger: createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } }) });
    const ids = Array.from({ length: 9 }, (_, index) => (index === 5 ? 'poison' : `req_${index}`));
    for (const id of ids) recorder.record(record(id));
    await recorder.flush();
    expect(written.map((entry) => entry.id).sort()).toEqual(ids.filter((id) => id !== 'poison').sort());
    expect(recorder.stats()).toMatchObject({ pending: 0, refused: 1, dropped: 0, written: 8, failingSince: undefined });
    // A half at a time: far fewer appends than one per record.
    expect(appends.length).toBeLessThan(ids.length);
    expect(lines.filter((line) => line.includes('refused a record'))).toHaveLength(1);
    expect(lines.find((line) => line.includes('refused a record'))).toContain('"requestId":"poison"');
    // It is not retried: later records go on their own.
    recorder.record(record('later'));
    await recorder.flush();
    expect(written.at(-1)?.id).toBe('later');
    expect(recorder.stats().refused).toBe(1);
  });

  it('sets nothing aside while every write fails, nor during an outage: a refusal is proven only by the others being written', async () => {
    for (const failure of [new Error('disk I/O error'), new GatewayError('store_unavailable', 'The gateway cannot reach its database right now.')]) {
      let failing = true;
      const written: UsageRecord[] = [];
      const ledger: UsageLedger = {
        migrate: async () => {},
        append: async (records) => {
          if (failing) throw failure;
          written.push(...records);
        },
        query: async () => [],
        listRecords: async () => ({ records: [] }),
        count: async () => written.length,
        close: async () => {},
      };
      const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 100, logger });
      for (const id of ['a', 'b', 'c', 'd']) recorder.record(record(id));
      await recorder.flush();
      expect(recorder.stats()).toMatchObject({ pending: 4, refused: 0, dropped: 0 });
      failing = false;
      await recorder.flush();
      expect(written.map((entry) => entry.id)).toEqual(['a', 'b', 'c', 'd']);
      expect(recorder.stats()).toMatchObject({ pending: 0, refused: 0 });
    }
  });

  it('sets nothing aside for a record that failed alone once by chance: it must fail alone twice', async () => {
    // The second and third appends fail (a hiccup as the batch is split), everything else is written.
    let appendCount = 0;
    const written: UsageRecord[] = [];
    const ledger: UsageLedger = {
      migrate: async () => {},
      append: async (records) => {
        appendCount++;
        if (appendCount <= 2) throw new Error('hiccup');
        written.push(...records);
      },
      query: async () => [],
      listRecords: async () => ({ records: [] }),
      count: async () => written.length,
      close: async () => {},
    };
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 100, logger });
    recorder.record(record('a'));
    recorder.record(record('b'));
    await recorder.flush();
    expect(written.map((entry) => entry.id).sort()).toEqual(['a', 'b']);
    expect(recorder.stats()).toMatchObject({ pending: 0, refused: 0 });
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

  it('close() that cannot write says how many records are lost, every one still pending (not only the batch it tried) and those dropped before', async () => {
    const { ledger } = flakyLedger(1_000);
    const lines: Record<string, unknown>[] = [];
    const quiet = createLogger({ level: 'error', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 100, maxPending: 240, logger: quiet });
    for (let i = 0; i < 250; i++) recorder.record(record(`r${i}`));
    const failure = await recorder.close().then(
      () => undefined,
      (error: unknown) => error as Error & { unwritten?: number; dropped?: number },
    );
    expect(failure?.message).toBe('240 usage records were not written to the ledger (10 more were dropped while it refused them): database is locked');
    expect(failure).toMatchObject({ unwritten: 240, dropped: 10 });
    expect(recorder.stats()).toMatchObject({ pending: 240, dropped: 10 });
  });

  it('a record that comes after close() (a request that outlived the drain) is not written to a closed ledger: logged at once with its id and counted as dropped', async () => {
    const { ledger, written } = flakyLedger(0);
    const lines: Record<string, unknown>[] = [];
    const logged = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    let ledgerClosed = false;
    const closing: UsageLedger = { ...ledger, append: (records) => (ledgerClosed ? Promise.reject(new Error('the ledger is closed')) : ledger.append(records)) };
    const recorder = new UsageRecorder(closing, { flushIntervalMs: 10, maxBatch: 100, logger: logged });
    recorder.record(record('in-time'));
    await recorder.close();
    ledgerClosed = true;
    recorder.record(record('too-late'));
    expect(written.map((entry) => entry.id)).toEqual(['in-time']);
    expect(recorder.stats()).toMatchObject({ pending: 0, dropped: 1 });
    expect(lines).toEqual([expect.objectContaining({ level: 50, requestId: 'too-late', dropped: 1, msg: expect.stringContaining('after the last flush') })]);
    // Nothing is left to write later: no timer writes into the closed ledger.
    await recorder.flush();
    expect(lines).toHaveLength(1);
  });

  it('holds at most maxPending records while the ledger refuses, drops the oldest and counts them, and writes the rest once it is back', async () => {
    let refusing = true;
    const written: UsageRecord[] = [];
    const ledger: UsageLedger = {
      migrate: async () => {},
      append: async (records) => {
        if (refusing) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        written.push(...records);
      },
      query: async () => [],
      listRecords: async () => ({ records: [] }),
      count: async () => written.length,
      close: async () => {},
    };
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 10, maxBatch: 4, maxPending: 10, logger });
    for (let i = 0; i < 25; i++) recorder.record(record(`r${i}`));
    await expect.poll(() => recorder.stats().failedWrites).toBeGreaterThan(0);
    expect(recorder.stats()).toMatchObject({ pending: 10, dropped: 15, written: 0, failingSince: expect.any(Number), lastError: expect.stringContaining('ECONNREFUSED') });
    refusing = false;
    await expect.poll(() => recorder.stats().pending).toBe(0);
    // The newest ten, in order, none twice; written in batches of at most maxBatch.
    expect(written.map((entry) => entry.id)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i + 15}`));
    expect(recorder.stats()).toMatchObject({ dropped: 15, written: 10, failingSince: undefined, lastError: undefined });
  });

  it('leaves records that come while a batch is being written for their own interval, not one append each right after it', async () => {
    // Under load an append takes a few ms (the SQLite thread's round trip): writing what came meanwhile at
    // once kept the writer busy back to back, an append of a few records (and a wake-up of that thread) each time.
    const sizes: number[] = [];
    let finishAppend: () => void = () => {};
    const ledger: UsageLedger = {
      migrate: async () => {},
      append: (records) => {
        sizes.push(records.length);
        return new Promise<void>((resolve) => (finishAppend = resolve));
      },
      query: async () => [],
      listRecords: async () => ({ records: [] }),
      count: async () => 0,
      close: async () => {},
    };
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 100, logger });
    recorder.record(record('first'));
    const firstFlush = recorder.flush();
    await expect.poll(() => sizes).toEqual([1]);
    for (const id of ['late-1', 'late-2']) recorder.record(record(id));
    finishAppend();
    await firstFlush;
    await new Promise((resolve) => setImmediate(resolve));
    expect(sizes).toEqual([1]); // the late two wait for the interval (60 s here)
    expect(recorder.stats().pending).toBe(2);
    const closing = recorder.close();
    await expect.poll(() => sizes).toEqual([1, 2]);
    finishAppend();
    await closing;
  });

  it('writes a backlog in batches of maxBatch, not one statement', async () => {
    const sizes: number[] = [];
    const ledger: UsageLedger = {
      migrate: async () => {},
      append: async (records) => void sizes.push(records.length),
      query: async () => [],
      listRecords: async () => ({ records: [] }),
      count: async () => 0,
      close: async () => {},
    };
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 3, logger });
    for (let i = 0; i < 7; i++) recorder.record(record(`b${i}`));
    await recorder.close();
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(7);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
  });

  it('logs failed writes once per interval with how many failed, not once per batch', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const capture = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    let now = 0;
    const { ledger, calls } = flakyLedger(1_000);
    const recorder = new UsageRecorder(ledger, { flushIntervalMs: 60_000, maxBatch: 100, logger: capture, failureLogIntervalMs: 1000, clock: () => now });
    recorder.record(record('x'));
    for (let i = 0; i < 5; i++) await recorder.flush(); // five failed writes within one interval
    now = 1500;
    await recorder.flush(); // the interval has passed: one line, counting the failures since the last
    expect(calls()).toBe(6);
    const failures = lines.filter((line) => String(line['msg']).startsWith('writing usage records failed'));
    expect(failures.map((line) => line['failedWrites'])).toEqual([1, 5]);
    expect(recorder.stats().failedWrites).toBe(6);
  });
});
