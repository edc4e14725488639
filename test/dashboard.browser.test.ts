import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium, startMockOpenAI, type MockOpenAI } from '@switchyard/testing';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKey, startTestGateway, type TestGateway } from './support/start-test-gateway.js';
import { adminCaller } from './support/admin-call.js';

/**
 * The page's globals the callbacks handed to page.evaluate read: they run in Chromium,
 * and these tests are typed with Node's globals alone (no DOM lib, so Node's fetch
 * keeps its typed Response).
 */
declare const document: {
  documentElement: { clientWidth: number; scrollWidth: number };
  querySelectorAll(selector: string): Iterable<PageElement>;
};
interface PageElement {
  tagName: string;
  id: string;
  className: string;
  closest(selector: string): unknown;
  getBoundingClientRect(): { right: number };
}

/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core (no
 * browser download). A real gateway on a loopback port with SQLite in a temp folder
 * and a mock OpenAI upstream; traffic is seeded with two virtual keys, then the page
 * is checked against the admin API's own numbers. Screenshots go to test-artifacts/.
 */
const target = findChromium();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = path.join(root, 'test-artifacts');
const upstreamKey = 'sk-proj-upstream-dashboard-test-abcdefghijklmnop';

let upstream: MockOpenAI;
let gateway: TestGateway;
let browser: Browser;
const consoleErrors: string[] = [];
const keys: Record<'alpha' | 'beta', { id: string; secret: string }> = {} as never;

const admin = adminCaller(() => gateway.origin, masterKey);

async function chat(secret: string, model = 'openai/gpt-4o-mini', content = 'hello dashboard') {
  const response = await fetch(`${gateway.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content }] }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Waits until the ledger holds `count` records (usage is written in batches). */
async function ledgerHolds(count: number): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if ((await gateway.gateway.runtime.storage!.ledger.count()) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the ledger never reached ${count} records`);
}

/** Admin usage by key over a window that holds every seeded request. */
async function usageByKey(): Promise<Array<{ group: string; cost_usd: number; requests: number }>> {
  const from = new Date(Date.now() - 2 * 86_400_000).toISOString();
  const to = new Date(Date.now() + 2 * 3_600_000).toISOString();
  const usage = await admin('GET', `/usage?group_by=key&from=${from}&to=${to}`);
  expect(usage.status).toBe(200);
  return usage.body['data'];
}

const usd = (value: number) => `$${value.toFixed(6)}`;

/** Waits for the page to show something; generous, because CI runs many test files at once on two cores. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });

/** A whole browser scenario may take a while on a loaded machine; none of these tests is about speed. */
const browserTimeout = 90_000;

async function newPage(viewport: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme: 'light' });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  return { context, page };
}

async function logIn(page: Page, key: string): Promise<void> {
  await page.goto(`${gateway.origin}/dashboard`);
  await page.locator('#login-key').fill(key);
  await page.getByRole('button', { name: 'Log in' }).click();
  await poll(() => page.locator('#total-spend').textContent()).toMatch(/^\$\d/);
}

