import { createLogger } from '@switchyard/core';
import express from 'express';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdminRouter } from '../src/index.js';
import { MemoryKeyStore } from './support/memory-key-store.js';
import { MemoryUsageLedger, usageRecord } from './support/memory-usage-ledger.js';

/**
 * `GET /admin/usage`'s window as plugins/policy-keys/README.md states it: `from` included,
 * `to` left out, a date alone is midnight UTC, a time carries `Z` or an offset; a window
 * that ends before it begins is a 400 in OpenAI's error shape naming `from`.
 */
const masterKey = 'sy-master-admin-test-0123456789';
const ledger = new MemoryUsageLedger();
const app = express().use('/admin', createAdminRouter({ keys: new MemoryKeyStore(), ledger, masterKey, logger: createLogger({ level: 'silent' }) }));

beforeAll(async () => {
  await ledger.append([
    usageRecord({ at: '2026-10-31T23:59:59.999Z', keyId: 'key_before', costUsd: 1 }),
    usageRecord({ at: '2026-11-01T00:00:00.000Z', keyId: 'key_first', costUsd: 0.000002 }),
    usageRecord({ at: '2026-11-01T23:59:59.999Z', keyId: 'key_last', costUsd: 0.000003 }),
    usageRecord({ at: '2026-11-02T00:00:00.000Z', keyId: 'key_after', costUsd: 1 }),
  ]);
});

const usage = (query: string) => request(app).get(`/admin/usage?${query}`).set('authorization', `Bearer ${masterKey}`);
const groups = async (query: string) => {
  const response = await usage(query);
  expect(response.status).toBe(200);
  return (response.body as { data: Array<{ group: string }> }).data.map((row) => row.group);
};

describe('GET /admin/usage window', () => {
  it.each([
    ['from=2026-11-01&to=2026-11-02'],
    ['from=2026-11-01T05:30:00%2B05:30&to=2026-11-01T19:00:00-05:00'],
    ['from=2026-11-01T00:00:00Z&to=2026-11-02T00:00:00.000Z'],
  ])('%s holds its first instant and leaves out its last', async (query) => {
    expect(await groups(query)).toEqual(['key_first', 'key_last']);
  });

  it('a window with no data answers no rows, and its CSV the header alone', async () => {
    expect(await groups('from=2026-12-01&to=2026-12-02')).toEqual([]);
    const csv = await usage('from=2026-12-01&to=2026-12-02&format=csv');
    expect(csv.text).toBe('key,requests,input_tokens,output_tokens,cached_input_tokens,reasoning_tokens,cost_usd,errors,estimated_requests,estimated_cost_usd\r\n');
  });

  it.each(['from=2026-11-02&to=2026-11-01', 'from=2026-11-01&to=2026-11-01', 'from=2026-11-01T01:00:00%2B01:00&to=2026-11-01'])(
    '%s ends before it begins (or where it begins): 400 naming from',
    async (query) => {
      const response = await usage(query);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: { message: 'from: must be before to.', type: 'invalid_request_error', param: 'from', code: 'invalid_request' } });
    },
  );
});

describe('GET /admin/usage bucket count', () => {
  // 745 hours long but starting at half past: it touched 746 hour buckets, one more than an answer may hold.
  it('counts the buckets a window touches, not its length: 745 hours from half past is 400 naming bucket', async () => {
    const response = await usage('from=2026-11-01T00:30:00Z&to=2026-12-02T01:30:00Z&bucket=hour');
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ param: 'bucket', code: 'invalid_request', type: 'invalid_request_error' });
  });

  it('takes 745 whole hours, and 744 hours from half past', async () => {
    expect((await usage('from=2026-11-01T00:00:00Z&to=2026-12-02T01:00:00Z&bucket=hour')).status).toBe(200);
    expect((await usage('from=2026-11-01T00:30:00Z&to=2026-12-02T00:30:00Z&bucket=hour')).status).toBe(200);
  });
});
