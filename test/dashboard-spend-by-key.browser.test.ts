import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from '@switchyard/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * Spend by key as the overview shows it. It names every key that spent, not only those on
 * the Keys list's first page (50 keys): a gateway with more keys showed the rest as bare ids
 * in the overview and in the recent requests, until the Keys list was paged on to them. The
 * chart's summary and data table give the API's amount to the micro-dollar, as the tables do.
 */
const target = findChromium();
let gateway: TestGateway;
let browser: Browser;
const spender = { id: '', name: 'the-spender' };
const pageErrors: string[] = [];

const admin = adminCaller(() => gateway.origin, masterKey);

const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

describe.skipIf(!target.available)('the dashboard with more keys than the Keys list shows at once', () => {
  beforeAll(async () => {
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-key-names-')) },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
      // A price that gives the request's cost six significant decimals.
      prices: { 'mock/echo': { input: 12_345.67, output: 23_456.78 } },
    });
    for (let index = 0; index < 60; index++) expect((await admin('POST', '/keys', { name: `idle-${index}` })).status).toBe(201);
    const created = await admin('POST', '/keys', { name: spender.name });
    expect(created.status).toBe(201);
    spender.id = created.body['key'].id;
    const listed = await admin('GET', '/keys?limit=50&include_revoked=true');
    // The spender is past the list's first page, the case this test is about.
    expect(listed.body['data'].map((key: { id: string }) => key.id)).not.toContain(spender.id);
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.body['secret']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    for (let tries = 0; tries < 200 && (await gateway.gateway.runtime.storage!.ledger.count()) < 1; tries++) await new Promise((resolve) => setTimeout(resolve, 25));
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('names a key past the first page in spend by key and in the recent requests', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${gateway.origin}/dashboard`);
    await page.locator('#login-key').fill(masterKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.locator('#requests-table tbody tr[data-request-id]').count()).toBe(1);
    await poll(() => page.locator(`#groups-table tr[data-group="${spender.id}"] th`).textContent()).toBe(`${spender.name} · ${spender.id}`);
    await poll(() => page.locator('#requests-table tbody tr[data-request-id]').textContent()).toContain(`${spender.name} · ${spender.id}`);
    await poll(() => page.locator('#spend-summary').textContent()).toContain(spender.name);
    await page.context().close();
  }, 90_000);

  it("gives the chart's summary and data table the API's spend to the micro-dollar", async () => {
    const api = await admin('GET', '/usage?group_by=key&from=2000-01-01&to=2999-01-01');
    const cost = (api.body['data'] as Array<{ group: string; cost_usd: number }>).find((row) => row.group === spender.id)!.cost_usd;
    const shown = `$${cost.toFixed(6)}`;
    // Not a round amount: four decimals would differ.
    expect(shown).not.toBe(`$${cost.toFixed(4)}00`);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${gateway.origin}/dashboard`);
    await page.locator('#login-key').fill(masterKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.locator(`#groups-table tr[data-group="${spender.id}"] .cost`).textContent()).toBe(shown);
    await poll(() => page.locator('#spend-summary').textContent()).toContain(`${spender.name} ${shown}`);
    expect(await page.locator('#spend-chart details.chart-data tbody td').allTextContents()).toContain(shown);
    await page.context().close();
  }, 90_000);

  it("asks for each key's name once however many views show it, and never for the master key's (no stored key has its id)", async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock/echo', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    await poll(() => gateway.gateway.runtime.storage!.ledger.count()).toBe(2);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const lookups: string[] = [];
    page.on('request', (request) => {
      const match = /\/admin\/keys\/([^/?]+)$/.exec(new URL(request.url()).pathname);
      if (match) lookups.push(decodeURIComponent(match[1]!));
    });
    await page.goto(`${gateway.origin}/dashboard`);
    await page.locator('#login-key').fill(masterKey);
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.locator('#requests-table tbody tr[data-request-id]').count()).toBe(2);
    await poll(() => page.locator('#requests-table tbody').textContent()).toContain(`${spender.name} · ${spender.id}`);
    await poll(() => page.locator('#requests-table tbody').textContent()).toContain('master key · master');
    // The overview and the recent requests both name the spender: one lookup between them.
    expect(lookups).toEqual([spender.id]);
    // The charts' legends name both series (a series without a name was uPlot's "Value").
    for (const chart of ['#spend-chart', '#requests-chart']) {
      const legend = await page.locator(`${chart} .u-legend`).textContent();
      expect(legend).toContain('master key');
      expect(legend).toContain(spender.name);
      expect(legend).not.toContain('Value');
    }
    await page.context().close();
  }, 90_000);

  it('raised no script error', () => {
    expect(pageErrors).toEqual([]);
  });
});
