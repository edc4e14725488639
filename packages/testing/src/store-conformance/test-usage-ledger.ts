import type { UsageLedger, UsageRecord, UsageRow } from '@switchyard/core';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unique, uniqueWeek } from './helpers.js';

const hour = 3_600_000;
const day = 24 * hour;

function record(at: Date, fields: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id: `req_${randomUUID()}`,
    at: at.toISOString(),
    endpoint: 'chat',
    keyId: undefined,
    team: undefined,
    project: undefined,
    requestedModel: 'gpt',
    provider: 'openai',
    model: 'gpt-4o-mini',
    stream: false,
    inputTokens: 10,
    outputTokens: 20,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    costUsd: 0.001,
    latencyMs: 100,
    status: 200,
    errorCode: undefined,
    cacheHit: false,
    attempts: 1,
    ...fields,
  };
}

function byGroup(rows: UsageRow[]): Record<string, UsageRow> {
  return Object.fromEntries(rows.map((r) => [r.group, r]));
}

/**
 * The suite every UsageLedger implementation passes. `open` is called before each
 * test (the suite calls `migrate()`); records of each test fall in a week no other
 * test uses, so a shared database works. `count()` is checked by difference.
 *
 * Contract beyond the interface's comments: a record's `id` is required (a batch
 * with a record without one is refused whole); `errors` counts records with
 * status ≥ 400; `day` groups are UTC dates `YYYY-MM-DD`; `from`/`to` may be any ISO
 * form (`…T00:00:00Z` and `…T00:00:00.000Z` are the same instant).
 */
