import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UsageRecord } from '@switchyard/core';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * `/admin/usage` lists at most 100 groups and sums the rest into one `(other)` row that
 * carries `folded_groups`. The overview shows that row as what it is, `(other: N groups)`,
 * and its charts put it in their "other" series, never a series of its own beside it,
 * even when it outspends every group (many small made-up model names do).
 */
const target = findChromium();
let gateway: TestGateway;
let browser: Browser;
const pageErrors: string[] = [];

const admin = adminCaller(() => gateway.origin, masterKey);
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

function record(model: string, costUsd: number): UsageRecord {
  return {
    id: `req_${randomUUID()}`,
    at: new Date(Date.now() - 3_600_000).toISOString(),
    endpoint: 'chat',
    keyId: undefined,
    team: undefined,
    project: undefined,
    requestedModel: model,
    provider: 'mock',
    model,
    stream: false,
    inputTokens: 1,
    outputTokens: 1,
    cachedInputTokens: 0,
    reasoningTokens: 0,
    costUsd,
    latencyMs: 1,
    status: 200,
    errorCode: undefined,
    cacheHit: false,
    attempts: 1,
  };
}

describe.skipIf(!target.available)('the dashboard over more groups than /admin/usage lists', () => {
  beforeAll(async () => {
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-folded-')) },
      storage: { use: 'sqlite' },
    });
    // 100 models of $0.01 are listed; 10 of $0.009 are folded, $0.09 together: more than any listed.
    await gateway.gateway.runtime.storage!.ledger.append([
      ...Array.from({ length: 100 }, (_, index) => record(`listed-${index}`, 0.01)),
      ...Array.from({ length: 10 }, (_, index) => record(`made-up-${index}`, 0.009)),
    ]);
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('shows the folded row as (other: 10 groups), its spend in the total and in the charts\' other series', async () => {
    const api = await admin('GET', '/usage?group_by=model');
    expect(api.body).toMatchObject({ limit: 100, folded_groups: 10 });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${gateway.origin}/dashboard`);
    await page.locator('#login-key').fill(masterKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    // By key first (the records have none): one row, (none).
    await poll(() => page.locator('#groups-table tr[data-group="(none)"]').count()).toBe(1);
    await page.locator('#group-by').selectOption('model');
    await poll(() => page.locator('#groups-table tr[data-folded="10"] th').textContent()).toBe('(other: 10 groups)');
    expect(await page.locator('#groups-table tbody tr').count()).toBe(101);
    // The costliest row, first in the table.
    expect(await page.locator('#groups-table tbody tr').first().getAttribute('data-folded')).toBe('10');
    expect(await page.locator('#groups-table tr[data-folded] .cost').textContent()).toBe('$0.090000');
    await poll(() => page.locator('#total-spend').textContent()).toBe('$1.090000');
    // Six listed models and "other" (94 listed models at $0.01 and the folded $0.09): $1.03.
    const summary = await page.locator('#spend-summary').textContent();
    expect(summary).toMatch(/^Spend by 7 series: /);
    expect(summary).not.toContain('(other)');
    expect(summary).toContain('other $1.030000');
    expect(pageErrors).toEqual([]);
    await page.context().close();
  }, 90_000);
});
