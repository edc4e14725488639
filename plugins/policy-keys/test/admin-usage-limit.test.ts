import { createLogger, sumOfCosts } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdminRouter } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger, usageRecord } from './support/memory-usage-ledger.js';

/**
 * `GET /admin/usage` answers at most `limit` groups (100 unless asked, 1000 at most): model
 * names come from clients, so one row per name ever sent grew without bound. The groups
 * that cost most are kept, the rest summed into one `(other)` row, so totals still add up.
 */
const masterKey = 'sy-master-admin-test-0123456789';
const ledger = new MemoryUsageLedger();
const app = express().use('/admin', createAdminRouter({ keys: new MemoryKeyStore(), ledger, masterKey, logger: createLogger({ level: 'silent' }) }));
const window = 'from=2026-11-01&to=2026-11-03';

/** 150 made-up model names, model-NNN costing NNN micro-dollars (model-150 the most), and one error. */
const models = 150;
beforeAll(async () => {
  await ledger.append(
    Array.from({ length: models }, (_, index) =>
      usageRecord({
        at: index % 2 === 0 ? '2026-11-01T10:15:00Z' : '2026-11-02T11:45:00Z',
        keyId: 'key_client',
        provider: 'openai',
        model: `model-${String(index + 1).padStart(3, '0')}`,
        inputTokens: 10,
        outputTokens: 1,
        costUsd: (index + 1) / 1_000_000,
        status: index === 0 ? 500 : 200,
      }),
    ),
  );
});

interface Row {
  group: string;
  bucket?: string;
  requests: number;
  input_tokens: number;
  errors: number;
  cost_usd: number;
  folded_groups?: number;
}
interface Answer {
  limit: number;
  folded_groups: number;
  data: Row[];
}

const usage = (query: string) => request(app).get(`/admin/usage?${window}&${query}`).set('authorization', `Bearer ${masterKey}`);
async function answer(query: string): Promise<Answer> {
  const response = await usage(query);
  expect(response.status).toBe(200);
  return response.body as Answer;
}
/** Micro-dollars 1 + 2 + … + n, in dollars. */
const costOfFirst = (n: number) => (n * (n + 1)) / 2 / 1_000_000;

describe('GET /admin/usage limit', () => {
  it('answers 100 groups by default, the costliest, the rest in one (other) row, and its totals add up to the whole', async () => {
    const body = await answer('group_by=model');
    expect(body.limit).toBe(100);
    expect(body.folded_groups).toBe(50);
    expect(body.data).toHaveLength(101);
    const kept = body.data.slice(0, 100).map((row) => row.group);
    expect(kept[0]).toBe('openai/model-051');
    expect(kept[99]).toBe('openai/model-150');
    const other = body.data[100]!;
    expect(other).toMatchObject({ group: '(other)', folded_groups: 50, requests: 50, input_tokens: 500, errors: 1, cost_usd: costOfFirst(50) });
    expect(body.data.slice(0, 100).every((row) => !('folded_groups' in row))).toBe(true);
    expect(body.data.reduce((sum, row) => sum + row.requests, 0)).toBe(models);
    expect(sumOfCosts(body.data.reduce((sum, row) => sum + row.cost_usd, 0))).toBe(costOfFirst(models));
  });

  it('keeps as many groups as limit asks, and folds nothing when they fit', async () => {
    const three = await answer('group_by=model&limit=3');
    expect(three.data.map((row) => [row.group, row.cost_usd])).toEqual([
      ['openai/model-148', 0.000148],
      ['openai/model-149', 0.000149],
      ['openai/model-150', 0.00015],
      ['(other)', costOfFirst(147)],
    ]);
    expect(three).toMatchObject({ limit: 3, folded_groups: 147 });

    const all = await answer('group_by=model&limit=1000');
    expect(all).toMatchObject({ limit: 1000, folded_groups: 0 });
    expect(all.data).toHaveLength(models);
    expect(all.data.some((row) => row.group === '(other)')).toBe(false);
  });

  it('with a bucket, keeps the same groups in every bucket and folds the rest per bucket', async () => {
    const body = await answer('group_by=model&bucket=day&limit=2');
    expect(body).toMatchObject({ limit: 2, folded_groups: 148 });
    expect(body.data.map((row) => [row.group, row.bucket, row.requests])).toEqual([
      ['openai/model-149', '2026-11-01T00:00:00Z', 1],
      ['openai/model-150', '2026-11-02T00:00:00Z', 1],
      ['(other)', '2026-11-01T00:00:00Z', 74],
      ['(other)', '2026-11-02T00:00:00Z', 74],
    ]);
  });

  it('says in a header how many groups the CSV folded into its (other) row', async () => {
    const response = await usage('group_by=model&limit=2&format=csv');
    expect(response.status).toBe(200);
    expect(response.headers['x-switchyard-folded-groups']).toBe('148');
    const lines = response.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^\(other\),148,/);
  });

  it.each(['0', '-1', '1e309', 'abc', '1000000000', '1001', '1.5', '+5', '0x10', '1 0'])('limit=%s: 400 naming limit', async (limit) => {
    const response = await usage(`group_by=model&limit=${encodeURIComponent(limit)}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { message: 'limit: expected an integer from 1 to 1000.', type: 'invalid_request_error', param: 'limit', code: 'invalid_request' } });
  });

  it.each(['limit=1&limit=2', 'limit=', `limit=${'9'.repeat(600)}`])('%s: 400 naming limit', async (query) => {
    const response = await usage(`group_by=model&${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' });
  });
});
