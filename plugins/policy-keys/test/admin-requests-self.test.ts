import { createLogger } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeEach, describe, expect, it } from 'vitest';
import { createAdminRouter, createSelfRouter } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger, usageRecord } from './support/memory-usage-ledger.js';

const masterKey = 'sy-master-admin-test-0123456789';
const now = new Date('2026-11-27T12:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();

let keys: MemoryKeyStore;
let ledger: MemoryUsageLedger;
let app: express.Express;

beforeEach(() => {
  keys = new MemoryKeyStore(() => now);
  ledger = new MemoryUsageLedger();
  const logger = createLogger({ level: 'silent' });
  app = express()
    .use('/admin', createAdminRouter({ keys, ledger, masterKey, logger, now: () => now }))
    .use('/v1/me', createSelfRouter({ keys, ledger, masterKey, logger, now: () => now }));
});

const admin = (path: string) => request(app).get(`/admin${path}`).set('authorization', `Bearer ${masterKey}`);

async function createKey(body: Record<string, unknown>) {
  const response = await request(app).post('/admin/keys').set('authorization', `Bearer ${masterKey}`).send(body);
  expect(response.status).toBe(201);
  return response.body as { key: { id: string }; secret: string };
}

async function seed(keyA: string, keyB: string) {
  await ledger.append([
    usageRecord({ id: 'req_1', at: minutesAgo(5), keyId: keyA, provider: 'openai', model: 'gpt-4o-mini', requestedModel: 'cheap', costUsd: 0.5, inputTokens: 10, outputTokens: 5, latencyMs: 120, attempts: 1 }),
    usageRecord({ id: 'req_2', at: minutesAgo(10), keyId: keyA, provider: 'anthropic', model: 'claude-haiku', costUsd: 0.25, status: 502, errorCode: 'upstream_error', attempts: 3, usageEstimated: true }),
    usageRecord({ id: 'req_3', at: minutesAgo(70), keyId: keyB, provider: 'openai', model: 'gpt-4o', costUsd: 2 }),
    usageRecord({ id: 'req_4', at: minutesAgo(90), keyId: keyB, provider: 'openai', model: 'gpt-4o', costUsd: 1, status: 429, errorCode: 'rate_limited' }),
    usageRecord({ id: 'req_old', at: minutesAgo(60 * 48), keyId: keyB, provider: 'openai', model: 'gpt-4o', costUsd: 9 }),
  ]);
}

describe('GET /admin/requests', () => {
  it('lists the last 24 hours newest first with latency, tokens, cost and attempts', async () => {
    await seed('key_a', 'key_b');
    const response = await admin('/requests');
    expect(response.status).toBe(200);
    expect(response.body.data.map((r: { id: string }) => r.id)).toEqual(['req_1', 'req_2', 'req_3', 'req_4']);
    expect(response.body.data[0]).toMatchObject({ key_id: 'key_a', provider: 'openai', model: 'gpt-4o-mini', requested_model: 'cheap', latency_ms: 120, input_tokens: 10, output_tokens: 5, cost_usd: 0.5, attempts: 1, status: 200, error_code: null });
    expect(response.body.next_cursor).toBeNull();
  });

  it('filters by key, model and status', async () => {
    await seed('key_a', 'key_b');
    const ids = async (query: string) => ((await admin(`/requests?${query}`)).body.data as Array<{ id: string }>).map((r) => r.id);
    expect(await ids('key_id=key_b')).toEqual(['req_3', 'req_4']);
    expect(await ids('model=openai/gpt-4o')).toEqual(['req_3', 'req_4']);
    expect(await ids('model=cheap')).toEqual(['req_1']);
    expect(await ids('status=error')).toEqual(['req_2', 'req_4']);
    expect(await ids('status=ok&key_id=key_a')).toEqual(['req_1']);
    expect(await ids('status=429')).toEqual(['req_4']);
    expect(await ids(`from=${encodeURIComponent(minutesAgo(60 * 72))}&key_id=key_b`)).toEqual(['req_3', 'req_4', 'req_old']);
  });

  it('pages with next_cursor until every request was seen once', async () => {
    await seed('key_a', 'key_b');
    const first = await admin('/requests?limit=3');
    expect(first.body.data).toHaveLength(3);
    expect(typeof first.body.next_cursor).toBe('string');
    const second = await admin(`/requests?limit=3&cursor=${first.body.next_cursor}`);
    expect(second.body.data.map((r: { id: string }) => r.id)).toEqual(['req_4']);
    expect(second.body.next_cursor).toBeNull();
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=1e3', 'limit'],
    ['status=OK', 'status'],
    ['status=99', 'status'],
    ['cursor=bm90IGEgY3Vyc29y', 'cursor'],
    ['from=yesterday', 'from'],
    ['key_id=a&key_id=b', 'key_id'],
    [`model=${'m'.repeat(301)}`, 'model'],
    ['sort=at', null],
  ])('refuses %s with 400', async (query, param) => {
    const response = await admin(`/requests?${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    if (param) expect(response.body.error.param).toBe(param);
  });

  it('is for the master key only', async () => {
    const { secret } = await createKey({ name: 'holder' });
    const response = await request(app).get('/admin/requests').set('authorization', `Bearer ${secret}`);
    expect(response.status).toBe(401);
  });
});

describe('GET /admin/usage with bucket and error_code', () => {
  it('splits groups by hour for charts', async () => {
    await seed('key_a', 'key_b');
    const response = await admin('/usage?group_by=key&bucket=hour&from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z');
    expect(response.status).toBe(200);
    expect(response.body.bucket).toBe('hour');
    expect(response.body.data.map((r: { group: string; bucket: string; cost_usd: number }) => [r.group, r.bucket, r.cost_usd])).toEqual([
      ['key_a', '2026-11-27T11:00:00Z', 0.75],
      ['key_b', '2026-11-27T10:00:00Z', 3],
    ]);
  });

  it('groups errors by code', async () => {
    await seed('key_a', 'key_b');
    const response = await admin('/usage?group_by=error_code&from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z');
    expect(response.body.data.map((r: { group: string; requests: number }) => [r.group, r.requests])).toEqual([
      ['(none)', 2],
      ['rate_limited', 1],
      ['upstream_error', 1],
    ]);
  });

  it('refuses more hour buckets than a month holds', async () => {
    const response = await admin('/usage?bucket=hour&from=2026-01-01&to=2026-11-01');
    expect(response.status).toBe(400);
    expect(response.body.error.param).toBe('bucket');
    expect((await admin('/usage?bucket=day&from=2026-01-01&to=2026-11-01')).status).toBe(200);
  });

  it('writes the bucket column into CSV', async () => {
    await seed('key_a', 'key_b');
    const response = await admin('/usage?group_by=key&bucket=day&format=csv&from=2026-11-27&to=2026-11-28');
    expect(response.text.split('\r\n')[0]).toBe('key,bucket,requests,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,cost_usd,errors,estimated_requests,estimated_cost_usd');
    expect(response.text).toContain('key_a,2026-11-27T00:00:00Z,2,');
  });
});

describe('GET /v1/me: a key holder\'s own view', () => {
  it('shows the key\'s own spend, limits and requests, and nothing of other keys', async () => {
    const mine = await createKey({ name: 'mine', team: 'research', scope: { models: ['openai/*'], budget: { limit_usd: 5, period: 'monthly' }, rpm: 60, expires_in: '30d' } });
    const other = await createKey({ name: 'other' });
    await seed(mine.key.id, other.key.id);
    const response = await request(app).get('/v1/me').set('authorization', `Bearer ${mine.secret}`);
    expect(response.status).toBe(200);
    expect(response.body.key).toMatchObject({ id: mine.key.id, name: 'mine', status: 'active', scope: { models: ['openai/*'], budget: { limit_usd: 5, period: 'monthly' }, rpm: 60 } });
    expect(response.body.key.expires_at).toBe(new Date(now.getTime() + 30 * 86_400_000).toISOString());
    // req_2 was billed on the gateway's estimate: the key holder sees how much of the spend rests on it.
    expect(response.body.totals).toMatchObject({ requests: 2, cost_usd: 0.75, errors: 1, estimated_requests: 1, estimated_cost_usd: 0.25 });
    expect(response.body.usage).toContainEqual(expect.objectContaining({ group: 'anthropic/claude-haiku', estimated_requests: 1, estimated_cost_usd: 0.25 }));
    expect(response.body.requests.map((r: { usage_estimated: boolean }) => r.usage_estimated)).toEqual([false, true]);
    expect(response.body.requests.map((r: { id: string }) => r.id)).toEqual(['req_1', 'req_2']);
    expect(JSON.stringify(response.body)).not.toContain(other.key.id);
    expect(JSON.stringify(response.body)).not.toContain(mine.secret);
  });

  it('lists at most 100 of the key\'s models (limit asks for others), the rest in one (other) row, totals whole', async () => {
    const mine = await createKey({ name: 'mine' });
    // Model names are the client's own: each made-up one was a row of the view.
    await ledger.append(Array.from({ length: 101 }, (_, index) => usageRecord({ at: minutesAgo(5 + index), keyId: mine.key.id, provider: 'openai', model: `made-up-${index}`, costUsd: (index + 1) / 1_000_000 })));
    const view = async (query: string) => {
      const response = await request(app).get(`/v1/me${query}`).set('authorization', `Bearer ${mine.secret}`);
      expect(response.status).toBe(200);
      return response.body as { limit: number; folded_groups: number; usage: Array<{ group: string; requests: number; cost_usd: number; folded_groups?: number }>; totals: { requests: number; cost_usd: number } };
    };
    const body = await view('');
    expect(body).toMatchObject({ limit: 100, folded_groups: 1 });
    expect(body.usage).toHaveLength(101);
    expect(body.usage.at(-1)).toMatchObject({ group: '(other)', requests: 1, cost_usd: 0.000001, folded_groups: 1 });
    expect(body.usage.map((row) => row.group)).not.toContain('openai/made-up-0');
    expect(body.totals).toMatchObject({ requests: 101, cost_usd: 0.005151 });

    const two = await view('?limit=2');
    expect(two.usage.map((row) => row.group)).toEqual(['openai/made-up-100', 'openai/made-up-99', '(other)']);
    expect(two.totals).toMatchObject({ requests: 101, cost_usd: 0.005151 });
    const refused = await request(app).get('/v1/me?limit=0').set('authorization', `Bearer ${mine.secret}`);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param: 'limit' });
  });

  it('ignores any attempt to name another key', async () => {
    const mine = await createKey({ name: 'mine' });
    const other = await createKey({ name: 'other' });
    await seed(mine.key.id, other.key.id);
    const response = await request(app).get(`/v1/me?key_id=${other.key.id}`).set('authorization', `Bearer ${mine.secret}`);
    expect(response.status).toBe(400);
  });

  it('refuses no key, an unknown key and a revoked key with 401', async () => {
    const mine = await createKey({ name: 'mine' });
    expect((await request(app).get('/v1/me')).body.error.code).toBe('missing_api_key');
    expect((await request(app).get('/v1/me').set('authorization', 'Bearer sy-nope')).body.error.code).toBe('invalid_api_key');
    await request(app).post(`/admin/keys/${mine.key.id}/revoke`).set('authorization', `Bearer ${masterKey}`);
    const revoked = await request(app).get('/v1/me').set('authorization', `Bearer ${mine.secret}`);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('key_revoked');
  });

  it('tells the master key it has no view of its own here (403 pointing to /admin/usage), not that it is invalid', async () => {
    for (const header of ['authorization', 'x-api-key']) {
      const response = await request(app).get('/v1/me').set(header, header === 'authorization' ? `Bearer ${masterKey}` : masterKey);
      expect(response.status).toBe(403);
      expect(response.body.error).toMatchObject({ code: 'endpoint_not_allowed', type: 'permission_error' });
      expect(response.body.error.message).toContain('/admin/usage');
      expect(JSON.stringify(response.body)).not.toContain(masterKey);
    }
  });
});
