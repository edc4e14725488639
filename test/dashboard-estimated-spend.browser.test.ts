import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UsageRecord } from '@switchyard/core';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * How much of the spend rests on the gateway's estimates (records whose provider reported
 * no usage: a client gone before the first byte, an attempt given up, a stream cut before
 * its usage) as the overview shows it: under the Spend tile, per group in the table, and
 * on each such request; for the master key and for a key holder's own view alike, with the
 * admin API's figures to the micro-dollar.
 */
const target = findChromium();
let gateway: TestGateway;
let browser: Browser;
const holder = { id: '', secret: '' };
const other = { id: '' };
const pageErrors: string[] = [];

const admin = adminCaller(() => gateway.origin, masterKey);

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

function record(id: string, keyId: string, costUsd: number, fields: Partial<UsageRecord> = {}): UsageRecord {
  return {
    id,
    at: new Date(Date.now() - 10 * 60_000).toISOString(),
    endpoint: 'chat',
    keyId,
    team: undefined,
    project: undefined,
    requestedModel: 'mock/echo',
    provider: 'mock',
    model: 'echo',
    stream: true,
    inputTokens: 17,
    outputTokens: 0,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    costUsd,
    latencyMs: 12,
    status: 200,
    errorCode: undefined,
    cacheHit: false,
    attempts: 1,
    ...fields,
  };
}

async function logIn(key: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${gateway.origin}/dashboard`);
  await page.locator('#login-key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await poll(() => page.locator('#total-spend').textContent()).toMatch(/^\$\d/);
  return page;
}

describe.skipIf(!target.available)('the dashboard shows the spend that rests on estimates', () => {
  beforeAll(async () => {
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-estimated-')) },
      storage: { use: 'sqlite' },
    });
    const created = await admin('POST', '/keys', { name: 'holder' });
    expect(created.status).toBe(201);
    holder.id = created.body['key'].id;
    holder.secret = created.body['secret'];
    other.id = (await admin('POST', '/keys', { name: 'other' })).body['key'].id;
    // Written to the ledger as the gateway writes them: two of the holder's three requests hold estimates.
    await gateway.gateway.runtime.storage!.ledger.append([
      record('req_estimated_abort', holder.id, 0.0017, { usageEstimated: true, status: 499, errorCode: 'client_closed_request' }),
      record('req_estimated_cut', holder.id, 0.0017, { usageEstimated: true }),
      record('req_counted', holder.id, 0.5, { usageEstimated: false }),
      record('req_other', other.id, 0.25),
    ]);
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('the master key sees the estimated share under the spend, per key, and on each estimated request', async () => {
    const usage = await admin('GET', '/usage?group_by=key&from=2000-01-01&to=2999-01-01');
    const holderRow = (usage.body['data'] as Array<{ group: string; estimated_requests: number; estimated_cost_usd: number }>).find((row) => row.group === holder.id)!;
    expect(holderRow).toMatchObject({ estimated_requests: 2, estimated_cost_usd: 0.0034 });

    const page = await logIn(masterKey);
    await poll(() => page.locator('#spend-estimated').textContent()).toBe('estimated: 2 requests, $0.003400');
    expect(await page.locator('#spend-estimated').isVisible()).toBe(true);
    const cell = page.locator(`#groups-table tr[data-group="${holder.id}"] .estimated`);
    await poll(() => cell.textContent()).toBe('$0.003400 (2)');
    expect(await cell.getAttribute('title')).toBe('estimated: 2 requests, $0.003400');
    expect(await page.locator(`#groups-table tr[data-group="${other.id}"] .estimated`).textContent()).toBe('–');
    await poll(() => page.locator('#requests-table tbody tr[data-request-id]').count()).toBe(4);
    const marks = (id: string) => page.locator(`#requests-table tr[data-request-id="${id}"] .estimated-mark`).count();
    expect([await marks('req_estimated_abort'), await marks('req_estimated_cut'), await marks('req_counted'), await marks('req_other')]).toEqual([1, 1, 0, 0]);
    expect(await page.locator('#requests-table tr[data-request-id="req_estimated_cut"] .estimated-mark').getAttribute('title')).toContain("the gateway's estimate");
    expect(await page.locator('#requests-table tr[data-request-id="req_counted"] .cost').textContent()).toBe('$0.500000');
    await page.context().close();
  }, 90_000);

  it("a key holder sees their own key's estimated share", async () => {
    const page = await logIn(holder.secret);
    await poll(() => page.locator('#total-spend').textContent()).toBe('$0.503400');
    await poll(() => page.locator('#spend-estimated').textContent()).toBe('estimated: 2 requests, $0.003400');
    await poll(() => page.locator('#groups-table tr[data-group="mock/echo"] .estimated').textContent()).toBe('$0.003400 (2)');
    await page.context().close();
  }, 90_000);

  it('a window without estimates shows none', async () => {
    const page = await logIn(masterKey);
    await page.locator('#group-by').selectOption('key');
    await page.locator('#period').selectOption('custom');
    await page.locator('#from').fill('2001-01-01');
    await page.locator('#to').fill('2001-01-02');
    await page.locator('#to').dispatchEvent('change');
    await poll(() => page.locator('#groups-table tbody').textContent()).toBe('No requests in this period.');
    expect(await page.locator('#spend-estimated').isHidden()).toBe(true);
    await page.context().close();
  }, 90_000);

  it('raised no script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