describe.skipIf(!target.available)('dashboard in Chromium', () => {
  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    upstream = await startMockOpenAI({ apiKey: upstreamKey });
    gateway = await startTestGateway({
      server: { data_dir: await mkdtemp(path.join(tmpdir(), 'switchyard-dashboard-')) },
      storage: { use: 'sqlite' },
      usage: { flush_interval_ms: 20 },
      providers: { openai: { api_key: upstreamKey, base_url: upstream.url } },
    });
    const alpha = await admin('POST', '/keys', {
      name: 'alpha',
      team: 'research',
      project: 'search',
      scope: { models: ['openai/*'], budget: { limit_usd: 1, period: 'monthly' }, rpm: 120, expires_in: '30d' },
    });
    const beta = await admin('POST', '/keys', { name: 'beta', team: 'support' });
    keys.alpha = { id: alpha.body['key'].id, secret: alpha.body['secret'] };
    keys.beta = { id: beta.body['key'].id, secret: beta.body['secret'] };
    for (let i = 0; i < 3; i++) expect((await chat(keys.alpha.secret, 'openai/gpt-4o-mini', `alpha ${i} ${'x'.repeat(400 * i)}`)).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await chat(keys.beta.secret, 'openai/gpt-4o', `beta ${i}`)).status).toBe(200);
    // Refused by alpha's scope: an error with a code, on the ledger too.
    expect((await chat(keys.alpha.secret, 'mock/echo')).status).toBe(403);
    await ledgerHolds(6);
    browser = await chromium.launch({ executablePath: target.available ? target.path : '', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await upstream?.close();
  });

  it('the master key sees spend per key equal to the admin API, requests, errors by code and health', async () => {
    const { context, page } = await newPage({ width: 1280, height: 900 });
    const response = await page.goto(`${gateway.origin}/dashboard`);
    expect(page.url()).toBe(`${gateway.origin}/dashboard/`);
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
    await poll(() => page.locator('#login').isVisible()).toBe(true);

    await page.locator('#login-key').fill('sy-wrong-key-0123456789');
    await page.getByRole('button', { name: 'Log in' }).click();
    await poll(() => page.locator('#login-error').textContent()).toBe('That key does not open the dashboard.');

    await logIn(page, masterKey);
    const rows = await usageByKey();
    const total = rows.reduce((sum, row) => sum + row.cost_usd, 0);
    await poll(() => page.locator('#total-spend').textContent()).toBe(usd(total));
    for (const id of [keys.alpha.id, keys.beta.id]) {
      const row = rows.find((entry) => entry.group === id)!;
      await poll(() => page.locator(`#groups-table tr[data-group="${id}"] .cost`).textContent()).toBe(usd(row.cost_usd));
    }
    expect(await page.locator('#total-requests').textContent()).toBe(String(rows.reduce((sum, row) => sum + row.requests, 0)));
    await poll(() => page.locator('#errors-table tr[data-code="model_not_allowed"]').count()).toBe(1);
    await poll(() => page.locator('#requests-table tbody tr[data-request-id]').count()).toBe(6);
    await poll(() => page.locator('#keys-table tr[data-key-id]').count()).toBe(2);
    await poll(() => page.locator('#health-body [data-check]').count()).toBeGreaterThan(0);
    await poll(() => page.locator('#spend-chart canvas').count()).toBe(1);
    // Each chart is an image described in words, with its numbers in a table beside it.
    expect(await page.locator('#spend-chart [role="img"]').getAttribute('aria-describedby')).toBe('spend-summary');
    expect(await page.locator('#spend-summary').textContent()).toContain('alpha');
    expect(await page.locator('#spend-chart details.chart-data tbody tr').count()).toBeGreaterThan(0);

    // Grouped by model: the same total, split differently.
    await page.locator('#group-by').selectOption('model');
    await poll(() => page.locator('#groups-table tr[data-group="openai/gpt-4o"]').count()).toBe(1);
    await page.locator('#group-by').selectOption('key');
    await poll(() => page.locator(`#groups-table tr[data-group="${keys.alpha.id}"]`).count()).toBe(1);

    await page.screenshot({ path: path.join(artifacts, 'dashboard-desktop.png'), fullPage: true });
    await context.close();
  }, browserTimeout);

  it('a key created in the page works; revoked in the page it is refused', async () => {
    const { context, page } = await newPage({ width: 1280, height: 900 });
    await logIn(page, masterKey);
    await page.getByRole('button', { name: 'New key' }).click();
    const dialog = page.locator('#create-dialog');
    await dialog.getByLabel('Name').fill('made-in-browser');
    await dialog.getByLabel('Team').fill('web');
    await dialog.getByLabel('Budget (USD)').fill('5');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    await poll(() => page.locator('#secret-value').textContent()).toMatch(/^sy-[A-Za-z0-9]{32,}$/);
    const secret = (await page.locator('#secret-value').textContent())!;
    await page.screenshot({ path: path.join(artifacts, 'dashboard-new-key.png') });
    await page.locator('#secret-dialog').getByRole('button', { name: 'Done' }).click();
    // The secret leaves the page with its dialog: on the dialog's close event, which the
    // browser fires as a task after the click, so it is awaited rather than read at once.
    await poll(() => page.locator('#secret-value').textContent()).toBe('');

    const used = await chat(secret);
    expect(used.status).toBe(200);

    const row = page.locator('#keys-table tr[data-key-id]', { hasText: 'made-in-browser' });
    await poll(() => row.count()).toBe(1);
    const createdId = (await row.getAttribute('data-key-id'))!;
    expect((await admin('GET', `/keys/${createdId}`)).body['key'].team).toBe('web');

    // Cancelling the confirmation changes nothing.
    await row.getByRole('button', { name: 'Revoke made-in-browser' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await chat(secret)).status).toBe(200);

    await row.getByRole('button', { name: 'Revoke made-in-browser' }).click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Revoke' }).click();
    await poll(() => page.locator(`#keys-table tr[data-key-id="${createdId}"] .status`).textContent()).toBe('revoked');
    // Other lookups of the key are cached for at most a second (docs/reliability.md).
    await expect.poll(async () => (await chat(secret)).status, { timeout: 10_000, interval: 200 }).toBe(401);
    const refused = await chat(secret);
    expect(refused.status).toBe(401);
    expect(refused.body['error'].code).toBe('key_revoked');
    await context.close();
  }, browserTimeout);

  it('a custom range of one day reads that day, and one that ends before it begins says so', async () => {
    const { context, page } = await newPage({ width: 1280, height: 900 });
    await logIn(page, masterKey);
    // One instant for both: two reads of the clock can fall either side of midnight UTC.
    const startOfToday = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    const today = new Date(startOfToday).toISOString().slice(0, 10);
    const tomorrow = new Date(startOfToday + 86_400_000).toISOString().slice(0, 10);
    await page.locator('#period').selectOption('custom');
    await page.locator('#to').fill(today);
    // The read for the range the From change makes, not a late one of the To change (From still a week back).
    const weekBack = await page.locator('#from').inputValue();
    const usageRead = page.waitForRequest((request) => {
      const url = new URL(request.url());
      return url.pathname.endsWith('/api/admin/usage') && url.searchParams.get('group_by') === 'key' && url.searchParams.get('from') !== weekBack;
    });
    await page.locator('#from').fill(today);
    const read = new URL((await usageRead).url());
    expect([read.searchParams.get('from'), read.searchParams.get('to')]).toEqual([today, tomorrow]);
    // The page's spend is the admin API's for that one day (all of the seeded traffic, unless midnight came between).
    const day = await admin('GET', `/usage?group_by=key&from=${today}&to=${tomorrow}`);
    const total = (day.body['data'] as Array<{ cost_usd: number }>).reduce((sum, row) => sum + row.cost_usd, 0);
    await poll(() => page.locator('#total-spend').textContent()).toBe(usd(total));

    await page.locator('#from').fill(tomorrow);
    await poll(() => page.locator('#notice').textContent()).toContain('ends before it begins');
    await context.close();
  }, browserTimeout);

  it('reads well at phone width', async () => {
    const { context, page } = await newPage({ width: 375, height: 812 });
    await logIn(page, masterKey);
    await poll(() => page.locator('#spend-chart canvas').count()).toBe(1);
    // Nothing but the tables' own scrolling is wider than the screen.
    await page.screenshot({ path: path.join(artifacts, 'dashboard-phone.png'), fullPage: true });
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !element.closest('.scroll'))
        .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await context.close();
  }, browserTimeout);

  it('a virtual key sees only its own spend, limits and requests, until it is revoked', async () => {
    const { context, page } = await newPage({ width: 375, height: 812 });
    await logIn(page, keys.alpha.secret);
    const alphaUsage = (await usageByKey()).find((row) => row.group === keys.alpha.id)!;
    await poll(() => page.locator('#total-spend').textContent()).toBe(usd(alphaUsage.cost_usd));
    await poll(() => page.locator('#self-limits').textContent()).toContain(keys.alpha.id);
    const limits = (await page.locator('#self-limits').textContent())!;
    expect(limits).toContain('120 requests/min');
    expect(limits).toContain('openai/*');
    expect(limits).toContain('of $1.000000 per month');
    await poll(() => page.locator('#requests-table tbody tr[data-request-id]').count()).toBe(alphaUsage.requests);
    expect(await page.locator('#keys').isVisible()).toBe(false);
    expect(await page.content()).not.toContain(keys.beta.id);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-self-phone.png'), fullPage: true });

    // The page cannot reach the admin API with this session.
    const status = await page.evaluate(async () => (await fetch('api/admin/keys', { headers: { 'x-switchyard-dashboard': '1' } })).status);
    expect(status).toBe(401);

    expect((await admin('POST', `/keys/${keys.alpha.id}/revoke`)).status).toBe(200);
    await page.locator('#period').selectOption('7d');
    await poll(() => page.locator('#login').isVisible()).toBe(true);
    expect(await page.locator('#login-error').textContent()).toContain('session ended');
    await context.close();
  }, browserTimeout);

  it('no script error and no Content-Security-Policy violation on any page', () => {
    expect(consoleErrors.filter((text) => !/status of 40[13]/.test(text))).toEqual([]);
  });
});