export function testUsageLedger(name: string, open: () => Promise<UsageLedger>): void {
  describe(`UsageLedger conformance: ${name}`, () => {
    let ledger: UsageLedger;

    beforeEach(async () => {
      ledger = await open();
      await ledger.migrate();
    });

    afterEach(async () => {
      await ledger.close();
    });

    /** A week's data: two keys of team-a, one of no team, over two days, with errors. */
    function fixture(start: Date, keys: { a1: string; a2: string; b: string }): UsageRecord[] {
      const d1 = new Date(start.getTime() + 2 * hour);
      const d2 = new Date(start.getTime() + day + 5 * hour);
      return [
        record(d1, { keyId: keys.a1, team: 'team-a', project: 'search', provider: 'openai', model: 'gpt-4o-mini', inputTokens: 100, outputTokens: 50, cachedInputTokens: 40, reasoningTokens: 0, costUsd: 0.25 }),
        record(d1, { keyId: keys.a1, team: 'team-a', project: 'search', provider: 'anthropic', model: 'claude-haiku', inputTokens: 200, outputTokens: 10, costUsd: 0.5, status: 502, errorCode: 'upstream_error', attempts: 3 }),
        record(d2, { keyId: keys.a2, team: 'team-a', project: undefined, provider: 'openai', model: 'gpt-4o-mini', inputTokens: 1, outputTokens: 2, reasoningTokens: 7, costUsd: 0.125, stream: true }),
        record(d2, { keyId: keys.b, team: undefined, project: 'chat', provider: 'openai', model: 'gpt-4o', inputTokens: 1000, outputTokens: 500, costUsd: 1, cacheHit: true }),
        record(d2, { keyId: undefined, team: undefined, project: undefined, provider: undefined, model: undefined, requestedModel: 'nope', inputTokens: 0, outputTokens: 0, costUsd: 0, status: 429, errorCode: 'rate_limited', latencyMs: 1 }),
      ];
    }

    async function seeded() {
      const start = uniqueWeek();
      const keys = { a1: unique('key_a1'), a2: unique('key_a2'), b: unique('key_b') };
      await ledger.append(fixture(start, keys));
      const range = { from: start.toISOString(), to: new Date(start.getTime() + 7 * day).toISOString() };
      return { start, keys, range };
    }

    it('migrate() can run again on a migrated ledger', async () => {
      await ledger.migrate();
      const before = await ledger.count();
      await ledger.append([record(uniqueWeek())]);
      expect(await ledger.count()).toBe(before + 1);
    });

    it('append() adds every record of a batch; count() counts them', async () => {
      const before = await ledger.count();
      const at = uniqueWeek();
      await ledger.append([record(at), record(at), record(at)]);
      expect(await ledger.count()).toBe(before + 3);
      await ledger.append([]);
      expect(await ledger.count()).toBe(before + 3);
    });

    it('append() is all or nothing: a batch with a bad record writes none of it', async () => {
      const before = await ledger.count();
      const start = uniqueWeek();
      const bad = { ...record(start), id: null as unknown as string };
      await expect(ledger.append([record(start), record(start), bad, record(start)])).rejects.toThrow();
      expect(await ledger.count()).toBe(before);
      const rows = await ledger.query({ groupBy: 'day', from: start.toISOString(), to: new Date(start.getTime() + day).toISOString() });
      expect(rows).toEqual([]);
    });

    it('append() takes a large batch', async () => {
      const before = await ledger.count();
      const at = uniqueWeek();
      await ledger.append(Array.from({ length: 1000 }, (_, i) => record(new Date(at.getTime() + i * 1000))));
      expect(await ledger.count()).toBe(before + 1000);
    });

    it('query() sums costs to what they add up to in decimal, without binary float noise (5 × $0.0017 is $0.0085)', async () => {
      const start = uniqueWeek();
      const key = unique('key');
      await ledger.append(Array.from({ length: 5 }, (_, index) => record(new Date(start.getTime() + index * hour), { keyId: key, costUsd: 0.0017 })));
      const rows = await ledger.query({ groupBy: 'key', from: start.toISOString(), to: new Date(start.getTime() + 7 * day).toISOString(), keyId: key });
      expect(rows.map((row) => row.costUsd)).toEqual([0.0085]);
    });

    // A record's own cost may carry float noise (3 tokens at $0.10 a million is 3.0000000000000004e-7): summed
    // exactly as written (PostgreSQL's numeric), it reached the report as 0.00030000000000000003 where SQLite said 0.0003.
    it('query() sums costs that carry float noise of their own to what they add up to in decimal, on every store alike', async () => {
      const start = uniqueWeek();
      const key = unique('key');
      const noisy = (3 * 0.1) / 1_000_000;
      await ledger.append(Array.from({ length: 1000 }, (_, index) => record(new Date(start.getTime() + index * 1000), { keyId: key, costUsd: noisy, usageEstimated: true })));
      const rows = await ledger.query({ groupBy: 'key', from: start.toISOString(), to: new Date(start.getTime() + 7 * day).toISOString(), keyId: key });
      expect(rows.map((row) => [row.costUsd, row.estimatedCostUsd])).toEqual([[0.0003, 0.0003]]);
    });

    // Twelve significant digits, the rounding that dropped the float noise, cut a sum past $1 million short
    // of its micro-dollars on SQLite (12,345,678.1235) while PostgreSQL's numeric column said 12,345,678.123457.
    it('query() sums costs past $10 million to the micro-dollar', async () => {
      const start = uniqueWeek();
      const key = unique('key');
      const costs = [4_115_226.041152, 4_115_226.041152, 4_115_226.041152, 0.000001];
      await ledger.append(costs.map((costUsd, index) => record(new Date(start.getTime() + index * hour), { keyId: key, costUsd })));
      const rows = await ledger.query({ groupBy: 'key', from: start.toISOString(), to: new Date(start.getTime() + 7 * day).toISOString(), keyId: key });
      expect(rows.map((row) => row.costUsd)).toEqual([12_345_678.123457]);
    });

    it('query() by key sums tokens, cost and errors, with (none) for records without a key', async () => {
      const { keys, range } = await seeded();
      const rows = await ledger.query({ groupBy: 'key', ...range });
      expect(rows).toHaveLength(4);
      const g = byGroup(rows);
      expect(g[keys.a1]).toEqual({
        group: keys.a1,
        requests: 2,
        inputTokens: 300,
        outputTokens: 60,
        cachedInputTokens: 40,
        reasoningTokens: 0,
        costUsd: expect.closeTo(0.75, 9),
        errors: 1,
        estimatedRequests: 0,
        estimatedCostUsd: 0,
      });
      expect(g[keys.a2]).toMatchObject({ requests: 1, inputTokens: 1, outputTokens: 2, reasoningTokens: 7, errors: 0 });
      expect(g[keys.a2]!.costUsd).toBeCloseTo(0.125, 9);
      expect(g[keys.b]).toMatchObject({ requests: 1, inputTokens: 1000, outputTokens: 500, errors: 0 });
      expect(g['(none)']).toMatchObject({ requests: 1, inputTokens: 0, outputTokens: 0, costUsd: 0, errors: 1 });
    });

    it('query() by team and by project', async () => {
      const { range } = await seeded();
      const teams = byGroup(await ledger.query({ groupBy: 'team', ...range }));
      expect(Object.keys(teams).sort()).toEqual(['(none)', 'team-a']);
      expect(teams['team-a']).toMatchObject({ requests: 3, inputTokens: 301, outputTokens: 62, cachedInputTokens: 40, reasoningTokens: 7, errors: 1 });
      expect(teams['team-a']!.costUsd).toBeCloseTo(0.875, 9);
      expect(teams['(none)']).toMatchObject({ requests: 2, inputTokens: 1000, outputTokens: 500, errors: 1 });
      expect(teams['(none)']!.costUsd).toBeCloseTo(1, 9);

      const projects = byGroup(await ledger.query({ groupBy: 'project', ...range }));
      expect(Object.keys(projects).sort()).toEqual(['(none)', 'chat', 'search']);
      expect(projects['search']).toMatchObject({ requests: 2, errors: 1 });
      expect(projects['chat']).toMatchObject({ requests: 1, errors: 0 });
      expect(projects['(none)']).toMatchObject({ requests: 2, errors: 1 });
    });

    it('query() by model and by provider', async () => {
      const { range } = await seeded();
      const models = byGroup(await ledger.query({ groupBy: 'model', ...range }));
      // Grouped by `provider/model`, the name clients use.
      expect(Object.keys(models).sort()).toEqual(['(none)', 'anthropic/claude-haiku', 'openai/gpt-4o', 'openai/gpt-4o-mini']);
      expect(models['openai/gpt-4o-mini']).toMatchObject({ requests: 2, inputTokens: 101, outputTokens: 52 });
      expect(models['openai/gpt-4o-mini']!.costUsd).toBeCloseTo(0.375, 9);

      const providers = byGroup(await ledger.query({ groupBy: 'provider', ...range }));
      expect(Object.keys(providers).sort()).toEqual(['(none)', 'anthropic', 'openai']);
      expect(providers['openai']).toMatchObject({ requests: 3, inputTokens: 1101, outputTokens: 552, errors: 0 });
      expect(providers['openai']!.costUsd).toBeCloseTo(1.375, 9);
      expect(providers['anthropic']).toMatchObject({ requests: 1, errors: 1 });
      expect(providers['(none)']).toMatchObject({ requests: 1, errors: 1 });
    });

    it('query() by day groups by UTC date', async () => {
      const { start, range } = await seeded();
      const d1 = start.toISOString().slice(0, 10);
      const d2 = new Date(start.getTime() + day).toISOString().slice(0, 10);
      const days = byGroup(await ledger.query({ groupBy: 'day', ...range }));
      expect(Object.keys(days).sort()).toEqual([d1, d2]);
      expect(days[d1]).toMatchObject({ requests: 2, inputTokens: 300, errors: 1 });
      expect(days[d2]).toMatchObject({ requests: 3, inputTokens: 1001, errors: 1 });
      expect(days[d2]!.costUsd).toBeCloseTo(1.125, 9);
    });

    it('query() counts from inclusive and to exclusive, in any ISO form', async () => {
      const start = uniqueWeek();
      const end = new Date(start.getTime() + day);
      await ledger.append([
        record(new Date(start.getTime() - 1), { costUsd: 1 }),
        record(start, { costUsd: 2 }),
        record(new Date(end.getTime() - 1), { costUsd: 4 }),
        record(end, { costUsd: 8 }),
      ]);
      const noMillis = (d: Date) => d.toISOString().replace('.000Z', 'Z');
      for (const range of [
        { from: start.toISOString(), to: end.toISOString() },
        { from: noMillis(start), to: noMillis(end) },
      ]) {
        const rows = await ledger.query({ groupBy: 'day', ...range });
        expect(rows).toHaveLength(1);
        expect(rows[0]!.requests).toBe(2);
        expect(rows[0]!.costUsd).toBeCloseTo(6, 9);
      }
    });

    it('query() filters by keyId', async () => {
      const { keys, range } = await seeded();
      const rows = await ledger.query({ groupBy: 'provider', ...range, keyId: keys.a1 });
      const g = byGroup(rows);
      expect(Object.keys(g).sort()).toEqual(['anthropic', 'openai']);
      expect(g['openai']).toMatchObject({ requests: 1, inputTokens: 100, errors: 0 });
      expect(g['anthropic']).toMatchObject({ requests: 1, inputTokens: 200, errors: 1 });
      expect(await ledger.query({ groupBy: 'key', ...range, keyId: unique('key_none') })).toEqual([]);
    });

    it('query() with a bucket splits each group by UTC hour or day, buckets as ISO starts', async () => {
      const { start, keys, range } = await seeded();
      const hourOf = (offset: number) => new Date(start.getTime() + offset).toISOString().replace('.000Z', 'Z');
      const byHour = await ledger.query({ groupBy: 'team', ...range, bucket: 'hour' });
      expect(byHour.map((row) => [row.group, row.bucket, row.requests])).toEqual([
        ['(none)', hourOf(day + 5 * hour), 2],
        ['team-a', hourOf(2 * hour), 2],
        ['team-a', hourOf(day + 5 * hour), 1],
      ]);
      const byDay = await ledger.query({ groupBy: 'key', ...range, keyId: keys.a1, bucket: 'day' });
      expect(byDay).toHaveLength(1);
      expect(byDay[0]).toMatchObject({ group: keys.a1, bucket: hourOf(0), requests: 2, inputTokens: 300, errors: 1 });
      expect(byDay[0]!.costUsd).toBeCloseTo(0.75, 9);
      // Without a bucket, rows carry none.
      const plain = await ledger.query({ groupBy: 'team', ...range });
      expect(plain.every((row) => !('bucket' in row) || row.bucket === undefined)).toBe(true);
    });

    it('query() by error_code counts failures per code, (none) for successes', async () => {
      const { range } = await seeded();
      const codes = byGroup(await ledger.query({ groupBy: 'error_code', ...range }));
      expect(Object.keys(codes).sort()).toEqual(['(none)', 'rate_limited', 'upstream_error']);
      expect(codes['upstream_error']).toMatchObject({ requests: 1, errors: 1 });
      expect(codes['rate_limited']).toMatchObject({ requests: 1, errors: 1 });
      expect(codes['(none)']).toMatchObject({ requests: 3, errors: 0 });
    });

    it('listRecords() returns whole records newest first, filtered by key, model and status', async () => {
      const { start, keys, range } = await seeded();
      const all = await ledger.listRecords({ ...range, limit: 100 });
      expect(all.records).toHaveLength(5);
      expect(all.nextCursor).toBeUndefined();
      const times = all.records.map((r) => Date.parse(r.at));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      const failed = all.records.find((r) => r.errorCode === 'upstream_error')!;
      expect(failed).toMatchObject({
        at: new Date(start.getTime() + 2 * hour).toISOString(),
        endpoint: 'chat',
        keyId: keys.a1,
        team: 'team-a',
        project: 'search',
        provider: 'anthropic',
        model: 'claude-haiku',
        stream: false,
        inputTokens: 200,
        outputTokens: 10,
        status: 502,
        attempts: 3,
        latencyMs: 100,
        cacheHit: false,
      });
      expect(failed.costUsd).toBeCloseTo(0.5, 9);
      expect(all.records.find((r) => r.cacheHit)).toMatchObject({ keyId: keys.b, stream: false });
      expect(all.records.find((r) => r.keyId === keys.a2)).toMatchObject({ stream: true, reasoningTokens: 7 });

      expect((await ledger.listRecords({ ...range, limit: 100, keyId: keys.a1 })).records.map((r) => r.status).sort()).toEqual([200, 502]);
      expect((await ledger.listRecords({ ...range, limit: 100, model: 'openai/gpt-4o-mini' })).records).toHaveLength(2);
      // The name the client asked for matches too.
      expect((await ledger.listRecords({ ...range, limit: 100, model: 'nope' })).records.map((r) => r.status)).toEqual([429]);
      expect((await ledger.listRecords({ ...range, limit: 100, status: 'error' })).records.map((r) => r.status).sort()).toEqual([429, 502]);
      expect((await ledger.listRecords({ ...range, limit: 100, status: 'ok' })).records).toHaveLength(3);
      expect((await ledger.listRecords({ ...range, limit: 100, status: 429 })).records.map((r) => r.errorCode)).toEqual(['rate_limited']);
      expect((await ledger.listRecords({ ...range, limit: 100, keyId: keys.a1, status: 'ok', model: 'openai/gpt-4o-mini' })).records).toHaveLength(1);
      // A value that looks like SQL is only ever compared.
      expect((await ledger.listRecords({ ...range, limit: 100, model: "x' OR '1'='1" })).records).toEqual([]);
    });

    it('listRecords() pages with a cursor through records that share a time, each exactly once', async () => {
      const start = uniqueWeek();
      const same = new Date(start.getTime() + hour);
      const records = [
        ...Array.from({ length: 5 }, () => record(same)),
        ...Array.from({ length: 6 }, (_, i) => record(new Date(start.getTime() + i * 1000))),
      ];
      await ledger.append(records);
      const range = { from: start.toISOString(), to: new Date(start.getTime() + day).toISOString() };
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await ledger.listRecords({ ...range, limit: 3, ...(cursor !== undefined && { cursor }) });
        expect(page.records.length).toBeLessThanOrEqual(3);
        seen.push(...page.records.map((r) => r.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 10);
      expect(seen).toHaveLength(records.length);
      expect(new Set(seen)).toEqual(new Set(records.map((r) => r.id)));
      await expect(ledger.listRecords({ ...range, limit: 3, cursor: 'not-a-cursor!' })).rejects.toThrow();
    });

    it('listRecords() keeps whether a record holds the gateway\'s estimate; a record written without saying holds none', async () => {
      const at = new Date('2026-02-03T04:05:06.000Z');
      const ids = { estimated: `req_${randomUUID()}`, counted: `req_${randomUUID()}`, unsaid: `req_${randomUUID()}` };
      await ledger.append([
        record(at, { id: ids.estimated, usageEstimated: true, status: 499, errorCode: 'client_closed_request', inputTokens: 108, costUsd: 0.0108 }),
        record(at, { id: ids.counted, usageEstimated: false }),
        record(at, { id: ids.unsaid }),
      ]);
      const { records } = await ledger.listRecords({ from: at.toISOString(), to: new Date(at.getTime() + 1).toISOString(), limit: 100 });
      const estimatedOf = (id: string) => records.find((r) => r.id === id)?.usageEstimated;
      expect([estimatedOf(ids.estimated), estimatedOf(ids.counted), estimatedOf(ids.unsaid)]).toEqual([true, false, false]);
    });

    it('query() counts the records that hold the gateway\'s estimate and their part of the cost, per group and bucket', async () => {
      const start = uniqueWeek();
      const [a, b] = [unique('key_a'), unique('key_b')];
      const at = (hours: number) => new Date(start.getTime() + hours * hour);
      await ledger.append([
        record(at(1), { keyId: a, costUsd: 0.0017, usageEstimated: true, status: 499, errorCode: 'client_closed_request' }),
        record(at(1), { keyId: a, costUsd: 0.0017, usageEstimated: true }),
        record(at(1), { keyId: a, costUsd: 0.0017, usageEstimated: true }),
        record(at(2), { keyId: a, costUsd: 0.5, usageEstimated: false }),
        record(at(2), { keyId: a, costUsd: 0.25 }),
        record(at(2), { keyId: b, costUsd: 1 }),
      ]);
      const range = { from: start.toISOString(), to: new Date(start.getTime() + day).toISOString() };
      const keys = byGroup(await ledger.query({ groupBy: 'key', ...range }));
      // Three × $0.0017 in decimal, as costUsd sums; a group without estimates reads 0, not null.
      expect(keys[a]).toMatchObject({ requests: 5, costUsd: 0.7551, errors: 1, estimatedRequests: 3, estimatedCostUsd: 0.0051 });
      expect(keys[b]).toMatchObject({ requests: 1, costUsd: 1, estimatedRequests: 0, estimatedCostUsd: 0 });
      const hours = await ledger.query({ groupBy: 'key', ...range, keyId: a, bucket: 'hour' });
      expect(hours.map((row) => [row.requests, row.estimatedRequests, row.estimatedCostUsd])).toEqual([
        [3, 3, 0.0051],
        [2, 0, 0],
      ]);
    });

    /** Models of one key: five groups whose costs sum to micro-dollar fractions, two tied on cost. */
    async function seededModels() {
      const start = uniqueWeek();
      const key = unique('key_models');
      const at = (hours: number) => new Date(start.getTime() + hours * hour);
      await ledger.append([
        record(at(1), { keyId: key, model: 'big', costUsd: 0.0017 }),
        record(at(1), { keyId: key, model: 'big', costUsd: 0.0017 }),
        record(at(2), { keyId: key, model: 'big', costUsd: 0.0017, usageEstimated: true }),
        record(at(1), { keyId: key, model: 'mid', costUsd: 0.002 }),
        // Tied on cost with `mid`, more requests: ranks before it.
        record(at(2), { keyId: key, model: 'tie', costUsd: 0.001 }),
        record(at(2), { keyId: key, model: 'tie', costUsd: 0.001 }),
        record(at(1), { keyId: key, model: 'small-b', costUsd: 0.000001, status: 500 }),
        record(at(2), { keyId: key, model: 'small-a', costUsd: 0.000001, inputTokens: 7, outputTokens: 9 }),
      ]);
      const range = { from: start.toISOString(), to: new Date(start.getTime() + 7 * day).toISOString(), keyId: key };
      return { start, range };
    }

    it('query() with a limit keeps the groups that cost most, then made most requests, then come first by name, and folds the rest into (other)', async () => {
      const { range } = await seededModels();
      const all = await ledger.query({ groupBy: 'model', ...range });
      expect(all.map((row) => row.group)).toEqual(['openai/big', 'openai/mid', 'openai/small-a', 'openai/small-b', 'openai/tie']);
      expect(all.every((row) => row.foldedGroups === undefined)).toBe(true);

      const three = await ledger.query({ groupBy: 'model', ...range, limit: 3 });
      // The kept groups in group order, as without a limit; (other) last.
      expect(three.map((row) => [row.group, row.requests, row.costUsd, row.foldedGroups])).toEqual([
        ['openai/big', 3, 0.0051, undefined],
        ['openai/mid', 1, 0.002, undefined],
        ['openai/tie', 2, 0.002, undefined],
        ['(other)', 2, 0.000002, 2],
      ]);
      expect(three[3]).toMatchObject({ inputTokens: 17, outputTokens: 29, errors: 1, estimatedRequests: 0, estimatedCostUsd: 0 });

      // Ties on cost and requests go by name: small-a before small-b.
      const four = await ledger.query({ groupBy: 'model', ...range, limit: 4 });
      expect(four.map((row) => [row.group, row.foldedGroups])).toEqual([
        ['openai/big', undefined],
        ['openai/mid', undefined],
        ['openai/small-a', undefined],
        ['openai/tie', undefined],
        ['(other)', 1],
      ]);

      // Every total still adds up to the whole, to the micro-dollar.
      for (const limit of [1, 2, 3, 4]) {
        const rows = await ledger.query({ groupBy: 'model', ...range, limit });
        expect(rows).toHaveLength(limit + 1);
        expect(rows.reduce((sum, row) => sum + row.requests, 0)).toBe(8);
        expect(Number(rows.reduce((sum, row) => sum + row.costUsd, 0).toPrecision(14))).toBe(0.009102);
        expect(rows.reduce((sum, row) => sum + row.errors, 0)).toBe(1);
      }
      // A limit the groups fit in folds nothing.
      expect(await ledger.query({ groupBy: 'model', ...range, limit: 5 })).toEqual(all);
      expect(await ledger.query({ groupBy: 'model', ...range, limit: 1000 })).toEqual(all);
    });

    it('query() with a limit and a bucket ranks groups over the whole window and folds the rest per bucket', async () => {
      const { start, range } = await seededModels();
      const hourOf = (hours: number) => new Date(start.getTime() + hours * hour).toISOString().replace('.000Z', 'Z');
      const rows = await ledger.query({ groupBy: 'model', ...range, bucket: 'hour', limit: 2 });
      // Kept: big, and tie (as costly as mid, with more requests); each kept series whole, the rest summed per bucket.
      expect(rows.map((row) => [row.group, row.bucket, row.requests, row.costUsd, row.foldedGroups])).toEqual([
        ['openai/big', hourOf(1), 2, 0.0034, undefined],
        ['openai/big', hourOf(2), 1, 0.0017, undefined],
        ['openai/tie', hourOf(2), 2, 0.002, undefined],
        ['(other)', hourOf(1), 2, 0.002001, 3],
        ['(other)', hourOf(2), 1, 0.000001, 3],
      ]);
    });

    it('query() with a limit keeps a group that is itself named (other) apart from the folded row', async () => {
      const start = uniqueWeek();
      const key = unique('key_other');
      await ledger.append([
        record(start, { keyId: key, team: '(other)', costUsd: 1 }),
        record(start, { keyId: key, team: 'b', costUsd: 0.5 }),
        record(start, { keyId: key, team: 'c', costUsd: 0.25 }),
      ]);
      const rows = await ledger.query({ groupBy: 'team', from: start.toISOString(), to: new Date(start.getTime() + day).toISOString(), keyId: key, limit: 1 });
      expect(rows.map((row) => [row.group, row.costUsd, row.foldedGroups])).toEqual([
        ['(other)', 1, undefined],
        ['(other)', 0.75, 2],
      ]);
    });

    it('query() over a range with no records is empty', async () => {
      const start = uniqueWeek();
      expect(await ledger.query({ groupBy: 'team', from: start.toISOString(), to: new Date(start.getTime() + day).toISOString() })).toEqual([]);
    });
  });
}
